import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  dayKey,
  dayStart,
  hourKey,
  nextDayKey,
  zonedMinutes,
  zonedParts,
} from '../../../src/risk/zoned-time.js';

const iso = (at: number | undefined) => (at === undefined ? undefined : new Date(at).toISOString());

describe('dayStart', () => {
  it("is the day's local midnight, across DST changes both ways", () => {
    expect(iso(dayStart('2026-12-06', 'UTC'))).toBe('2026-12-06T00:00:00.000Z');
    expect(iso(dayStart('2026-12-06', 'America/New_York'))).toBe('2026-12-06T05:00:00.000Z');
    expect(iso(dayStart('2026-03-08', 'America/New_York'))).toBe('2026-03-08T05:00:00.000Z'); // 23-hour day
    expect(iso(dayStart('2026-03-09', 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
    expect(iso(dayStart('2026-11-01', 'America/New_York'))).toBe('2026-11-01T04:00:00.000Z'); // 25-hour day
    expect(iso(dayStart('2026-11-02', 'America/New_York'))).toBe('2026-11-02T05:00:00.000Z');
    expect(iso(dayStart('2026-12-06', 'Asia/Kolkata'))).toBe('2026-12-05T18:30:00.000Z');
  });

  it('is the first minute that exists where a DST change skips midnight', () => {
    // Chile moves from 00:00 to 01:00 on 6 September 2026.
    const start = dayStart('2026-09-06', 'America/Santiago')!;
    expect(iso(start)).toBe('2026-09-06T04:00:00.000Z');
    expect(hourKey(start, 'America/Santiago')).toBe('2026-09-06T01:00');
    expect(dayKey(start - 1, 'America/Santiago')).toBe('2026-09-05');
  });

  it('is undefined for a day that does not exist', () => {
    expect(dayStart('2026-02-30', 'UTC')).toBeUndefined();
    expect(dayStart('2026-13-01', 'UTC')).toBeUndefined();
    expect(dayStart('20261206', 'UTC')).toBeUndefined();
  });

  it('begins the day of every instant: the minute before it is the day before', () => {
    const zones = ['UTC', 'America/New_York', 'Europe/London', 'Australia/Lord_Howe', 'Asia/Kathmandu'];
    fc.assert(
      fc.property(
        fc.integer({ min: Date.parse('2024-01-01'), max: Date.parse('2030-01-01') }),
        fc.constantFrom(...zones),
        (at, zone) => {
          const day = dayKey(at, zone);
          const start = dayStart(day, zone)!;
          expect(start).toBeLessThanOrEqual(at);
          expect(dayKey(start, zone)).toBe(day);
          expect(dayKey(start - 60_000, zone)).not.toBe(day);
          expect(dayStart(nextDayKey(day), zone)!).toBeGreaterThan(at);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('nextDayKey', () => {
  it('rolls months, years and leap days', () => {
    expect(nextDayKey('2026-12-31')).toBe('2027-01-01');
    expect(nextDayKey('2028-02-28')).toBe('2028-02-29');
    expect(nextDayKey('2026-02-28')).toBe('2026-03-01');
  });
});

describe('zonedMinutes', () => {
  // Offsets of 30 and 45 minutes, a 30-minute DST shift (Lord Howe), DST at midnight (Santiago),
  // and St John's, which until 2011 changed at 00:01 local: inside an hour, not at its start.
  const ZONES = [
    'UTC',
    'America/New_York',
    'Europe/London',
    'Asia/Kolkata',
    'Asia/Kathmandu',
    'Australia/Lord_Howe',
    'Pacific/Chatham',
    'America/Santiago',
    'America/St_Johns',
  ];
  const MINUTE = 60_000;

  it("gives each minute's wall-clock fields as Intl does, across offset changes", () => {
    const changes = [
      '2026-03-08T07:00:00Z', // New York, spring
      '2026-11-01T06:00:00Z', // New York, autumn
      '2026-04-04T15:00:00Z', // Lord Howe, 02:00 -> 01:30
      '2026-10-03T15:30:00Z', // Lord Howe, 02:00 -> 02:30
      '2026-09-06T04:00:00Z', // Santiago, 00:00 -> 01:00
      '2008-03-09T03:31:00Z', // St John's, 00:01 -> 01:01
      '2008-11-02T02:31:00Z', // St John's, 00:01 -> 23:01
    ].map((t) => Date.parse(t));
    let checked = 0;
    for (const zone of ZONES) {
      for (const change of changes) {
        // from 97 minutes before (not on an hour anywhere) to 2 hours after
        const from = change - 97 * MINUTE;
        const walk = zonedMinutes(from, zone);
        for (let i = 0; i < 217; i++, checked++) {
          const got = walk.next().value;
          const want = zonedParts(from + i * MINUTE, zone);
          if (JSON.stringify(got) !== JSON.stringify(want))
            expect(got, `${zone} at ${new Date(from + i * MINUTE).toISOString()}`).toEqual(want);
        }
      }
    }
    expect(checked).toBe(ZONES.length * changes.length * 217);
  });
});

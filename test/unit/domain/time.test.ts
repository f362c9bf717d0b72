import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp, TimestampError } from '../../../src/domain/time.js';
import { expectEqual } from '../../helpers/hot-expect.js';

describe('timestamps', () => {
  it('formats as Kalshi does: RFC 3339 UTC with microseconds', () => {
    expect(formatTimestamp(0)).toBe('1970-01-01T00:00:00.000000Z');
    expect(formatTimestamp(Date.parse('2026-07-06T01:55:01.500Z'))).toBe('2026-07-06T01:55:01.500000Z');
    expect(formatTimestamp(Date.parse('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31T23:59:59.999000Z');
  });

  it('reads back what it writes, to the millisecond', () => {
    for (const ms of [0, 1, 999, 1_788_000_000_123, 253_402_300_799_999]) {
      expect(parseTimestamp(formatTimestamp(ms))).toBe(ms);
    }
    expect(parseTimestamp('2026-07-06T01:55:01.500644Z')).toBe(Date.parse('2026-07-06T01:55:01.500Z'));
  });

  it('refuses what is not an RFC 3339 timestamp, naming the field', () => {
    expect(() => parseTimestamp('yesterday', 'created_ts')).toThrow(TimestampError);
    expect(() => parseTimestamp(1_788_000_000_000, 'created_ts')).toThrow(/created_ts: expected an RFC 3339/);
    for (const impossible of [
      '2026-02-30T00:00:00Z',
      '2025-02-29T12:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-01-01T24:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-01-00T00:00:00Z',
    ])
      expect(() => parseTimestamp(impossible, 'ts'), impossible).toThrow(/ts: .* is not a real date/);
    expect(parseTimestamp('2024-02-29T00:00:00-05:00')).toBe(Date.parse('2024-02-29T05:00:00Z'));
  });

  it('reads every string as the RFC 3339 regex, Date.parse and a calendar check do (property)', () => {
    // The reading the hand parser replaced, kept as the oracle.
    const ISO = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
    const oracle = (text: string): number | 'layout' | 'date' => {
      const m = ISO.exec(text);
      if (m === null) return 'layout';
      const ms = Date.parse(text);
      const day = Number(m[3]);
      const real =
        Number.isFinite(ms) &&
        day >= 1 &&
        Number(m[4]) <= 23 &&
        (day <= 28 || day <= new Date(Date.UTC(Number(m[1]), Number(m[2]), 0)).getUTCDate());
      return real ? ms : 'date';
    };
    const outcome = (text: string): number | 'layout' | 'date' => {
      try {
        return parseTimestamp(text);
      } catch (error) {
        if (!(error instanceof TimestampError)) throw error;
        return error.message.includes('expected an RFC 3339') ? 'layout' : 'date';
      }
    };
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const stamp = fc
      .tuple(
        // From 1: the oracle's Date.UTC reads year 0 as 1900 and refuses 0000-02-29, a real date.
        fc.integer({ min: 1, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two(13),
        two(32),
        two(25),
        two(61),
        two(61),
        fc.option(fc.stringMatching(/^[0-9]{1,10}$/)),
        fc.oneof(
          fc.constant('Z'),
          fc.tuple(fc.constantFrom('+', '-'), two(25), two(61)).map(([s, h, m]) => `${s}${h}:${m}`),
        ),
      )
      .map(
        ([y, mo, d, h, mi, se, frac, zone]) =>
          `${y}-${mo}-${d}T${h}:${mi}:${se}${frac === null ? '' : `.${frac}`}${zone}`,
      );
    const mangled = fc
      .tuple(stamp, fc.nat(40), fc.constantFrom('', 'x', 'z', ' ', '.', ':', '-', '0', 't'))
      .map(
        ([text, at, put]) =>
          text.slice(0, at % (text.length + 1)) + put + text.slice((at % (text.length + 1)) + 1),
      );
    fc.assert(
      fc.property(fc.oneof(stamp, mangled), (text) => expectEqual(outcome(text), oracle(text))),
      { numRuns: 10_000 },
    );
  });
});

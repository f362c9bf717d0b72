import { describe, expect, it } from 'vitest';
import { formatTimestamp, parseTimestamp, TimestampError } from '../../../src/domain/time.js';

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
});

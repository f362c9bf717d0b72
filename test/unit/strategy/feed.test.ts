import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { FairValueFeed, FairValueFeedError, parseFairValueDocument } from '../../../src/strategy/feed.js';

describe('parseFairValueDocument', () => {
  it('reads the flat form', () => {
    const doc = parseFairValueDocument({ 'KX-A': '0.53', 'KX-B': '0.0105' }, 'feed');
    expect([...doc.values]).toEqual([
      ['KX-A', 530_000],
      ['KX-B', 10_500],
    ]);
    expect(doc.asOf).toBeUndefined();
  });

  it('reads the wrapped form with asOf', () => {
    const doc = parseFairValueDocument(
      { fairValues: { 'KX-A': '0.5' }, asOf: '2026-07-06T01:55:01Z' },
      'feed',
    );
    expect(doc.values.get('KX-A')).toBe(500_000);
    expect(doc.asOf).toBe(Date.parse('2026-07-06T01:55:01Z'));
    expect(parseFairValueDocument({ fairValues: {} }, 'feed').values.size).toBe(0);
  });

  it.each([
    [[], /expected a JSON object/],
    [{ 'KX-A': 0.53 }, /KX-A: expected a dollar decimal string, found number 0.53/],
    [{ 'KX-A': '1' }, /KX-A: 1 is outside \(0, 1\)/],
    [{ 'KX-A': '0' }, /KX-A: 0 is outside \(0, 1\)/],
    [{ 'KX-A': '0.5', 'KX-B': 'high' }, /KX-B: expected a dollar decimal string/],
    [{ fairValues: { 'KX-A': '0.5' }, asof: 'x' }, /unknown key\(s\) asof next to fairValues/],
    [{ fairValues: { 'KX-A': '0.5' }, asOf: 'yesterday' }, /asOf: expected an RFC 3339 timestamp/],
    [{ fairValues: ['0.5'] }, /fairValues must be an object/],
  ])('rejects the whole document for %j', (json, message) => {
    expect(() => parseFairValueDocument(json, 'feed.json')).toThrow(FairValueFeedError);
    expect(() => parseFairValueDocument(json, 'feed.json')).toThrow(message);
  });

  it('lists at most five problems', () => {
    const json = Object.fromEntries(Array.from({ length: 8 }, (_, i) => [`KX-${i}`, 'bad']));
    expect(() => parseFairValueDocument(json, 'f')).toThrow(/; and 3 more$/);
  });
});

describe('FairValueFeed reloads', () => {
  it('keeps its cadence on the clock, whenever a read comes back', async () => {
    const clock = new ManualClock(1_000_000);
    const asked: number[] = [];
    const answers: (() => void)[] = [];
    const fetch = (async () => {
      asked.push(clock.now());
      await new Promise<void>((resolve) => answers.push(resolve));
      return new Response(JSON.stringify({ 'KX-A': '0.5' }), { status: 200 });
    }) as unknown as typeof globalThis.fetch;
    const feed = new FairValueFeed({ source: 'https://feed.invalid/fv.json', reloadMs: 5_000, clock, fetch });
    const started = feed.start();
    answers.shift()?.();
    await started;
    clock.advance(5_000);
    // The clock moves on while the read is out (as a backtest's does) before it answers.
    clock.advance(3_000);
    answers.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
    clock.advance(2_000);
    expect(asked).toEqual([1_000_000, 1_005_000, 1_010_000]);
    answers.shift()?.();
    feed.stop();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecentMap, RecentSet } from '../../../src/domain/recent.js';
import { expectEqual, expectIs } from '../../helpers/hot-expect.js';

/** The reference: a Map moved to the end on set, its first key deleted past the capacity. */
function referenceMap(capacity: number) {
  const map = new Map<string, number>();
  return {
    map,
    set(key: string, value: number) {
      map.delete(key);
      map.set(key, value);
      if (map.size > capacity) map.delete(map.keys().next().value as string);
    },
  };
}

describe('RecentMap', () => {
  it('keeps exactly what a map forgetting its oldest would, after any sets and deletes', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), key: fc.nat(30), value: fc.integer() }),
      fc.record({ kind: fc.constant('delete' as const), key: fc.nat(30) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.array(op, { maxLength: 400 }), (capacity, ops) => {
        const recent = new RecentMap<string, number>(capacity);
        const reference = referenceMap(capacity);
        for (const o of ops) {
          if (o.kind === 'set') {
            recent.set(`k${o.key}`, o.value);
            reference.set(`k${o.key}`, o.value);
          } else {
            expectIs(recent.delete(`k${o.key}`), reference.map.delete(`k${o.key}`));
          }
          expectIs(recent.size, reference.map.size);
        }
        for (let key = 0; key <= 30; key++) expectIs(recent.get(`k${key}`), reference.map.get(`k${key}`));
      }),
      { numRuns: 300 },
    );
  });

  it('forgets from the oldest set while a condition holds, telling each, as a map in set order would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(30), { maxLength: 200 }),
        fc.nat(220),
        (capacity, keys, bound) => {
          const forgotten: string[] = [];
          const recent = new RecentMap<string, number>(capacity, (key) => forgotten.push(key));
          const reference = referenceMap(capacity);
          // The value is the time of the set: values grow in set order.
          keys.forEach((key, at) => {
            recent.set(`k${key}`, at);
            reference.set(`k${key}`, at);
          });
          forgotten.length = 0;
          recent.forgetWhile((at) => at < bound);
          const expected = [...reference.map].filter(([, at]) => at < bound).map(([key]) => key);
          expectEqual(forgotten, expected);
          for (const key of expected) reference.map.delete(key);
          expectEqual([...recent.keys()].sort(), [...reference.map.keys()].sort());
        },
      ),
      { numRuns: 300 },
    );
  });

  it('tells what it forgets, and keeps no trail of it when full', () => {
    const forgotten: string[] = [];
    const recent = new RecentMap<string, number>(20_000, (key) => forgotten.push(key));
    for (let i = 0; i < 200_000; i++) recent.set(`rfq-${i}`, i);
    expect(recent.size).toBe(20_000);
    expect(forgotten).toHaveLength(180_000);
    expect(forgotten[0]).toBe('rfq-0');
    expect(recent.get('rfq-179999')).toBeUndefined();
    expect(recent.get('rfq-180000')).toBe(180_000);
    // What it forgot does not stay in its order list: evicting costs the same when full (a Map
    // evicting through keys().next() walks the holes its deletes leave, ~2 s for these inserts).
    expect(recent.orderLength).toBeLessThanOrEqual(2 * 20_000 + 1_024);
  });
});

describe('RecentSet', () => {
  it('keeps exactly what a set forgetting its oldest would', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.nat(40), { maxLength: 400 }),
        (capacity, items) => {
          const recent = new RecentSet<number>(capacity);
          const reference = new Set<number>();
          for (const item of items) {
            const added = !reference.has(item);
            if (added) {
              reference.add(item);
              if (reference.size > capacity) reference.delete(reference.values().next().value as number);
            }
            expectIs(recent.add(item), added);
            expectIs(recent.size, reference.size);
          }
          for (let item = 0; item <= 40; item++) expectIs(recent.has(item), reference.has(item));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('adds once, keeps an item’s place when added again, forgets the oldest added', () => {
    const set = new RecentSet<string>(2);
    expect(set.add('a')).toBe(true);
    expect(set.add('b')).toBe(true);
    expect(set.add('a')).toBe(false);
    expect(set.add('c')).toBe(true);
    expect([set.has('a'), set.has('b'), set.has('c')]).toEqual([false, true, true]);
  });
});

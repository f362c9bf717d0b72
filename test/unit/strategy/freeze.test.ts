import { describe, expect, it } from 'vitest';
import { deepFreeze } from '../../../src/strategy/freeze.js';

describe('deepFreeze', () => {
  it('freezes every level of plain data, arrays included', () => {
    const book = { ticker: 'T', yes: [{ price: 1, size: 2 }], no: [] as { price: number }[] };
    expect(deepFreeze(book)).toBe(book);
    expect(Object.isFrozen(book)).toBe(true);
    expect(Object.isFrozen(book.yes)).toBe(true);
    expect(Object.isFrozen(book.yes[0])).toBe(true);
    expect(() => {
      (book.yes[0] as { price: number }).price = 9;
    }).toThrow(TypeError);
  });

  it('freezes the unfrozen parts under a part frozen shallowly elsewhere', () => {
    const inner = { size: 1 };
    const shallow = Object.freeze({ inner });
    deepFreeze({ shallow });
    expect(Object.isFrozen(inner)).toBe(true);
  });

  it('freezes a new root whose shared part was frozen with an earlier root', () => {
    const grid = [{ step: 1 }];
    deepFreeze({ grid });
    const next = { grid, extra: { a: 1 } };
    deepFreeze(next);
    expect(Object.isFrozen(next)).toBe(true);
    expect(Object.isFrozen(next.extra)).toBe(true);
  });

  it('freezes cycles and chains deeper than a tree walk goes', () => {
    const a: Record<string, unknown> = { name: 'a' };
    const b: Record<string, unknown> = { a, leaf: { x: 1 } };
    a['b'] = b;
    deepFreeze(a);
    expect([a, b, b['leaf']].every((o) => Object.isFrozen(o))).toBe(true);

    const head: { next?: object; n: number } = { n: 0 };
    let tail = head;
    for (let n = 1; n <= 200; n++) {
      const node = { n };
      tail.next = node;
      tail = node;
    }
    deepFreeze(head);
    expect(Object.isFrozen(tail)).toBe(true);
    expect(Object.isFrozen(head)).toBe(true);
  });

  it('leaves typed arrays (which cannot be frozen) and primitives alone', () => {
    const bytes = new Uint8Array([1, 2]);
    const value = { bytes };
    expect(() => deepFreeze(value)).not.toThrow();
    expect(Object.isFrozen(value)).toBe(true);
    expect(deepFreeze(5)).toBe(5);
    expect(deepFreeze(null)).toBe(null);
  });
});

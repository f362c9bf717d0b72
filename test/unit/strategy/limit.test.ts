import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StrategyStoppedError, StrategyTimeoutError } from '../../../src/strategy/errors.js';
import { frozenCopy } from '../../../src/strategy/freeze.js';
import { callWithLimit } from '../../../src/strategy/limit.js';

describe('callWithLimit', () => {
  it('listens once on the parent signal however many calls are in flight, and stops them all', async () => {
    const parent = new AbortController();
    const never = new Promise<never>(() => undefined);
    const calls = Array.from({ length: 200 }, () =>
      callWithLimit('price', 60_000, parent.signal, () => never),
    );
    expect(getEventListeners(parent.signal, 'abort')).toHaveLength(1);
    parent.abort(new StrategyStoppedError());
    for (const result of await Promise.all(calls)) expect(result).toEqual({ kind: 'stopped' });
  });

  it('hands out a signal already aborted with the time-out when it is first read after the limit', async () => {
    let read: (() => AbortSignal) | undefined;
    let finish: ((value: number) => void) | undefined;
    const result = await callWithLimit('price', 5, new AbortController().signal, (signal) => {
      read = signal;
      return new Promise<number>((resolve) => {
        finish = resolve;
      });
    });
    expect(result).toEqual({ kind: 'timeout', timeoutMs: 5 });
    const signal = read?.();
    expect(signal?.aborted).toBe(true);
    expect(signal?.reason).toBeInstanceOf(StrategyTimeoutError);
    finish?.(1);
  });

  it('aborts a signal the call is holding when the parent stops it', async () => {
    const parent = new AbortController();
    let held: AbortSignal | undefined;
    const call = callWithLimit('price', 60_000, parent.signal, (signal) => {
      held = signal();
      return new Promise<never>(() => undefined);
    });
    expect(held?.aborted).toBe(false);
    parent.abort(new StrategyStoppedError());
    expect(await call).toEqual({ kind: 'stopped' });
    expect(held?.reason).toBeInstanceOf(StrategyStoppedError);
  });

  it('takes a synchronous answer as it is', async () => {
    expect(await callWithLimit('price', 1, new AbortController().signal, () => 42)).toEqual({
      kind: 'ok',
      value: 42,
    });
  });
});

describe('frozenCopy', () => {
  it('copies plain data deeply and frozen, leaving the original as it was', () => {
    const rfq = {
      id: 'r1',
      size: { kind: 'contracts', contracts: 500 },
      legs: [{ side: 'yes' }],
      note: undefined,
    };
    const copy = frozenCopy(rfq);
    expect(copy).toEqual(rfq);
    expect(copy).not.toBe(rfq);
    expect(Object.isFrozen(copy) && Object.isFrozen(copy.size) && Object.isFrozen(copy.legs[0])).toBe(true);
    expect(Object.isFrozen(rfq.size)).toBe(false);
    expect('note' in copy).toBe(true);
  });

  it('falls back to a structured clone for anything but plain data', () => {
    const cyclic: { at: Date; self?: unknown } = { at: new Date(5) };
    cyclic.self = cyclic;
    const copy = frozenCopy(cyclic);
    expect(copy.at).toBeInstanceOf(Date);
    expect(copy.at.getTime()).toBe(5);
    expect(copy.self).toBe(copy);
    expect(Object.isFrozen(copy)).toBe(true);
    expect(() => frozenCopy({ f: () => 1 })).toThrow();
  });
});

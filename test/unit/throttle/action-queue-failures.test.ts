import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { TIER_LIMITS } from '../../../src/domain/rate-limits.js';
import { GateRejectedError, type RequestSpec } from '../../../src/kalshi/gate.js';
import { STOPPING } from '../../../src/throttle/action-queue.js';
import { DEFAULT_BACKOFF } from '../../../src/throttle/token-bucket.js';
import { flush, Harness, RateLimitError, WINDOWS_MS, worstWindow } from './gate-harness.js';

const basic = TIER_LIMITS.basic;
const SAFE_WRITE = basic.write.refillRate * 0.95;
const rateLimitedOn =
  (...attempts: number[]) =>
  (attempt: number) =>
    attempts.includes(attempt) ? new RateLimitError('429 too many requests') : undefined;
const always429 = () => new RateLimitError('429 too many requests');

describe('ActionQueue on 429', () => {
  it('empties the bucket, halves the rate, retries, and recovers over recoveryMs', async () => {
    const limited: RequestSpec[] = [];
    const h = new Harness({
      limits: basic,
      logger: pino({ level: 'silent' }),
      hooks: { onRateLimited: (spec) => limited.push(spec) },
    });
    const call = h.call(h.spec('confirm'), { latencyMs: 30, failWith: rateLimitedOn(1) });
    await h.runFor(30);
    expect(limited).toHaveLength(1);
    const after = h.gate.budget('write');
    expect(after.refillRate).toBeCloseTo(SAFE_WRITE / 2, 9);
    expect(after.available).toBe(0);
    await h.runToEnd();
    expect(call.status).toBe('fulfilled');
    expect(call.attempts).toBe(2);
    // The retry waited for its cost at the halved rate.
    const [first, retry] = h.sends;
    expect(retry!.t - first!.t - 30).toBe(Math.ceil((10 * 1000) / (SAFE_WRITE / 2)));
    expect(h.gate.stats().write).toMatchObject({ rateLimited: 1, sent: 2, tokensSpent: 20 });

    const penaltyAt = first!.t + 30;
    const { recoveryMs } = DEFAULT_BACKOFF;
    h.clock.advanceTo(penaltyAt + recoveryMs / 2);
    expect(h.gate.budget('write').refillRate).toBeCloseTo(SAFE_WRITE * 0.75, 9);
    expect(h.gate.budget('write').slowdown).toBeCloseTo(0.75, 9);
    h.clock.advanceTo(penaltyAt + recoveryMs);
    expect(h.gate.budget('write').refillRate).toBeCloseTo(SAFE_WRITE, 9);
    expect(h.gate.budget('write').slowdown).toBe(1);
  });

  it('429s of calls already in flight shrink the rate once, not once each', async () => {
    const h = new Harness({ limits: basic });
    const calls = Array.from({ length: 10 }, () =>
      h.call(h.spec('create'), { latencyMs: 50, failWith: rateLimitedOn(1) }),
    );
    await h.runFor(50);
    expect(h.gate.budget('write').refillRate).toBeCloseTo(SAFE_WRITE / 2, 9);
    await h.runToEnd();
    expect(calls.every((c) => c.status === 'fulfilled' && c.attempts === 2)).toBe(true);
    expect(h.gate.stats().write.rateLimited).toBe(10);
    // A 429 on a call sent after the first backoff is fresh evidence: the rate halves again.
    const again = h.call(h.spec('create'), { latencyMs: 50, failWith: rateLimitedOn(1) });
    await h.runFor(50);
    expect(h.gate.budget('write').refillRate).toBeLessThan(SAFE_WRITE / 2);
    await h.runToEnd();
    expect(again.status).toBe('fulfilled');
  });

  it('keeps the budget while retrying through a storm of 429s', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 300; i++) {
      h.call(h.spec(i % 10 === 0 ? 'confirm' : 'create'), {
        latencyMs: 40,
        failWith: rateLimitedOn(...(i % 3 === 0 ? [1, 2] : [])),
      });
    }
    await h.runToEnd();
    expect(h.calls.every((c) => c.status === 'fulfilled')).toBe(true);
    expect(worstWindow(h.sends, basic.write, SAFE_WRITE, WINDOWS_MS).excess).toBeLessThanOrEqual(1e-9);
  });

  it('stops retrying at the deadline and never sends after it', async () => {
    const h = new Harness({ limits: basic });
    const deadline = h.clock.now() + 1_500;
    const call = h.call(h.spec('confirm', { deadline }), { latencyMs: 20, failWith: always429 });
    await h.runToEnd();
    expect(call.status).toBe('rejected');
    expect(call.error).toBeInstanceOf(GateRejectedError);
    expect(call.error).toMatchObject({ reason: 'deadline', endpoint: 'confirm_write' });
    expect((call.error as Error).cause).toBeInstanceOf(RateLimitError);
    expect(call.attempts).toBeGreaterThan(2);
    expect(h.sends.every((s) => s.t < deadline)).toBe(true);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('passes the RateLimitError on after maxRateLimitRetries retries', async () => {
    const h = new Harness({ limits: basic, maxRateLimitRetries: 3 });
    const call = h.call(h.spec('delete'), { failWith: always429 });
    await h.runToEnd();
    expect(call.status).toBe('rejected');
    expect(call.error).toBeInstanceOf(RateLimitError);
    expect(call.attempts).toBe(4);
  });

  it('passes other errors straight through, without retry or slowdown', async () => {
    const h = new Harness({ limits: basic });
    const boom = new Error('500 internal');
    const call = h.call(h.spec('create'), { failWith: () => boom });
    await h.runToEnd();
    expect(call.error).toBe(boom);
    expect(call.attempts).toBe(1);
    expect(h.gate.budget('write').refillRate).toBeCloseTo(SAFE_WRITE, 9);
  });
});

describe('ActionQueue deadlines and aborts', () => {
  it('rejects a call still queued at its deadline without sending it', async () => {
    const rejected: string[] = [];
    const h = new Harness({ limits: basic, hooks: { onReject: (_spec, reason) => rejected.push(reason) } });
    for (let i = 0; i < 100; i++) h.call(h.spec('create'));
    const t0 = h.clock.now();
    const late = h.call(h.spec('create', { deadline: t0 + 100 }));
    const inTime = h.call(h.spec('confirm', { deadline: t0 + 100 }));
    await h.runUntil(t0 + 99);
    expect(late.status).toBe('pending');
    await h.runUntil(t0 + 100);
    expect(late.status).toBe('rejected');
    expect(late.error).toMatchObject({
      name: 'GateRejectedError',
      code: 'gate_rejected',
      reason: 'deadline',
    });
    expect(late.attempts).toBe(0);
    expect(inTime.status).toBe('fulfilled');
    expect(rejected).toEqual(['deadline']);
    expect(h.gate.stats().write.rejected.deadline).toBe(1);
    await h.runToEnd();
    expect(h.sends.some((s) => s.id === late.id)).toBe(false);
  });

  it('rejects a call whose deadline has already passed', async () => {
    const h = new Harness({ limits: basic });
    const call = h.call(h.spec('confirm', { deadline: h.clock.now() }));
    await flush();
    expect(call.error).toMatchObject({ reason: 'deadline' });
    expect(h.sends).toHaveLength(0);
  });

  it('rejects a call aborted while queued, and one aborted before it came', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 100; i++) h.call(h.spec('create'));
    const controller = new AbortController();
    const queued = h.call(h.spec('create', { signal: controller.signal }));
    await h.runFor(200);
    controller.abort(new Error('rfq gone'));
    await flush();
    expect(queued.error).toBeInstanceOf(GateRejectedError);
    expect(queued.error).toMatchObject({ reason: 'aborted' });
    const early = h.call(h.spec('create', { signal: controller.signal }));
    await flush();
    expect(early.error).toMatchObject({ reason: 'aborted' });
    await h.runToEnd();
    expect(h.sends.some((s) => s.id === queued.id || s.id === early.id)).toBe(false);
    expect(h.gate.stats().write.rejected.aborted).toBe(2);
  });

  it('leaves a call that is already in flight to its sender when aborted', async () => {
    const h = new Harness({ limits: basic });
    const controller = new AbortController();
    const call = h.call(h.spec('create', { signal: controller.signal }), { latencyMs: 100 });
    await h.runFor(10);
    controller.abort();
    await h.runToEnd();
    expect(call.status).toBe('fulfilled');
  });
});

describe('ActionQueue close and drain', () => {
  it('close() keeps the allowed priorities flowing and refuses the rest', async () => {
    const h = new Harness({ limits: basic });
    const creates = Array.from({ length: 100 }, () => h.call(h.spec('create')));
    const deletes = Array.from({ length: 30 }, () => h.call(h.spec('delete')));
    await h.runFor(100);
    h.gate.close({ allow: ['confirm', 'delete'] });
    await flush();
    expect(h.gate.closed).toBe(true);
    const queuedCreates = creates.filter((c) => c.attempts === 0);
    expect(queuedCreates.length).toBeGreaterThan(0);
    expect(
      queuedCreates.every(
        (c) => c.status === 'rejected' && (c.error as GateRejectedError).reason === 'closed',
      ),
    ).toBe(true);
    const lateCreate = h.call(h.spec('create'));
    const lateDelete = h.call(h.spec('delete'));
    await h.runToEnd();
    expect(lateCreate.error).toMatchObject({ reason: 'closed' });
    expect(lateDelete.status).toBe('fulfilled');
    expect(deletes.every((d) => d.status === 'fulfilled')).toBe(true);
    // Closing again narrows; it never reopens.
    h.gate.close({ allow: ['create', 'delete'] });
    const afterNarrowing = h.call(h.spec('create'));
    const deleteStill = h.call(h.spec('delete'));
    await h.runToEnd();
    expect(afterNarrowing.error).toMatchObject({ reason: 'closed' });
    expect(deleteStill.status).toBe('fulfilled');
  });

  it('close() as a stop begins (STOPPING): deletes and reads of any priority go, no confirm, no create', async () => {
    const h = new Harness({ limits: basic });
    h.gate.close(STOPPING);
    // The own-quote listing goes at confirm priority: still a read, so it still goes.
    const confirmRead = h.call(h.spec('confirm', { bucket: 'read', method: 'GET' }));
    const read = h.call(h.spec('read'));
    const del = h.call(h.spec('delete'));
    const confirm = h.call(h.spec('confirm'));
    const create = h.call(h.spec('create'));
    await h.runToEnd();
    expect([confirmRead.status, read.status, del.status]).toEqual(['fulfilled', 'fulfilled', 'fulfilled']);
    expect(confirm.error).toMatchObject({ reason: 'closed' });
    expect(create.error).toMatchObject({ reason: 'closed' });
    // Closing again narrows: the final drain to deletes refuses the reads too.
    h.gate.close({ allow: ['delete'] });
    const lateRead = h.call(h.spec('confirm', { bucket: 'read', method: 'GET' }));
    const lateDelete = h.call(h.spec('delete'));
    await h.runToEnd();
    expect(lateRead.error).toMatchObject({ reason: 'closed' });
    expect(lateDelete.status).toBe('fulfilled');
    // And never reopens reads once refused.
    h.gate.close(STOPPING);
    const again = h.call(h.spec('read'));
    await h.runToEnd();
    expect(again.error).toMatchObject({ reason: 'closed' });
  });

  it('drain() lets queued deletes finish and resolves once idle', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 50; i++) h.call(h.spec('create'));
    const deletes = Array.from({ length: 200 }, () => h.call(h.spec('delete')));
    let result: unknown;
    void h.gate.drain({ timeoutMs: 30_000 }).then((r) => {
      result = r;
    });
    await h.runToEnd();
    expect(result).toEqual({ idle: true, inFlight: 0 });
    expect(deletes.every((d) => d.status === 'fulfilled')).toBe(true);
    expect(h.clock.pendingTimers).toBe(0);
  });

  it('drain() gives up after timeoutMs, refusing what is still queued', async () => {
    const h = new Harness({ limits: basic, concurrency: 4, confirmSlots: 0 });
    const stuck = Array.from({ length: 4 }, () => h.call(h.spec('delete'), { hang: true }));
    const waiting = Array.from({ length: 5 }, () => h.call(h.spec('delete')));
    let result: unknown;
    void h.gate.drain({ timeoutMs: 2_000 }).then((r) => {
      result = r;
    });
    await h.runFor(1_999);
    expect(result).toBeUndefined();
    await h.runFor(1);
    expect(result).toEqual({ idle: false, inFlight: 4 });
    expect(waiting.every((w) => (w.error as GateRejectedError | undefined)?.reason === 'closed')).toBe(true);
    for (const s of stuck) s.release();
    await h.gate.onIdle();
    expect(stuck.every((s) => s.status === 'fulfilled')).toBe(true);
  });

  it('onIdle() waits for queued and in-flight calls, retries included', async () => {
    const h = new Harness({ limits: basic });
    for (let i = 0; i < 60; i++) h.call(h.spec('create'), { failWith: rateLimitedOn(1) });
    let idle = false;
    void h.gate.onIdle().then(() => {
      idle = true;
    });
    await h.runFor(500);
    expect(idle).toBe(false);
    await h.runToEnd();
    expect(idle).toBe(true);
    expect(h.calls.every((c) => c.status === 'fulfilled')).toBe(true);
  });
});

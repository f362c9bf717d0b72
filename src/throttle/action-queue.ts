/**
 * The rate-limited action queue: every exchange call passes here (DESIGN "action queue").
 *
 * Admission happens in front of p-queue, per bucket, in strict priority order (confirm > delete >
 * create > read, FIFO within one). Only the head of the highest non-empty lane of a bucket may
 * go, and only when the bucket holds its cost (plus the reserve, for callers that may not touch
 * it): a create waiting for tokens therefore never stands in front of a confirm, and creates
 * can never drain the tokens a confirm needs. Tokens are taken at the instant of sending. p-queue
 * runs the admitted sends with bounded concurrency; a call is admitted only when p-queue has a
 * free slot, so it starts synchronously. p-queue's own interval limiter is not used: it counts
 * calls, not tokens, and one FIFO would let a create waiting for tokens block a confirm.
 */

import PQueue from 'p-queue';
import type { Logger } from 'pino';
import { type Clock, systemClock, type Timer } from '../domain/clock.js';
import type { TierLimits } from '../domain/rate-limits.js';
import {
  type Bucket,
  PRIORITY_ORDER,
  type Priority,
  type RequestGate,
  type RequestSpec,
} from '../kalshi/gate.js';
import { ActionLanes, type QueuedAction, type RejectReason, rejection, TokenCostError } from './lanes.js';
import type {
  ActionQueueBudget,
  ActionQueueHooks,
  ActionQueueOptions,
  BucketStats,
  CloseOptions,
  DrainOptions,
  DrainResult,
} from './options.js';
import { type SharedBudget, SharedGrants } from './shared-grants.js';
import { checkRange, DEFAULT_BACKOFF, GateConfigError, TokenBucket } from './token-bucket.js';

export { type RejectReason, TokenCostError } from './lanes.js';
export type * from './options.js';
export type { SharedBudget } from './shared-grants.js';
export { GateConfigError, type RateLimitBackoff } from './token-bucket.js';

interface BucketState {
  readonly name: Bucket;
  readonly tokens: TokenBucket;
  readonly lanes: ActionLanes;
  readonly reserve: number;
  /** Set when the budget is shared with other instances (cluster): admission asks it. */
  readonly shared: SharedGrants | undefined;
  inFlight: number;
  sent: number;
  rateLimited: number;
  readonly rejected: Record<RejectReason, number>;
}

/**
 * What the queue sends once a stop begins: deletes, to pull our quotes, and every read, for what
 * the stop waits on: the own-quote listing (sent at confirm priority) reports the executions of
 * quotes confirmed just before, the order and its fills settle them. No confirm, no create.
 */
export const STOPPING: CloseOptions = Object.freeze({
  allow: Object.freeze(['delete' as const]),
  reads: true,
});

const rank = (priority: Priority): number => PRIORITY_ORDER.indexOf(priority);
const BUCKETS: readonly Bucket[] = ['write', 'read'];

function isRateLimitError(error: unknown): boolean {
  return (
    typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RateLimitError'
  );
}

/**
 * A RequestGate that keeps every call within the read and write token budgets.
 *
 * @example
 * const gate = new ActionQueue({ limits: TIER_LIMITS.basic, logger });
 * // pass `gate` to the Kalshi client; once GET /account/limits has answered:
 * gate.setLimits({ read: { refillRate: 200, capacity: 400 }, write: { refillRate: 100, capacity: 100 } });
 * // shutdown: creates refused, deletes and confirms still flow, bounded wait
 * await gate.drain({ allow: ['confirm', 'delete'], timeoutMs: 10_000 });
 */
export class ActionQueue implements RequestGate {
  readonly #clock: Clock;
  readonly #executor: PQueue;
  readonly #buckets: Record<Bucket, BucketState>;
  readonly #concurrency: number;
  readonly #confirmSlots: number;
  readonly #deletesUseReserve: boolean;
  readonly #maxRetries: number;
  readonly #hooks: ActionQueueHooks;
  readonly #logger: Logger | undefined;
  #seq = 0;
  /** Calls accepted and not yet settled. */
  #active = 0;
  #idleWaiters: (() => void)[] = [];
  /** Priorities still accepted; undefined while open. */
  #allowed: ReadonlySet<Priority> | undefined;
  /** While closed: whether reads of any priority still go (`CloseOptions.reads`). */
  #readsAllowed = false;
  #pumping = false;
  #repump = false;
  #wake: { readonly at: number; readonly timer: Timer } | undefined;
  readonly #shared: SharedBudget | undefined;

  constructor(options: ActionQueueOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#concurrency = options.concurrency ?? 32;
    this.#confirmSlots = options.confirmSlots ?? 2;
    checkRange('concurrency', this.#concurrency, 1, 10_000);
    checkRange('confirmSlots', this.#confirmSlots, 0, this.#concurrency - 1);
    if (!Number.isInteger(this.#concurrency) || !Number.isInteger(this.#confirmSlots))
      throw new GateConfigError('concurrency and confirmSlots must be integers', 'concurrency');
    this.#maxRetries = options.maxRateLimitRetries ?? 5;
    checkRange('maxRateLimitRetries', this.#maxRetries, 0, 1_000);
    this.#deletesUseReserve = options.deletesUseReserve ?? false;
    this.#hooks = options.hooks ?? {};
    this.#logger = options.logger;
    this.#shared = options.shared;
    const now = this.#clock.now();
    const reserve = { read: options.reserve?.read ?? 0, write: options.reserve?.write ?? 10 };
    const make = (name: Bucket): BucketState => {
      const tokens = new TokenBucket({
        budget: options.limits[name],
        now,
        backoff: options.backoff ?? DEFAULT_BACKOFF,
        ...(options.safetyFactor === undefined ? {} : { safetyFactor: options.safetyFactor }),
        ...(options.initialFill === undefined ? {} : { initialFill: options.initialFill }),
      });
      checkReserve(name, reserve[name], tokens.capacity);
      const rejected = { deadline: 0, closed: 0, aborted: 0 };
      const lanes = new ActionLanes();
      const shared = this.#shared && new SharedGrants(name, this.#shared, this.#clock, () => this.#pump());
      return {
        name,
        tokens,
        lanes,
        reserve: reserve[name],
        shared,
        inFlight: 0,
        sent: 0,
        rateLimited: 0,
        rejected,
      };
    };
    this.#buckets = { read: make('read'), write: make('write') };
    this.#executor = new PQueue({ concurrency: this.#concurrency });
    // A freed slot may let the next call go.
    this.#executor.on('next', () => this.#pump());
  }

  run<T>(spec: RequestSpec, send: () => Promise<T>): Promise<T> {
    const state = this.#buckets[spec.bucket];
    const now = this.#clock.now();
    const costError = this.#checkCost(state, spec);
    if (costError !== undefined) return Promise.reject(costError);
    const refusal: RejectReason | undefined = !this.#accepts(spec)
      ? 'closed'
      : spec.signal?.aborted
        ? 'aborted'
        : spec.deadline !== undefined && now >= spec.deadline
          ? 'deadline'
          : undefined;
    if (refusal !== undefined) {
      state.rejected[refusal]++;
      this.#call(() => this.#hooks.onReject?.(spec, refusal));
      return Promise.reject(rejection(spec, refusal, spec.signal?.reason));
    }
    return new Promise<T>((resolve, reject) => {
      const action: QueuedAction = {
        seq: this.#seq++,
        spec,
        send,
        resolve: resolve as (value: unknown) => void,
        reject,
        state: 'queued',
        queuedAt: now,
        attempts: 0,
        rateLimited: 0,
        cleanup: [],
      };
      this.#active++;
      if (spec.deadline !== undefined) {
        const timer = this.#clock.schedule(spec.deadline - now, () => this.#refuseQueued(action, 'deadline'));
        action.cleanup.push(() => timer.cancel());
      }
      const signal = spec.signal;
      if (signal !== undefined) {
        const onAbort = () => this.#refuseQueued(action, 'aborted', signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        action.cleanup.push(() => signal.removeEventListener('abort', onAbort));
      }
      state.lanes.insert(action);
      this.#pump();
    });
  }

  budget(bucket: Bucket): ActionQueueBudget {
    const state = this.#buckets[bucket];
    const now = this.#clock.now();
    return {
      bucket,
      available: state.shared && this.#shared ? this.#shared.level(bucket) : state.tokens.level(now),
      capacity: state.tokens.capacity,
      refillRate: state.tokens.rateAt(now),
      queued: state.lanes.size,
      reserve: state.reserve,
      nominalRefillRate: state.tokens.nominalRate,
      slowdown: state.tokens.factorAt(now),
      inFlight: state.inFlight,
    };
  }

  /** Adopts new budgets at run time; queued calls that can no longer ever fit are rejected. */
  setLimits(limits: TierLimits): void {
    for (const name of BUCKETS) checkReserve(name, this.#buckets[name].reserve, limits[name].capacity);
    const now = this.#clock.now();
    this.#shared?.setLimits(limits);
    for (const name of BUCKETS) {
      const state = this.#buckets[name];
      state.tokens.setBudget(limits[name], now);
      for (const action of state.lanes.remove(() => true)) {
        const error = this.#checkCost(state, action.spec);
        if (error === undefined) state.lanes.insert(action);
        else this.#settle(action, error, false);
      }
    }
    this.#pump();
  }

  stats(): Readonly<Record<Bucket, BucketStats>> {
    const of = (state: BucketState): BucketStats => ({
      tokensSpent: state.shared ? state.shared.spent : state.tokens.spent,
      sent: state.sent,
      rateLimited: state.rateLimited,
      rejected: { ...state.rejected },
      queued: state.lanes.size,
      inFlight: state.inFlight,
    });
    return { read: of(this.#buckets.read), write: of(this.#buckets.write) };
  }

  /** True once `close` or `drain` was called. */
  get closed(): boolean {
    return this.#allowed !== undefined;
  }

  /**
   * Stops accepting calls except of the `allow`ed priorities (default: none), and with `reads`
   * every call of the read bucket, and rejects the other queued calls with reason 'closed'. Calls
   * in flight finish. Closing again can only narrow what is allowed.
   */
  close(options: CloseOptions = {}): void {
    const before = this.#allowed;
    this.#allowed = new Set((options.allow ?? []).filter((p) => before === undefined || before.has(p)));
    this.#readsAllowed = options.reads === true && (before === undefined || this.#readsAllowed);
    for (const state of Object.values(this.#buckets)) {
      for (const action of state.lanes.remove((a) => !this.#accepts(a.spec))) {
        state.rejected.closed++;
        this.#call(() => this.#hooks.onReject?.(action.spec, 'closed'));
        this.#settle(action, rejection(action.spec, 'closed', action.lastError), false);
      }
    }
    this.#pump();
  }

  /**
   * The shutdown path: close to everything but `allow` (confirms and deletes by default, so the
   * caller can still pull its quotes), wait until idle, and after `timeoutMs` close completely.
   */
  async drain(options: DrainOptions = {}): Promise<DrainResult> {
    this.close({ allow: options.allow ?? ['confirm', 'delete'] });
    let timer: Timer | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = this.#clock.schedule(options.timeoutMs ?? 10_000, () => resolve(true));
    });
    const idle = await Promise.race([this.onIdle().then(() => false), timedOut]).then((late) => !late);
    timer?.cancel();
    if (!idle) this.close();
    return { idle, inFlight: this.#buckets.read.inFlight + this.#buckets.write.inFlight };
  }

  /** Resolves once no call is queued or in flight. */
  onIdle(): Promise<void> {
    if (this.#active === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #accepts(spec: Pick<RequestSpec, 'priority' | 'bucket'>): boolean {
    if (this.#allowed === undefined) return true;
    return this.#allowed.has(spec.priority) || (this.#readsAllowed && spec.bucket === 'read');
  }

  #floor(state: BucketState, priority: Priority): number {
    const mayUseReserve = priority === 'confirm' || (priority === 'delete' && this.#deletesUseReserve);
    return mayUseReserve ? 0 : state.reserve;
  }

  #checkCost(state: BucketState, spec: RequestSpec): TokenCostError | undefined {
    const room = state.tokens.capacity - this.#floor(state, spec.priority);
    return Number.isFinite(spec.cost) && spec.cost >= 0 && spec.cost <= room
      ? undefined
      : new TokenCostError(spec, room);
  }

  #slotFree(priority: Priority): boolean {
    const limit = priority === 'confirm' ? this.#concurrency : this.#concurrency - this.#confirmSlots;
    return this.#executor.pending < limit;
  }

  /** Admits everything that may go now, then sets a timer for when the next blocked head may. */
  #pump(): void {
    if (this.#pumping) {
      this.#repump = true;
      return;
    }
    this.#pumping = true;
    try {
      do {
        this.#repump = false;
        while (this.#admitOne()) {}
      } while (this.#repump);
    } finally {
      this.#pumping = false;
    }
    for (const name of BUCKETS) {
      const state = this.#buckets[name];
      if (state.lanes.size === 0) state.shared?.idle();
    }
    this.#scheduleWake();
  }

  #admitOne(): boolean {
    const now = this.#clock.now();
    let best: { state: BucketState; action: QueuedAction } | undefined;
    for (const name of BUCKETS) {
      const state = this.#buckets[name];
      const action = this.#head(state, now);
      if (action === undefined || !this.#slotFree(action.spec.priority)) continue;
      const floor = this.#floor(state, action.spec.priority);
      const ready = state.shared
        ? state.shared.ready(action, floor, state.lanes.size)
        : state.tokens.canTake(action.spec.cost, floor, now);
      if (!ready) continue;
      const better =
        best === undefined ||
        rank(action.spec.priority) < rank(best.action.spec.priority) ||
        (rank(action.spec.priority) === rank(best.action.spec.priority) && action.seq < best.action.seq);
      if (better) best = { state, action };
    }
    if (best === undefined) return false;
    this.#send(best.state, best.action, now);
    return true;
  }

  /** The next call of a bucket, after refusing any whose deadline has come. */
  #head(state: BucketState, now: number): QueuedAction | undefined {
    for (;;) {
      const action = state.lanes.peek();
      if (action === undefined) return undefined;
      if (action.spec.deadline === undefined || now < action.spec.deadline) return action;
      this.#refuseQueued(action, 'deadline');
    }
  }

  #send(state: BucketState, action: QueuedAction, now: number): void {
    state.lanes.shift(action);
    if (state.shared) state.shared.consume(action);
    else state.tokens.tryTake(action.spec.cost, this.#floor(state, action.spec.priority), now);
    action.state = 'sending';
    action.attempts++;
    state.inFlight++;
    state.sent++;
    const attempt = action.attempts;
    this.#call(() => this.#hooks.onAdmit?.(action.spec, Math.max(0, now - action.queuedAt), attempt));
    // Starts synchronously: a slot is free (checked by #slotFree).
    this.#executor
      .add(() => action.send())
      .then(
        (value) => {
          state.inFlight--;
          state.tokens.answered(action.spec.cost, this.#clock.now());
          this.#settle(action, undefined, true, value);
          this.#pump();
        },
        (error: unknown) => {
          state.inFlight--;
          state.tokens.answered(action.spec.cost, this.#clock.now());
          this.#afterFailure(state, action, error, now);
          this.#pump();
        },
      );
  }

  #afterFailure(state: BucketState, action: QueuedAction, error: unknown, sentAt: number): void {
    if (!isRateLimitError(error)) {
      this.#settle(action, error, false);
      return;
    }
    const now = this.#clock.now();
    const spec = action.spec;
    state.rateLimited++;
    action.rateLimited++;
    if (state.tokens.penalize(sentAt, now)) {
      this.#shared?.rateLimited(state.name);
      this.#logger?.warn(
        { bucket: state.name, endpoint: spec.endpoint, refillRate: state.tokens.rateAt(now) },
        'rate limited (429): emptying the bucket and slowing down',
      );
    }
    this.#call(() => this.#hooks.onRateLimited?.(spec, action.attempts));
    const refusal: RejectReason | undefined = spec.signal?.aborted
      ? 'aborted'
      : spec.deadline !== undefined && now >= spec.deadline
        ? 'deadline'
        : !this.#accepts(spec)
          ? 'closed'
          : undefined;
    if (refusal !== undefined) {
      state.rejected[refusal]++;
      this.#call(() => this.#hooks.onReject?.(spec, refusal));
      this.#settle(action, rejection(spec, refusal, error), false);
      return;
    }
    if (action.rateLimited > this.#maxRetries) {
      this.#settle(action, error, false);
      return;
    }
    // A 429 was not processed, so a retry is safe; it keeps its place (seq) in its lane.
    action.state = 'queued';
    action.queuedAt = now;
    action.lastError = error;
    state.lanes.insert(action);
    this.#pump();
  }

  /** Deadline or abort: only a call still waiting is refused; one in flight is the sender's. */
  #refuseQueued(action: QueuedAction, reason: RejectReason, cause?: unknown): void {
    if (action.state !== 'queued') return;
    const state = this.#buckets[action.spec.bucket];
    state.lanes.remove((a) => a === action);
    state.rejected[reason]++;
    this.#call(() => this.#hooks.onReject?.(action.spec, reason));
    this.#settle(action, rejection(action.spec, reason, cause ?? action.lastError), false);
    this.#pump();
  }

  #settle(action: QueuedAction, error: unknown, ok: boolean, value?: unknown): void {
    if (action.state === 'done') return;
    action.state = 'done';
    for (const cleanup of action.cleanup) cleanup();
    this.#active--;
    if (ok) action.resolve(value);
    else action.reject(error);
    if (this.#active === 0) {
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  #scheduleWake(): void {
    const now = this.#clock.now();
    let wait = Number.POSITIVE_INFINITY;
    for (const name of BUCKETS) {
      const state = this.#buckets[name];
      const action = state.lanes.peek();
      // A shared bucket keeps its own retry timer (SharedGrants).
      if (action === undefined || state.shared) continue;
      const target = action.spec.cost + this.#floor(state, action.spec.priority);
      const ms = state.tokens.msUntil(target, now);
      if (ms > 0) wait = Math.min(wait, ms);
    }
    const at = now + wait;
    if (this.#wake !== undefined && this.#wake.at === at) return;
    this.#wake?.timer.cancel();
    this.#wake = undefined;
    if (!Number.isFinite(wait)) return;
    const timer = this.#clock.schedule(wait, () => {
      this.#wake = undefined;
      this.#pump();
    });
    this.#wake = { at, timer };
  }

  #call(hook: () => void): void {
    try {
      hook();
    } catch (error) {
      this.#logger?.warn({ err: error }, 'action queue hook threw');
    }
  }
}

function checkReserve(bucket: Bucket, reserve: number, capacity: number): void {
  if (!Number.isFinite(reserve) || reserve < 0 || reserve >= capacity)
    throw new GateConfigError(
      `reserve.${bucket} must be ≥ 0 and below the bucket's capacity ${capacity}, found ${reserve}`,
      `reserve.${bucket}`,
    );
}

/**
 * Admission against a token bucket shared with other processes (e.g. in Redis): asking takes a
 * round trip, so each bucket has one question out at a time. It asks for the tokens of the head
 * of its highest lane and of up to MAX_GRANT_CALLS - 1 calls behind it, and holds the answer as
 * a grant that the calls sent next draw on; what they leave goes back. One call per round trip
 * capped an instance below the higher tiers' budgets (~750 calls/s with Redis 1 ms away).
 */
import type { Clock, Timer } from '../domain/clock.js';
import type { TierLimits } from '../domain/rate-limits.js';
import { type Bucket, PRIORITY_ORDER, type Priority } from '../kalshi/gate.js';
import type { QueuedAction } from './lanes.js';

/** A token bucket shared with other processes; the action queue asks it instead of its own. */
export interface SharedBudget {
  /**
   * Takes `cost` tokens unless fewer than `floor` would be left (a negative cost gives tokens
   * back). Resolves 0 when taken, else the ms until it may be; never rejects (an implementation
   * that loses its store falls back to a local bucket of its own).
   */
  take(bucket: Bucket, cost: number, floor: number): Promise<number>;
  /**
   * As `take`, and up to `want` tokens (a multiple of `cost`) for the calls queued behind:
   * one round trip for several calls. Resolves the tokens taken and 0, or 0 and the ms until
   * `cost` may be taken.
   */
  takeUpTo(bucket: Bucket, cost: number, want: number, floor: number): Promise<SharedTake>;
  /** A fresh 429 on this bucket: the exchange's bucket is empty, so the shared one is too. */
  rateLimited(bucket: Bucket): void;
  /** The account's limits changed (GET /account/limits). */
  setLimits(limits: TierLimits): void;
  /** What the bucket held at the last look. */
  level(bucket: Bucket): number;
}

export interface SharedTake {
  readonly taken: number;
  readonly waitMs: number;
}

/** Tokens taken for calls not yet sent, and the reserve floor they were taken above. */
interface Grant {
  tokens: number;
  readonly floor: number;
}

const rank = (priority: Priority): number => PRIORITY_ORDER.indexOf(priority);

/** The most calls one question to the shared bucket takes tokens for. */
export const MAX_GRANT_CALLS = 8;

export class SharedGrants {
  #grant: Grant | undefined;
  #asking = false;
  #retry: { readonly timer: Timer; readonly priority: Priority } | undefined;
  #spent = 0;

  constructor(
    private readonly bucket: Bucket,
    private readonly shared: SharedBudget,
    private readonly clock: Clock,
    /** Called when an answer or a retry time came: the queue looks at its heads again. */
    private readonly wake: () => void,
  ) {}

  /** Tokens sent with (monotonic). */
  get spent(): number {
    return this.#spent;
  }

  /** Tokens held for calls not yet sent. */
  get held(): number {
    return this.#grant?.tokens ?? 0;
  }

  /**
   * Whether `action` may be sent now; asks the shared bucket when nothing is under way.
   * `queued`: the calls waiting in this bucket, `action` included (how many to ask for).
   */
  ready(action: QueuedAction, floor: number, queued = 1): boolean {
    const { cost, priority } = action.spec;
    const grant = this.#grant;
    if (grant !== undefined) {
      // Tokens taken above a floor serve a call that may go at least as deep into the reserve:
      // a confirm may use a create's grant, never the other way round.
      if (cost <= grant.tokens && floor <= grant.floor) return true;
      this.#giveBack(grant.tokens);
      this.#grant = undefined;
    }
    if (this.#asking) return false;
    if (this.#retry !== undefined) {
      // A higher priority (a confirm, which may use the reserve) does not wait for a create's retry.
      if (rank(priority) >= rank(this.#retry.priority)) return false;
      this.#retry.timer.cancel();
      this.#retry = undefined;
    }
    this.#ask(cost, cost * Math.min(Math.max(1, queued), MAX_GRANT_CALLS), floor, priority);
    return false;
  }

  /** `action` was sent on the grant. */
  consume(action: QueuedAction): void {
    this.#spent += action.spec.cost;
    const grant = this.#grant;
    if (grant === undefined) return;
    grant.tokens -= action.spec.cost;
    if (grant.tokens <= 0) this.#grant = undefined;
  }

  /** Nothing waits any more: an unused grant goes back. */
  idle(): void {
    if (this.#grant === undefined) return;
    this.#giveBack(this.#grant.tokens);
    this.#grant = undefined;
  }

  dispose(): void {
    this.#retry?.timer.cancel();
    this.#retry = undefined;
    this.idle();
  }

  #ask(cost: number, want: number, floor: number, priority: Priority): void {
    this.#asking = true;
    void this.shared.takeUpTo(this.bucket, cost, want, floor).then(
      ({ taken, waitMs }) => {
        this.#asking = false;
        if (waitMs <= 0) this.#grant = { tokens: taken, floor };
        else {
          const timer = this.clock.schedule(Math.max(1, waitMs), () => {
            this.#retry = undefined;
            this.wake();
          });
          this.#retry = { timer, priority };
        }
        this.wake();
      },
      () => {
        // takeUpTo() never rejects by contract; if one does, look again shortly rather than stall.
        this.#asking = false;
        const timer = this.clock.schedule(50, () => {
          this.#retry = undefined;
          this.wake();
        });
        this.#retry = { timer, priority };
      },
    );
  }

  #giveBack(tokens: number): void {
    if (tokens > 0) void this.shared.take(this.bucket, -tokens, 0).catch(() => undefined);
  }
}

/**
 * Admission against a token bucket shared with other processes (e.g. in Redis): asking takes a
 * round trip, so each bucket asks for one call at a time — the head of its highest lane — and
 * holds the answer as a grant until that call (or a higher one that fits it) is sent.
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
  /** A fresh 429 on this bucket: the exchange's bucket is empty, so the shared one is too. */
  rateLimited(bucket: Bucket): void;
  /** The account's limits changed (GET /account/limits). */
  setLimits(limits: TierLimits): void;
  /** What the bucket held at the last look. */
  level(bucket: Bucket): number;
}

interface Grant {
  readonly cost: number;
  readonly floor: number;
}

const rank = (priority: Priority): number => PRIORITY_ORDER.indexOf(priority);

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

  /** Whether `action` may be sent now; asks the shared bucket when nothing is under way. */
  ready(action: QueuedAction, floor: number): boolean {
    const { cost, priority } = action.spec;
    const grant = this.#grant;
    if (grant !== undefined) {
      // A grant fits a call that costs no more and may dig at least as deep into the reserve.
      if (cost <= grant.cost && floor >= grant.floor) return true;
      this.#giveBack(grant.cost);
      this.#grant = undefined;
    }
    if (this.#asking) return false;
    if (this.#retry !== undefined) {
      // A higher priority (a confirm, which may use the reserve) does not wait for a create's retry.
      if (rank(priority) >= rank(this.#retry.priority)) return false;
      this.#retry.timer.cancel();
      this.#retry = undefined;
    }
    this.#ask(cost, floor, priority);
    return false;
  }

  /** The grant went to `action`. */
  consume(action: QueuedAction): void {
    const grant = this.#grant;
    this.#grant = undefined;
    this.#spent += action.spec.cost;
    if (grant !== undefined && grant.cost > action.spec.cost) this.#giveBack(grant.cost - action.spec.cost);
  }

  /** Nothing waits any more: an unused grant goes back. */
  idle(): void {
    if (this.#grant === undefined) return;
    this.#giveBack(this.#grant.cost);
    this.#grant = undefined;
  }

  dispose(): void {
    this.#retry?.timer.cancel();
    this.#retry = undefined;
    this.idle();
  }

  #ask(cost: number, floor: number, priority: Priority): void {
    this.#asking = true;
    void this.shared.take(this.bucket, cost, floor).then(
      (waitMs) => {
        this.#asking = false;
        if (waitMs <= 0) this.#grant = { cost, floor };
        else {
          const timer = this.clock.schedule(waitMs, () => {
            this.#retry = undefined;
            this.wake();
          });
          this.#retry = { timer, priority };
        }
        this.wake();
      },
      () => {
        // take() never rejects by contract; if one does, look again shortly rather than stall.
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

/**
 * What just happened, kept in memory for the dashboard: the latest accepts with their last-look
 * decision and confirm latency, and our executions (the fills of a bot without a journal).
 * Fed by the quote store's transitions and the quote manager's reports; each feed call is a map
 * write and a listener call, and nothing is formatted until a reader asks.
 */
import type { Clock } from '../../domain/clock.js';
import type { Centis, Micros } from '../../domain/money.js';
import type { EpochMs, Side } from '../../domain/types.js';
import type { QuoteState } from '../../quotes/lifecycle.js';
import type { TrackedQuote, TransitionDetails } from '../../quotes/quote-store.js';
import type { LastLook } from './api-types.js';

export interface AcceptRecord {
  readonly quote: TrackedQuote;
  readonly side: Side;
  readonly contracts: Centis;
  readonly price: Micros;
  readonly seenAt: EpochMs;
  lastLook: LastLook;
  reason: string | undefined;
  confirmLatencyMs: number | undefined;
}

export interface ExecutionRecord {
  readonly at: EpochMs;
  readonly quote: TrackedQuote;
  readonly side: Side;
  readonly contracts: Centis;
  readonly price: Micros;
}

export type ActivityNotice =
  | { readonly kind: 'accept'; readonly record: AcceptRecord }
  | { readonly kind: 'execution'; readonly record: ExecutionRecord };

export type ActivityListener = (notice: ActivityNotice) => void;

export interface RecentActivityOptions {
  readonly clock: Clock;
  /** Accepts kept. @default 100 */
  readonly maxAccepts?: number;
  /** Executions kept (the memory view of the day's fills counts at most these). @default 5000 */
  readonly maxExecutions?: number;
}

export class RecentActivity {
  readonly #clock: Clock;
  readonly #maxAccepts: number;
  readonly #maxExecutions: number;
  /** By quote key, oldest first (a Map keeps insertion order). */
  readonly #accepts = new Map<number, AcceptRecord>();
  readonly #executions: ExecutionRecord[] = [];
  readonly #listeners = new Set<ActivityListener>();

  constructor(options: RecentActivityOptions) {
    this.#clock = options.clock;
    this.#maxAccepts = options.maxAccepts ?? 100;
    this.#maxExecutions = options.maxExecutions ?? 5_000;
  }

  onNotice(listener: ActivityListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** A quote store transition (subscribe with `store.onTransition(activity.transition)`). */
  readonly transition = (quote: TrackedQuote, from: QuoteState, details: TransitionDetails): void => {
    const to = quote.state;
    if (to === 'accepted' && from !== 'confirming') this.#accepted(quote);
    const record = this.#accepts.get(quote.key);
    if (to === 'confirmed' && record) {
      if (record.lastLook === 'pending') record.lastLook = 'confirm';
      this.#notify({ kind: 'accept', record });
    }
    if ((to === 'expired' || to === 'cancelled') && record) {
      record.reason ??= details.reason;
      this.#notify({ kind: 'accept', record });
    }
    if (to === 'executed') this.#executed(quote, record);
  };

  /** The quote manager's report that last look declined an accept. */
  declined(quote: TrackedQuote, reason: string): void {
    const record = this.#accepts.get(quote.key);
    if (!record) return;
    record.lastLook = 'decline';
    record.reason = reason;
    this.#notify({ kind: 'accept', record });
  }

  /** The quote manager's report that our confirm landed, with the accept-to-confirm latency. */
  confirmed(quote: TrackedQuote, latencyMs: number): void {
    const record = this.#accepts.get(quote.key);
    if (!record) return;
    record.lastLook = 'confirm';
    record.confirmLatencyMs = latencyMs;
    this.#notify({ kind: 'accept', record });
  }

  /** Newest first. */
  accepts(limit: number): AcceptRecord[] {
    return [...this.#accepts.values()].reverse().slice(0, limit);
  }

  /** Executions at or after `since`, newest first. */
  executions(since: EpochMs, limit: number): ExecutionRecord[] {
    const out: ExecutionRecord[] = [];
    for (let i = this.#executions.length - 1; i >= 0 && out.length < limit; i--) {
      const record = this.#executions[i]!;
      if (record.at < since) break;
      out.push(record);
    }
    return out;
  }

  #accepted(quote: TrackedQuote): void {
    const side = quote.acceptedSide;
    if (side === undefined) return;
    const record: AcceptRecord = {
      quote,
      side,
      contracts: quote.acceptedContracts ?? (side === 'yes' ? quote.yesContracts : quote.noContracts),
      price: side === 'yes' ? quote.yesBid : quote.noBid,
      seenAt: quote.acceptSeenAt ?? this.#clock.now(),
      lastLook: 'pending',
      reason: undefined,
      confirmLatencyMs: undefined,
    };
    this.#accepts.delete(quote.key);
    this.#accepts.set(quote.key, record);
    if (this.#accepts.size > this.#maxAccepts) {
      const oldest = this.#accepts.keys().next().value;
      if (oldest !== undefined) this.#accepts.delete(oldest);
    }
    this.#notify({ kind: 'accept', record });
  }

  #executed(quote: TrackedQuote, accept: AcceptRecord | undefined): void {
    const side = quote.acceptedSide ?? accept?.side;
    if (side === undefined) return;
    const record: ExecutionRecord = {
      at: quote.executedAt ?? this.#clock.now(),
      quote,
      side,
      contracts: quote.acceptedContracts ?? accept?.contracts ?? 0,
      price: side === 'yes' ? quote.yesBid : quote.noBid,
    };
    this.#executions.push(record);
    // Dropping in blocks keeps the cost of a push constant (no shift of thousands each time).
    if (this.#executions.length > this.#maxExecutions * 1.1) {
      this.#executions.splice(0, this.#executions.length - this.#maxExecutions);
    }
    if (accept) this.#notify({ kind: 'accept', record: accept });
    this.#notify({ kind: 'execution', record });
  }

  #notify(notice: ActivityNotice): void {
    for (const listener of this.#listeners) {
      try {
        listener(notice);
      } catch {
        // A broken listener must never reach the quoting path that fed us.
      }
    }
  }
}

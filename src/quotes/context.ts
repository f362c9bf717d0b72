import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { Centis, Micros } from '../domain/money.js';
import type { LiveQuote, QuoteIntent } from '../domain/quoting.js';
import type { EpochMs, Fill, Order, Quote, Rfq, Side } from '../domain/types.js';
import type {
  CallOptions,
  CancelOrderResult,
  ConfirmOptions,
  CreateQuoteArgs,
  DeleteResult,
  FillFilter,
  ListOptions,
} from '../kalshi/index.js';
import type { MarketDataCache } from '../market/market-cache.js';
import type { RfqBook } from '../rfq/rfq-book.js';
import type { ExposureBook } from '../risk/exposure.js';
import type { KillSwitch } from '../risk/kill-switch.js';
import type { RiskLimits } from '../risk/limits.js';
import type { WindowSchedule } from '../risk/windows.js';
import type { CompiledRoute } from '../strategy/router.js';
import type { StrategyRunner } from '../strategy/runner.js';
import { type QuoteStore, type TrackedQuote, toLiveQuote } from './quote-store.js';

/** The writes (and the reads) the quote manager makes. The Kalshi client provides them. */
export interface QuoteWrites {
  createQuote(args: CreateQuoteArgs, call?: CallOptions): Promise<string>;
  deleteQuote(rfqId: string, quoteId: string, call?: CallOptions): Promise<DeleteResult>;
  confirmQuote(rfqId: string, quoteId: string, opts: ConfirmOptions): Promise<void>;
  getQuote(rfqId: string, quoteId: string, call?: CallOptions): Promise<Quote>;
  getRfq(rfqId: string, call?: CallOptions): Promise<Rfq>;
  /** Our leg of an executed quote: whether it rests, and how much it filled. */
  getOrder(orderId: string, call?: CallOptions): Promise<Order>;
  /** Cancels a resting remainder (V2 route). */
  cancelOrder(orderId: string, call?: CallOptions): Promise<CancelOrderResult>;
  /** Our fills: the record of positions, P&L and fees. */
  fills(filter?: FillFilter, opts?: ListOptions): AsyncIterable<Fill>;
}

/** Settings that a config reload may change; read afresh on every use. */
export interface QuotingSettings {
  readonly ttlMs: number;
  readonly restRemainder: boolean;
  readonly postOnly: boolean;
  readonly fairValueTolerance: Micros;
  readonly confirmSafetyMarginMs: number;
  readonly requoteOnSweep: boolean;
  readonly acceptPollIntervalMs: number;
  readonly confirmWindowMs: number;
  readonly hvmConfirmWindowMs: number;
  readonly isHighVolatility: (marketTicker: string) => boolean;
  /**
   * Markets known to have the standard window. Undefined: every market not high-volatility is
   * standard (no unknown markets).
   */
  readonly isStandardMarket?: (marketTicker: string) => boolean;
  /** The confirm window assumed on a market neither list names, until learned. @default 3000 */
  readonly unknownMarketConfirmWindowMs?: number;
  /** How long after an execution its fills have to show before we ask the exchange. @default 2000 */
  readonly fillSettleMs?: number;
  /**
   * How long the exchange has to report our quote on a closed RFQ cancelled before we delete it
   * ourselves; 0 deletes at once. @default 0 here; 2000 from the config
   */
  readonly closedRfqDeleteAfterMs?: number;
  readonly subaccount: number;
}

export type RouteWindows = WindowSchedule | undefined;
export type Route = CompiledRoute<RouteWindows>;

/** What the quote manager reports, for metrics and the periodic summary. */
export interface QuoteManagerEvents {
  rfqSeen?(rfq: Rfq): void;
  /** The strategy priced the RFQ (before the risk guard): what it wanted to quote. */
  priced?(rfq: Rfq, strategy: string, intent: QuoteIntent): void;
  skipped?(rfq: Rfq, strategy: string | undefined, cause: string, reason: string): void;
  refused?(rfq: Rfq, strategy: string, limit: string, reason: string): void;
  created?(quote: TrackedQuote, rfqToQuoteMs: number): void;
  confirmed?(quote: TrackedQuote, acceptToConfirmMs: number): void;
  declined?(quote: TrackedQuote, reason: string): void;
  /** Last look passed: the confirm is about to be sent. */
  lastLookPassed?(quote: TrackedQuote): void;
  /** The confirm was sent and failed (it may still land: the watcher will tell). */
  confirmFailed?(quote: TrackedQuote, acceptToFailureMs: number, reason: string): void;
  exchangeResult?(ok: boolean): void;
  /** A requester took less than we offered. */
  partialAccept?(quote: TrackedQuote, accepted: Centis, offered: Centis): void;
  /** An open quote of ours the exchange no longer knows (a server roll flushed it). */
  flushed?(quote: TrackedQuote): void;
  /** Nothing more can fill on an executed quote: how much did (`quote.fillOutcome`). */
  fillsSettled?(quote: TrackedQuote): void;
  /** A fill of ours was booked (`quote` when its order is known to be one of our quotes). */
  fillBooked?(fill: Fill, booking: BookedFill, quote: TrackedQuote | undefined): void;
  /** A booked fill no quote of ours claimed within the grace period. */
  fillUnattributed?(fill: Fill): void;
}

/** How quoting opens or closes under the cluster (leadership, Redis, presence). */
export interface ClusterGateChange {
  /** New quotes may be sent. */
  readonly open: boolean;
  /** Every live quote must be pulled now (not only no new ones). */
  readonly pull: boolean;
  readonly reason: string;
}

/**
 * What a cluster (several instances on one account, src/cluster/) adds to quoting; absent for
 * a single instance, and then nothing changes.
 */
export interface ClusterHooks {
  /** Why no new quote may be sent now (standby, Redis unreachable, …), or undefined. */
  blocked(): string | undefined;
  onChange(listener: (change: ClusterGateChange) => void): () => void;
  /**
   * Publishes a quote reserved in the local book (under `exposureId`) to the other instances
   * before its create is sent. `recheck` runs the guard again on a fresh account-wide view.
   * Resolves undefined when admitted, else why not.
   */
  admit(exposureId: string, recheck: () => string | undefined): Promise<string | undefined>;
  /** Whether another instance on the account published `orderId` as its quote's: its fills are theirs. */
  othersOrder?(orderId: string): boolean;
  /** Another instance's quotes ended or executed (`count` of them): room under shared limits. */
  onOthersFreed?(listener: (count: number) => void): () => void;
}

/** What booking a fill did, as the quote manager reports it. */
export interface BookedFill {
  /** P&L realised by netting (fees not included). */
  readonly realized: Micros;
  readonly fee: Micros;
  readonly tradedAt: EpochMs;
  readonly source: FillSource;
}

/** Where a fill came from: the websocket, a listing (periodic, after a gap, by order), or startup. */
export type FillSource = 'push' | 'listing' | 'order' | 'startup';

export interface QuotingDeps {
  readonly store: QuoteStore;
  readonly book: RfqBook;
  readonly client: QuoteWrites;
  readonly runner: StrategyRunner<RouteWindows>;
  readonly data: MarketDataCache;
  readonly exposure: ExposureBook;
  readonly limits: () => RiskLimits;
  readonly settings: () => QuotingSettings;
  readonly killSwitch: KillSwitch;
  /** The global trading windows (risk.windows). */
  readonly windows: WindowSchedule;
  readonly dryRun: boolean;
  readonly logger: Logger;
  readonly clock: Clock;
  readonly events: QuoteManagerEvents;
  /** Several instances on one account; undefined for a single instance. */
  readonly cluster?: ClusterHooks | undefined;
  /** When a create of ours last ended in a way that may still land (no answer, 5xx). */
  readonly lastUncertainCreateAt?: (() => EpochMs) | undefined;
}

/** The id under which the exposure book knows a tracked quote: stable before the exchange assigns one. */
export function exposureId(quote: TrackedQuote): string {
  return `q${quote.key}`;
}

/**
 * The tracked quote as the exposure book and the guard see it (keyed by the local id). With a
 * remainder resting after execution, the whole offered side can fill: that is what a confirm commits.
 */
export function exposureView(quote: TrackedQuote): LiveQuote {
  const view = { ...toLiveQuote(quote), quoteId: exposureId(quote) };
  if (!quote.restRemainder || quote.acceptedSide === undefined) return view;
  const offered = contractsFor(quote, quote.acceptedSide);
  return { ...view, acceptedContracts: Math.max(quote.acceptedContracts ?? offered, offered) };
}

export function bidFor(quote: Pick<TrackedQuote, 'yesBid' | 'noBid'>, side: Side): Micros {
  return side === 'yes' ? quote.yesBid : quote.noBid;
}

/** The contracts of one side: of a tracked quote (offered) or of the exchange's report. */
export function contractsFor<Q extends { readonly yesContracts?: unknown; readonly noContracts?: unknown }>(
  quote: Q,
  side: Side,
): Q['yesContracts'] | Q['noContracts'] {
  return side === 'yes' ? quote.yesContracts : quote.noContracts;
}

/** A short description of an error for logs and reasons, never its request details. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === 'string'
      ? `${error.name} (${code}): ${error.message}`
      : `${error.name}: ${error.message}`;
  }
  return String(error);
}

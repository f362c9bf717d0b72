import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import type { MarketData } from '../domain/market-data.js';
import type { Micros } from '../domain/money.js';
import type { LiveQuote, QuoteEvent, QuoteIntent } from '../domain/quoting.js';
import type { Rfq } from '../domain/types.js';

// The shared quoting types live in domain/ (risk and quotes use them too); authors get them here.
export type { MarketData } from '../domain/market-data.js';
export type { LiveQuote, QuoteEvent, QuoteEventType, QuoteIntent } from '../domain/quoting.js';

/** A decision not to quote, with the reason logged. */
export interface Skip {
  readonly skip: string;
}

export type PriceDecision = QuoteIntent | Skip;

export function isSkip(decision: PriceDecision): decision is Skip {
  return typeof (decision as Skip).skip === 'string';
}

export interface StrategyContext<Options> {
  /** Validated options from config. */
  readonly options: Options;
  readonly log: Logger;
  readonly clock: Clock;
  /** Aborted when the call's time limit passes or the bot shuts down. */
  readonly signal: AbortSignal;
  readonly data: MarketData;
}

/** Validates and normalises options; a zod schema fits, and so does any `{ parse }` object. */
export interface OptionsSchema<Options> {
  parse(input: unknown): Options;
}

export interface Strategy<Options = unknown> {
  /** Unique, kebab-case; config routes refer to it. */
  readonly name: string;
  /** The plugin interface version this strategy was written for. */
  readonly apiVersion: 1;
  readonly description?: string;
  readonly options: OptionsSchema<Options>;
  setup?(ctx: StrategyContext<Options>): Promise<void>;
  price(rfq: Rfq, ctx: StrategyContext<Options>): PriceDecision | Promise<PriceDecision>;
  /** Called before every confirm; `false` lets the accept lapse. @default agrees */
  lastLook?(quote: LiveQuote, ctx: StrategyContext<Options>): boolean | Promise<boolean>;
  /** Current fair value of YES for a market, for the sweeper's drift check. */
  fairValue?(
    marketTicker: string,
    ctx: StrategyContext<Options>,
  ): Micros | undefined | Promise<Micros | undefined>;
  onEvent?(event: QuoteEvent, ctx: StrategyContext<Options>): void;
  teardown?(ctx: StrategyContext<Options>): Promise<void>;
}

/** Identity at run time; gives plugin authors type inference and a checked shape. */
export function defineStrategy<Options>(strategy: Strategy<Options>): Strategy<Options> {
  return strategy;
}

/** A decision not to quote, with the reason the runner logs. @example return skip('book too wide'); */
export function skip(reason: string): Skip {
  return { skip: reason };
}

import { compileGlobs } from '../domain/glob.js';
import type { Centis, Micros } from '../domain/money.js';
import type { Rfq } from '../domain/types.js';

/** Which RFQs the bot looks at. Empty lists match everything. */
export interface RfqFilterConfig {
  readonly eventTickers: readonly string[];
  readonly marketTickers: readonly string[];
  readonly tickerGlobs: readonly string[];
  readonly minContracts?: Centis | undefined;
  readonly maxContracts?: Centis | undefined;
  readonly minTargetCost?: Micros | undefined;
  readonly maxTargetCost?: Micros | undefined;
}

/** The query the exchange can filter on: one event ticker or one market ticker per request. */
export interface ServerSideFilter {
  readonly eventTicker?: string;
  readonly marketTicker?: string;
}

export interface CompiledRfqFilter {
  readonly server: ServerSideFilter;
  /** Returns the reason an RFQ is filtered out, or undefined when it passes. */
  reject(rfq: Rfq): string | undefined;
}

/**
 * Splits the config filters into what GET /communications/rfqs can do (a single event or
 * market ticker) and what must be done here (lists, globs, sizes).
 */
export function compileRfqFilter(config: RfqFilterConfig): CompiledRfqFilter {
  const server: { eventTicker?: string; marketTicker?: string } = {};
  if (config.marketTickers.length === 1) server.marketTicker = config.marketTickers[0]!;
  else if (config.eventTickers.length === 1) server.eventTicker = config.eventTickers[0]!;

  const events = new Set(config.eventTickers);
  const markets = new Set(config.marketTickers);
  const globMatch = config.tickerGlobs.length > 0 ? compileGlobs(config.tickerGlobs) : undefined;

  return {
    server,
    reject(rfq) {
      if (markets.size > 0 && !markets.has(rfq.marketTicker)) return 'market not in filters.marketTickers';
      if (events.size > 0 && (rfq.eventTicker === undefined || !events.has(rfq.eventTicker))) {
        return 'event not in filters.eventTickers';
      }
      if (globMatch && !globMatch(rfq.marketTicker)) return 'market ticker matches no filters.tickerGlobs';
      const size = rfq.size;
      if (size.kind === 'contracts') {
        if (config.minContracts !== undefined && size.contracts < config.minContracts)
          return 'below minContracts';
        if (config.maxContracts !== undefined && size.contracts > config.maxContracts)
          return 'above maxContracts';
      } else {
        if (config.minTargetCost !== undefined && size.targetCost < config.minTargetCost) {
          return 'below minTargetCost';
        }
        if (config.maxTargetCost !== undefined && size.targetCost > config.maxTargetCost) {
          return 'above maxTargetCost';
        }
      }
      return undefined;
    },
  };
}

import type { Micros } from '../domain/money.js';
import type { NetPosition } from './position.js';
import type { TalliedPosition } from './risk-tally.js';
import type { PositionExposure } from './snapshot.js';

/** One market the exposure book tracks. */
export interface MarketState {
  readonly marketTicker: string;
  readonly eventTicker: string;
  position: NetPosition;
  episodeRealized: Micros;
  fairValue: Micros | undefined;
}

/** What the risk tally reads of a market. */
export function tallied(market: MarketState): TalliedPosition {
  return {
    marketTicker: market.marketTicker,
    eventTicker: market.eventTicker,
    contracts: market.position.contracts,
    cost: market.position.cost,
    episodeRealized: market.episodeRealized,
  };
}

interface Built {
  readonly positions: ReadonlyMap<string, PositionExposure>;
  readonly marketEvents: ReadonlyMap<string, string>;
  /** The position objects the views were made from. */
  readonly sources: ReadonlyMap<string, NetPosition>;
}

/**
 * The positions part of a snapshot. Markets change only on fills and marks: an unchanged
 * market's frozen view is reused, and so are the maps when no market changed (they are never
 * mutated once handed out).
 */
export class PositionsView {
  #last: Built | undefined;

  of(
    markets: ReadonlyMap<string, MarketState>,
    unrealizedOf: (market: MarketState) => Micros,
  ): Pick<Built, 'positions' | 'marketEvents'> {
    const cached = this.#last;
    const same = (market: MarketState): PositionExposure | undefined => {
      const previous = cached?.positions.get(market.marketTicker);
      return previous !== undefined &&
        cached?.sources.get(market.marketTicker) === market.position &&
        previous.episodeRealized === market.episodeRealized &&
        previous.fairValue === market.fairValue &&
        previous.eventTicker === market.eventTicker
        ? previous
        : undefined;
    };
    if (cached && cached.positions.size === markets.size) {
      let unchanged = true;
      for (const market of markets.values()) {
        if (same(market) === undefined) {
          unchanged = false;
          break;
        }
      }
      if (unchanged) return cached;
    }
    const positions = new Map<string, PositionExposure>();
    const marketEvents = new Map<string, string>();
    const sources = new Map<string, NetPosition>();
    for (const market of markets.values()) {
      marketEvents.set(market.marketTicker, market.eventTicker);
      sources.set(market.marketTicker, market.position);
      const position: PositionExposure = same(market) ?? {
        marketTicker: market.marketTicker,
        eventTicker: market.eventTicker,
        contracts: market.position.contracts,
        cost: market.position.cost,
        episodeRealized: market.episodeRealized,
        unrealized: unrealizedOf(market),
        ...(market.fairValue === undefined ? {} : { fairValue: market.fairValue }),
      };
      positions.set(market.marketTicker, Object.isFrozen(position) ? position : Object.freeze(position));
    }
    this.#last = { positions, marketEvents, sources };
    return this.#last;
  }
}

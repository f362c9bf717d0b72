import type { Side } from '../../domain/types.js';
import { BASE_EVENTS, type EventSeed, type MarketSeed } from './seed.js';

function hex6(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16).toUpperCase().padStart(8, '0').slice(0, 6);
}

/**
 * Two-leg combos over markets of different events, generated in a fixed order (no
 * randomness): combo RFQs are the bulk of real RFQ flow, and a creator may hold one open
 * RFQ per market, so the 100-open-RFQ cap needs more than 100 markets to be reachable.
 */
function generatedCombos(count: number): EventSeed {
  const singles = BASE_EVENTS.filter((e) => !e.mveCollectionTicker).flatMap((e) =>
    e.markets.map((m) => ({ event: e.eventTicker, ticker: m.ticker, title: m.title })),
  );
  const markets: MarketSeed[] = [];
  outer: for (let i = 0; i < singles.length; i++) {
    for (let j = i + 1; j < singles.length; j++) {
      const a = singles[i]!;
      const b = singles[j]!;
      if (a.event === b.event) continue;
      const sideB: Side = (i + j) % 2 === 0 ? 'yes' : 'no';
      const legs = [
        { marketTicker: a.ticker, side: 'yes' as const },
        { marketTicker: b.ticker, side: sideB },
      ];
      markets.push({
        ticker: `KXMVESPORTSMULTIGAMEEXTENDED-S2026DEC31-${hex6(`${a.ticker}|${b.ticker}|${sideB}`)}`,
        title: `yes ${a.title}, ${sideB} ${b.title}`,
        yesSubTitle: 'Combo',
        fair: 0,
        structure: 'center_deci_edge_centi_cent',
        legs,
      });
      if (markets.length >= count) break outer;
    }
  }
  return {
    eventTicker: 'KXMVESPORTSMULTIGAMEEXTENDED-S2026DEC31',
    seriesTicker: 'KXMVESPORTSMULTIGAMEEXTENDED',
    title: 'Multi-game combos, Dec 31, 2026',
    subTitle: 'Combos',
    mutuallyExclusive: false,
    mveCollectionTicker: 'KXMVESPORTSMULTIGAMEEXTENDED-R',
    markets,
  };
}

/** The seeded world: 8 events, 127 markets (24 single markets, 3 + 100 combos). */
export const SEED_EVENTS: readonly EventSeed[] = [...BASE_EVENTS, generatedCombos(100)];

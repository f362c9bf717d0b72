import type { Logger } from 'pino';
import type { Rfq } from '../domain/types.js';
import { RouteConfigError } from './errors.js';
import { callWithLimit, failureReason } from './limit.js';
import { pluginFileOf } from './loader.js';
import type { RouteMatchInput, RouteTable } from './router.js';
import type { MarketData } from './types.js';

export interface MatchInputDeps {
  readonly data: MarketData;
  readonly seriesOf: ((eventTicker: string) => string | undefined | Promise<string | undefined>) | undefined;
  readonly timeoutMs: number;
  readonly stopSignal: AbortSignal;
  readonly log: Logger;
}

/** What routes match an RFQ against: its market, and its event and series when some route needs them. */
export async function routeMatchInput(
  table: RouteTable<unknown>,
  rfq: Rfq,
  deps: MatchInputDeps,
): Promise<RouteMatchInput> {
  let eventTicker = rfq.eventTicker;
  if (eventTicker === undefined && (table.needsEvent || table.needsSeries)) {
    const market = await callWithLimit('market data', deps.timeoutMs, deps.stopSignal, () =>
      deps.data.market(rfq.marketTicker),
    );
    if (market.kind === 'ok') eventTicker = market.value.eventTicker;
    else
      deps.log.debug({ rfqId: rfq.id, reason: failureReason(market) }, 'cannot read the event of the market');
  }
  let seriesTicker: string | undefined;
  const seriesOf = deps.seriesOf;
  if (table.needsSeries && eventTicker !== undefined && seriesOf !== undefined) {
    const event = eventTicker;
    const series = await callWithLimit('series lookup', deps.timeoutMs, deps.stopSignal, () =>
      seriesOf(event),
    );
    if (series.kind === 'ok') seriesTicker = series.value;
    else
      deps.log.debug({ rfqId: rfq.id, reason: failureReason(series) }, 'cannot read the series of the event');
  }
  return { marketTicker: rfq.marketTicker, eventTicker, seriesTicker };
}

/** A strategy registered in code has no file a worker could load: its routes must opt in-process. */
export function checkIsolation(table: RouteTable<unknown>): void {
  const problems = table.routes
    .filter(
      (route) => route.instance.isolation === 'worker' && pluginFileOf(route.instance.strategy) === undefined,
    )
    .map((route) => ({
      code: 'invalid_route' as const,
      index: route.index,
      ...(route.name !== undefined ? { routeName: route.name } : {}),
      strategy: route.strategyName,
      message: `${route.label}: strategy "${route.strategyName}" is registered in code, not loaded from a plugin file, so it cannot run in a worker; set isolation: in-process`,
    }));
  if (problems.length > 0) throw new RouteConfigError(problems);
}

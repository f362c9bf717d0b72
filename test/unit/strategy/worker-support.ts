/** Shared by the worker-isolation tests: a runner over plugin files, in-memory data, helpers. */
import { pino } from 'pino';
import { onTestFinished } from 'vitest';
import { contracts } from '../../../src/domain/money.js';
import { loadStrategies } from '../../../src/strategy/loader.js';
import { InMemoryMarketData, testBook, testRfq } from '../../../src/strategy/memory-data.js';
import { type RouteConfig, StrategyRouter } from '../../../src/strategy/router.js';
import {
  type PriceOutcome,
  StrategyRunner,
  type StrategyRunnerOptions,
} from '../../../src/strategy/runner.js';
import { captureLogger, tempPluginDir } from './support.js';

const silent = pino({ level: 'silent' });

/** A plain-JS plugin (fast to load in a worker): `price` is the body of an async function. */
export function plugin(name: string, price: string, extra = ''): string {
  return `export const s = { name: ${JSON.stringify(name)}, apiVersion: 1, options: { parse: (x) => x ?? {} },
    async price(rfq, ctx) { ${price} }, ${extra} };\n`;
}

export const QUOTE = 'return { yesBid: 400000, noBid: 500000 };';

/**
 * A runner over plugin `files` (or a plugin folder), one worker by default, 200 ms calls;
 * stopped when the test ends.
 */
export async function startRunner(
  files: Record<string, string> | string,
  routes: RouteConfig[],
  options: Partial<StrategyRunnerOptions> = {},
  autostart = true,
) {
  let dir: string;
  if (typeof files === 'string') dir = files;
  else {
    const temp = await tempPluginDir(files);
    onTestFinished(temp.cleanup);
    dir = temp.dir;
  }
  const registry = await loadStrategies({ dir, logger: silent });
  const { logger, lines } = captureLogger();
  const data = new InMemoryMarketData()
    .setMarket({ ticker: 'KXA-1', eventTicker: 'KXA' })
    .setMarket({ ticker: 'KXB-1', eventTicker: 'KXB' })
    .setBook(testBook('KXA-1', { yes: [['0.45', '10']], no: [['0.50', '10']] }))
    .setPosition('KXA-1', contracts('7'))
    .setEventPosition('KXA', contracts('-3'));
  const router = new StrategyRouter(registry, routes, logger);
  const runner = new StrategyRunner({
    router,
    data,
    logger,
    timeoutMs: 200,
    workers: { size: 1, hardTimeoutMs: 400 },
    ...options,
  });
  onTestFinished(() => runner.stop());
  if (autostart) await runner.start();
  return { runner, lines, data };
}

export function kind(outcome: PriceOutcome): string {
  return outcome.kind === 'quote' ? 'quote' : `${outcome.cause}: ${outcome.reason}`;
}

export const rfqA = () => testRfq({ marketTicker: 'KXA-1' });
export const rfqB = () => testRfq({ marketTicker: 'KXB-1' });

export async function waitFor(check: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}

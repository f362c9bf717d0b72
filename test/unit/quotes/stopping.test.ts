/**
 * A stop that begins while a quote is confirmed and not yet executed (chaos `accept-during-delete`
 * under load): the requester accepted just before our delete landed, last look confirmed, and
 * the exchange executes as the stop begins. The stop waits for that execution; it must be able
 * to see it through the queue as the stop closes it, so the fills are the quote's own (linked to
 * its order, its reservation released) and never counted twice, and the stop ends once settled.
 * The quoting core, the own-quote watcher and the fill listing run on the fake exchange edge
 * behind a real action queue, on the manual clock.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TIER_LIMITS } from '../../../src/domain/rate-limits.js';
import { exposureId, type FillSource } from '../../../src/quotes/context.js';
import { FillSync } from '../../../src/quotes/fill-sync.js';
import { OwnQuoteWatcher } from '../../../src/quotes/own-quote-watcher.js';
import { QuoteManager } from '../../../src/quotes/quote-manager.js';
import type { TrackedQuote } from '../../../src/quotes/quote-store.js';
import { ActionQueue, STOPPING } from '../../../src/throttle/action-queue.js';
import { GatedExchange } from '../../helpers/gated-exchange.js';
import { type Harness, quotingHarness, until } from './harness.js';

const MARKET = 'KXTEST-1';
const SHUTDOWN_TIMEOUT_MS = 10_000;

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** The core as the app wires it: manager, watcher and fill listing, every call through one queue. */
async function wired() {
  const h = await quotingHarness({ settings: { fillSettleMs: 500 } });
  const queue = new ActionQueue({ limits: TIER_LIMITS.premier, clock: h.clock });
  const edge = new GatedExchange(h.exchange, queue);
  const manager = new QuoteManager(
    { ...h.deps, client: edge },
    { sweepIntervalMs: 1_000, awaitExecutionsOnStop: true },
  );
  const watcher = new OwnQuoteWatcher({
    source: edge,
    logger: h.logger,
    clock: h.clock,
    intervalMs: h.settings.acceptPollIntervalMs,
    hasActivity: () => h.store.hasActivity(),
    onQuote: (quote, seenAt) => manager.exchangeReported(quote, seenAt),
    onOpenQuotes: (quotes, listedAt) => manager.reconcileOpen(quotes, listedAt),
  });
  const fillSync = new FillSync(
    {
      source: edge,
      take: (fill, source: FillSource) => manager.fills.take(fill, source).kind === 'booked',
      clock: h.clock,
      logger: h.logger,
      intervalMs: 2_000,
    },
    h.clock.now(),
  );
  manager.start();
  watcher.start();
  fillSync.start();
  cleanups.push(async () => {
    fillSync.stop();
    await watcher.stop();
    await manager.stop();
    await h.stop();
  });
  return { h, queue, manager, watcher, fillSync };
}

/** Worst-case contracts the bot's own view holds on the market. */
function worstContracts(h: Harness): number {
  return h.exposure.riskView(h.limits).markets.get(MARKET)?.worstContracts ?? 0;
}

/** Our delete meets the requester's accept: the exchange accepts, then answers the delete 404. */
async function acceptedDuringDelete(h: Harness, manager: QuoteManager, quote: TrackedQuote): Promise<void> {
  const deleting = h.exchange.hold('deleteQuote');
  const pulled = manager.pull(quote, 'ttl: live past its TTL');
  await deleting.called;
  h.exchange.accept(quote.quoteId!, 'yes');
  deleting.release();
  await pulled;
}

describe('a stop while a quote accepted during its delete awaits execution', () => {
  it('learns the execution through the stopping queue: its fill is linked, counted once, and the stop ends', async () => {
    const { h, queue, manager } = await wired();
    const rfq = h.rfq();
    h.book.upsert(rfq);
    const quote = await until(() => {
      const current = h.store.forRfq(rfq.id);
      return current?.state === 'open' ? current : undefined;
    }, 'our quote open');
    await acceptedDuringDelete(h, manager, quote);
    await until(() => quote.state === 'confirmed', 'the confirm after the accept met the delete');
    const accepted = quote.acceptedContracts!;
    expect(worstContracts(h)).toBe(accepted);

    // The stop begins as the app's does; the exchange executes the confirm meanwhile.
    queue.close(STOPPING);
    const deadline = h.clock.now() + SHUTDOWN_TIMEOUT_MS - 1_000;
    let stopped = false;
    const stopping = manager.stop(deadline).then(() => {
      stopped = true;
    });
    h.exchange.execute(quote.quoteId!);

    const startedAt = h.clock.now();
    let worst = worstContracts(h);
    while (!stopped && h.clock.now() < deadline) {
      await h.clock.advanceAsync(100);
      worst = Math.max(worst, worstContracts(h));
    }
    await stopping;

    // Never counted twice: once booked, the fill replaced the quote's reservation.
    expect(worst).toBe(accepted);
    // The fill is the quote's: its order linked, the reservation released once it settled.
    expect(quote.orderId).toBe(`order-${quote.quoteId}`);
    expect(quote.state).toBe('executed');
    expect(quote.fillOutcome).toBe('filled');
    expect(h.exposure.position(MARKET)).toBe(accepted);
    expect(h.exposure.liveQuote(exposureId(quote))).toBeUndefined();
    // Settled within a few looks of the watcher and the fill tracker, not at the deadline.
    expect(h.clock.now() - startedAt).toBeLessThan(3_000);
  });
});

import { afterEach, describe, expect, it } from 'vitest';
import type { Rfq } from '../../../src/domain/types.js';
import { ServerError } from '../../../src/kalshi/index.js';
import { exposureId } from '../../../src/quotes/context.js';
import { QuoteManager } from '../../../src/quotes/quote-manager.js';
import type { TrackedQuote } from '../../../src/quotes/quote-store.js';
import { errorContext } from '../../helpers/fake-exchange.js';
import { type Harness, type HarnessOptions, quotingHarness, until } from './harness.js';

const running: { h: Harness; manager: QuoteManager }[] = [];
afterEach(async () => {
  for (const { h, manager } of running.splice(0)) {
    await manager.stop();
    await h.stop();
  }
});

const SWEEP_MS = 1_000;
const RETRY_TICK_MS = 500;

async function started(options: HarnessOptions = {}) {
  const h = await quotingHarness(options);
  const manager = new QuoteManager(h.deps, { sweepIntervalMs: SWEEP_MS });
  manager.start();
  running.push({ h, manager });
  return { h, manager };
}

/** An RFQ appears in the book (as the poller would add it) and is quoted. */
async function quoted(h: Harness, init: Parameters<Harness['rfq']>[0] = {}): Promise<TrackedQuote> {
  const rfq = h.rfq(init);
  h.book.upsert(rfq);
  return until(() => {
    const quote = h.store.forRfq(rfq.id);
    return quote?.state === 'open' ? quote : undefined;
  }, `a live quote on ${rfq.id}`);
}

const serverError = (endpoint: string) =>
  new ServerError('unavailable', errorContext(endpoint), { status: 503 });

describe('QuoteManager: a delete that meets an accept', () => {
  it('asks the exchange after a 404 and runs last look on the accept it finds', async () => {
    const { h, manager } = await started();
    const quote = await quoted(h);
    h.exchange.accept(quote.quoteId!, 'yes');
    await manager.pull(quote, 'ttl: old');
    await until(() => quote.state === 'confirmed', 'the accept found by the delete to be confirmed');
    expect(h.exchange.callsOf('deleteQuote')).toHaveLength(1);
    expect(h.exchange.callsOf('getQuote')).toHaveLength(1);
    expect(h.exchange.callsOf('confirmQuote')).toHaveLength(1);
    expect(h.exposure.liveQuote(exposureId(quote))?.state).toBe('confirmed');
  });

  it('confirms an accept the watcher reports while the delete is in flight', async () => {
    const { h, manager } = await started();
    const quote = await quoted(h);
    const deletion = h.exchange.hold('deleteQuote');
    const pulling = manager.pull(quote, 'ttl: old');
    await deletion.called;
    expect(quote.state).toBe('deleting');
    manager.exchangeReported(h.exchange.accept(quote.quoteId!, 'no'), h.clock.now());
    await until(() => quote.state === 'confirmed', 'the confirm');
    deletion.release();
    await pulling;
    expect(quote.state).toBe('confirmed');
    expect(h.exchange.callsOf('getQuote')).toEqual([]);
  });

  it('forgets a quote the exchange no longer knows after a 404, releasing its exposure', async () => {
    const { h, manager } = await started();
    const quote = await quoted(h);
    h.exchange.flush(quote.quoteId!);
    await manager.pull(quote, 'ttl: old');
    expect(quote.state).toBe('deleted');
    expect(quote.endReason).toBe('ttl: old (the exchange no longer knows it)');
    expect(h.exposed(quote)).toBe(false);
  });

  it('keeps a quote whose delete failed open (and live in exposure) for the next sweep', async () => {
    const { h, manager } = await started();
    const quote = await quoted(h);
    h.exchange.fail('deleteQuote', serverError('delete_quote'));
    await manager.pull(quote, 'ttl: old');
    expect(quote.state).toBe('open');
    expect(h.exposed(quote)).toBe(true);
    expect(h.eventsOf('exchangeResult').at(-1)).toEqual({ type: 'exchangeResult', ok: false });
    expect(
      h.lines.some((l) => l['to'] === 'open' && String(l['reason']).startsWith('delete failed: ServerError')),
    ).toBe(true);
  });

  it('tries a failed pull again at each sweep while the kill switch is on, until the quote is gone', async () => {
    const { h } = await started();
    const quote = await quoted(h);
    h.exchange.fail('deleteQuote', serverError('delete_quote'), serverError('delete_quote'));
    h.killSwitch.trip('operator', 'manual');
    await until(
      () => h.lines.some((l) => l['to'] === 'open' && String(l['reason']).startsWith('delete failed')),
      'the first pull to fail',
    );
    expect(quote.state).toBe('open');
    h.clock.advance(SWEEP_MS);
    await until(() => h.exchange.callsOf('deleteQuote').length >= 2, 'the second delete');
    h.clock.advance(SWEEP_MS);
    await until(() => quote.state === 'deleted', 'the quote pulled at the third attempt');
    expect(quote.endReason).toBe('kill switch: operator');
    expect(h.exchange.openQuotes()).toEqual([]);
    expect(h.exposed(quote)).toBe(false);
  });

  it('deletes a quote whose pull was asked for while its create was in flight, once the create returns', async () => {
    const { h, manager } = await started();
    const create = h.exchange.hold<string>('createQuote');
    const rfq = h.rfq();
    h.book.upsert(rfq);
    await create.called;
    const quote = h.store.forRfq(rfq.id)!;
    await manager.pull(quote, 'kill switch: operator');
    expect(quote.pullRequested).toBe('kill switch: operator');
    create.release();
    await until(() => quote.state === 'deleted', 'the delete after the create');
    expect(h.exchange.openQuotes()).toEqual([]);
  });
});

describe('QuoteManager: a quote flushed by the exchange', () => {
  it('forgets an open quote missing from the full listing that the exchange no longer knows, and quotes again', async () => {
    const { h, manager } = await started();
    const quote = await quoted(h);
    h.clock.advance(1_000);
    h.exchange.flush(quote.quoteId!);
    await manager.reconcileOpen(h.exchange.openQuotes(), h.clock.now());
    await until(() => quote.state === 'cancelled', 'the flushed quote to be forgotten');
    expect(quote.endReason).toBe('flushed by the exchange: it no longer knows the quote');
    expect(h.exposed(quote)).toBe(false);
    expect(h.exposure.finishedState(exposureId(quote))).toBe('deleted');
    // The RFQ is still open and has no live quote of ours: it is priced again.
    const again = await until(() => {
      const next = h.store.forRfq(quote.rfq.id);
      return next !== quote && next?.state === 'open' ? next : undefined;
    }, 'a new quote on the RFQ');
    expect(again.quoteId).not.toBe(quote.quoteId);
  });

  it('hands an accept the listing missed to last look, and leaves alone quotes that went live after it started', async () => {
    const { h, manager } = await started();
    const accepted = await quoted(h);
    h.clock.advance(1_000);
    const listedAt = h.clock.now();
    const late = await quoted(h);
    h.exchange.accept(accepted.quoteId!, 'yes');
    // The listing began before `late` went live, so it cannot show it.
    const open = h.exchange.openQuotes().filter((q) => q.id !== late.quoteId);
    await manager.reconcileOpen(open, listedAt);
    await until(() => accepted.state === 'confirmed', 'the missed accept to be confirmed');
    expect(late.state).toBe('open');
    expect(h.exchange.callsOf('getQuote').map((call) => call.args[1])).toEqual([accepted.quoteId]);
  });

  it('deletes an open quote of ours it does not track (a stray), but not one whose create is in flight', async () => {
    const { h, manager } = await started();
    const stray = await quoted(h);
    // Forget it as a restart would: a new manager on a fresh store sees it as a stray.
    const other = await started();
    other.h.exchange.quotes.set(stray.quoteId!, h.exchange.quotes.get(stray.quoteId!)!);
    await other.manager.reconcileOpen([h.exchange.quotes.get(stray.quoteId!)!], other.h.clock.now());
    await until(() => other.h.exchange.callsOf('deleteQuote').length === 1, 'the stray delete');
    expect(other.h.exchange.callsOf('deleteQuote')[0]?.args).toEqual([
      stray.rfq.id,
      stray.quoteId,
      { priority: 'delete' },
    ]);

    const create = h.exchange.hold<string>('createQuote');
    const rfq = h.rfq();
    h.book.upsert(rfq);
    await create.called;
    const landed = { ...h.exchange.quotes.get(stray.quoteId!)!, id: 'landed', rfqId: rfq.id };
    await manager.reconcileOpen([landed], h.clock.now());
    expect(h.exchange.callsOf('deleteQuote')).toEqual([]);
    create.release();
  });
});

describe('QuoteManager: stray deletes', () => {
  it('queues one delete per stray while it is pending, however often listings name it; again once it failed', async () => {
    const { h, manager } = await started();
    const template = h.exchange.quotes.get((await quoted(h)).quoteId!)!;
    const stray = { ...template, id: 'stray-1', rfqId: 'rfq-stray', createdAt: 0 };
    h.exchange.quotes.set(stray.id, stray);
    const deletion = h.exchange.hold('deleteQuote');
    await manager.reconcileOpen([stray], h.clock.now());
    await deletion.called;
    // Listings every 200 ms name it again while its delete waits for the write budget.
    for (let i = 0; i < 5; i++) await manager.reconcileOpen([stray], h.clock.now());
    expect(h.exchange.callsOf('deleteQuote')).toHaveLength(1);
    deletion.fail(serverError('delete_quote'));
    await until(
      () => h.lines.some((line) => String(line.msg).startsWith('deleting a stray quote failed')),
      'the failed delete',
    );
    // Failed: the next listing that names it tries again.
    await manager.reconcileOpen([stray], h.clock.now());
    await until(() => h.exchange.callsOf('deleteQuote').length === 2, 'a second delete');
  });
});

describe('QuoteManager: another quoter on the key', () => {
  const ANOTHER_QUOTER = /another process may be quoting with this API key/;

  it('is named once after three open strays created during this run, not for those of an earlier run', async () => {
    const { h, manager } = await started();
    const template = h.exchange.quotes.get((await quoted(h)).quoteId!)!;
    let n = 0;
    const stray = (createdAt: number) => ({ ...template, id: `stray-${++n}`, rfqId: `rfq-x${n}`, createdAt });
    const errors = () => h.lines.filter((line) => ANOTHER_QUOTER.test(String(line.msg))).length;

    // Left by an earlier run (created before this one started): deleted, nothing more.
    await manager.reconcileOpen([stray(0), stray(1), stray(2)], h.clock.now());
    await until(() => h.exchange.callsOf('deleteQuote').length === 3, 'the earlier run’s strays deleted');
    expect(errors()).toBe(0);

    // Created while this run is up, on RFQs it never quoted: a second process on the key.
    h.clock.advance(1_000);
    await manager.reconcileOpen([stray(h.clock.now()), stray(h.clock.now())], h.clock.now());
    expect(errors()).toBe(0);
    await manager.reconcileOpen([stray(h.clock.now())], h.clock.now());
    expect(errors()).toBe(1);
    await manager.reconcileOpen([stray(h.clock.now())], h.clock.now());
    expect(errors()).toBe(1);
    expect(h.lines.find((line) => ANOTHER_QUOTER.test(String(line.msg)))).toMatchObject({
      level: 50,
      strays: 3,
    });
  });

  it('does not count strays on RFQs it quoted right after a create of uncertain outcome (its own late creates)', async () => {
    let uncertainAt = 0;
    const { h, manager } = await started({ lastUncertainCreateAt: () => uncertainAt });
    const errors = () => h.lines.filter((line) => ANOTHER_QUOTER.test(String(line.msg))).length;
    const ours = [await quoted(h), await quoted(h), await quoted(h)];
    const template = h.exchange.quotes.get(ours[0]!.quoteId!)!;
    // Earlier copies of our creates on the same RFQs (sent again after a time-out), landing late.
    const late = (quote: TrackedQuote, i: number) => ({
      ...template,
      id: `late-${i}`,
      rfqId: quote.rfq.id,
      yesBid: template.yesBid - 10_000,
      createdAt: h.clock.now(),
    });
    h.clock.advance(1_000);
    uncertainAt = h.clock.now();
    await manager.reconcileOpen(ours.map(late), h.clock.now());
    await until(() => h.exchange.callsOf('deleteQuote').length === 3, 'the late creates deleted');
    expect(errors()).toBe(0);
    // A minute without uncertain creates: the same on RFQs it quoted counts again.
    h.clock.advance(61_000);
    await manager.reconcileOpen(
      ours.map((quote, i) => ({ ...late(quote, i + 3), createdAt: h.clock.now() })),
      h.clock.now(),
    );
    expect(errors()).toBe(1);
  });
});

describe('QuoteManager: retries and room', () => {
  it('prices an RFQ again after a create failed for a passing reason', async () => {
    const { h } = await started();
    h.exchange.fail('createQuote', serverError('create_quote'));
    const rfq = h.rfq();
    h.book.upsert(rfq);
    const failed = await until(
      () => (h.store.forRfq(rfq.id)?.state === 'failed' ? h.store.forRfq(rfq.id) : undefined),
      'the failed create',
    );
    h.clock.advance(RETRY_TICK_MS);
    const retried = await until(() => {
      const quote = h.store.forRfq(rfq.id);
      return quote !== failed && quote?.state === 'open' ? quote : undefined;
    }, 'the retry to quote');
    expect(retried.quoteId).toBeDefined();
    expect(h.exchange.callsOf('createQuote')).toHaveLength(2);
  });

  it('quotes an RFQ refused for want of room once a quote of ours ends', async () => {
    const { h } = await started({ limits: { maxOpenQuotes: 1 } });
    const first = await quoted(h);
    const waiting = h.rfq();
    h.book.upsert(waiting);
    await until(
      () => h.eventsOf('skipped').find((e) => e.rfqId === waiting.id && e.cause === 'no-room'),
      'the skip for want of room',
    );
    expect(h.store.forRfq(waiting.id)).toBeUndefined();

    h.book.remove(first.rfq.id);
    await until(() => first.state === 'deleted', 'the quote on the closed RFQ to be deleted');
    await until(() => h.store.forRfq(waiting.id)?.state === 'open', 'the waiting RFQ to be quoted');
  });
});

describe('QuoteManager: the switches and the RFQ book', () => {
  it('pulls every live quote when the kill switch trips, turns RFQs away while it is on, and quotes again on resume', async () => {
    const { h } = await started();
    const quotes = [await quoted(h), await quoted(h)];
    h.killSwitch.trip('operator', 'manual');
    await until(() => quotes.every((q) => q.state === 'deleted'), 'every quote pulled');
    expect(quotes.map((q) => q.endReason)).toEqual(['kill switch: operator', 'kill switch: operator']);
    expect(h.exposure.liveQuotes()).toEqual([]);

    const blocked = h.rfq();
    h.book.upsert(blocked);
    const skip = await until(
      () => h.eventsOf('skipped').find((e) => e.rfqId === blocked.id),
      'the blocked skip',
    );
    expect(skip).toMatchObject({ cause: 'blocked', reason: 'kill switch: operator' });
    expect(h.store.forRfq(blocked.id)).toBeUndefined();

    expect((await h.killSwitch.resume('manual')).resumed).toBe(true);
    const open = (rfq: Rfq) => h.store.forRfq(rfq.id)?.state === 'open';
    await until(() => [blocked, ...quotes.map((q) => q.rfq)].every(open), 'every RFQ quoted again');
  });

  it("leaves a closed RFQ's quote to the exchange for closedRfqDeleteAfterMs, then deletes it", async () => {
    const { h, manager } = await started({ settings: { closedRfqDeleteAfterMs: 2_000 } });
    // The exchange cancels it with its RFQ and the watcher reports that: no delete is sent.
    const cancelled = await quoted(h);
    h.book.remove(cancelled.rfq.id);
    await h.clock.advanceAsync(SWEEP_MS);
    expect(cancelled.state).toBe('open');
    const reported = h.exchange.setStatus(cancelled.quoteId!, 'cancelled', {
      cancellationReason: 'rfq_closed',
    });
    manager.exchangeReported(reported, h.clock.now());
    await until(() => cancelled.state === 'cancelled', 'the cancel the exchange reported');
    expect(h.exposed(cancelled)).toBe(false);
    // Nothing reported: once the time is up the sweeper deletes it.
    const unreported = await quoted(h);
    h.book.remove(unreported.rfq.id);
    await h.clock.advanceAsync(SWEEP_MS);
    expect(unreported.state).toBe('open');
    expect(h.exchange.callsOf('deleteQuote')).toEqual([]);
    await h.clock.advanceAsync(2 * SWEEP_MS);
    await until(() => unreported.state === 'deleted', 'the delete after the wait');
    expect(unreported.endReason).toBe('rfq closed: the RFQ is no longer open');
    expect(h.exchange.callsOf('deleteQuote')).toHaveLength(1);
    expect(h.exposed(unreported)).toBe(false);
  });

  it('deletes our quote when its RFQ leaves the book, and reprices when the RFQ changes', async () => {
    const { h } = await started();
    const gone = await quoted(h);
    h.book.remove(gone.rfq.id);
    await until(() => gone.state === 'deleted', 'the delete');
    expect(gone.endReason).toBe('RFQ closed');

    const resized = await quoted(h);
    const bigger: Rfq = { ...resized.rfq, size: { kind: 'contracts', contracts: 2_000 } };
    h.exchange.rfqs.set(bigger.id, bigger);
    h.book.upsert(bigger);
    const next = await until(() => {
      const quote = h.store.forRfq(bigger.id);
      return quote !== resized && quote?.state === 'open' ? quote : undefined;
    }, 'the requote at the new size');
    expect(resized.state).toBe('deleted');
    expect(next.yesContracts).toBe(2_000);
  });

  it('on stop pulls every live quote and confirms nothing more', async () => {
    const { h, manager } = await started();
    const live = await quoted(h);
    const accepted = await quoted(h);
    const report = h.exchange.accept(accepted.quoteId!, 'yes');
    h.strategy.lastLook = async () => {
      await stopping;
      return true;
    };
    manager.exchangeReported(report, h.clock.now());
    const stopping = manager.stop();
    await stopping;
    expect(live.state).toBe('deleted');
    expect(live.endReason).toBe('shutting down');
    const declined = await until(() => h.eventsOf('declined')[0], 'the last look to decline');
    expect(declined.reason).toBe('shutting down');
    expect(h.exchange.callsOf('confirmQuote')).toEqual([]);
    running.splice(0);
    await h.stop();
  });
});

describe('QuoteManager: what the watcher reports', () => {
  it('reports each create once, with the time from first sight of the RFQ to the live quote', async () => {
    const { h } = await started();
    const create = h.exchange.hold<string>('createQuote');
    const rfq = h.rfq();
    h.book.upsert(rfq);
    await create.called;
    h.clock.advance(45);
    create.release();
    await until(() => h.eventsOf('created').length === 1, 'the created report');
    expect(h.eventsOf('created')).toEqual([{ type: 'created', rfqId: rfq.id, rfqToQuoteMs: 45 }]);
  });

  it('takes our quote seen at the exchange before its create answered for that create', async () => {
    const { h, manager } = await started();
    const create = h.exchange.hold<string>('createQuote', { lands: true });
    const rfq = h.rfq();
    h.book.upsert(rfq);
    await create.called;
    const pending = h.store.forRfq(rfq.id)!;
    const [landed] = h.exchange.openQuotes();
    manager.exchangeReported(landed!, h.clock.now());
    expect(pending.state).toBe('open');
    expect(pending.quoteId).toBe(landed!.id);
    expect(h.eventsOf('created')).toEqual([{ type: 'created', rfqId: rfq.id, rfqToQuoteMs: 0 }]);
    create.release();
    await until(() => h.eventsOf('exchangeResult').some((e) => e.ok), 'the create to return');
    expect(h.eventsOf('created')).toHaveLength(1);
    expect(pending.state).toBe('open');
    expect(h.store.byQuoteId(landed!.id)).toBe(pending);
    expect(h.exchange.callsOf('deleteQuote')).toEqual([]);
  });

  it('never takes a quote of an earlier run (same RFQ, same prices) for a create in flight: it deletes it', async () => {
    const { h, manager } = await started();
    const create = h.exchange.hold<string>('createQuote');
    const rfq = h.rfq();
    h.book.upsert(rfq);
    await create.called;
    const pending = h.store.forRfq(rfq.id)!;
    const orphan = {
      ...(await h.exchange.getQuote(
        rfq.id,
        await h.exchange.createQuote({
          rfqId: rfq.id,
          yesBid: pending.yesBid,
          noBid: pending.noBid,
          restRemainder: false,
        }),
      )),
    };
    manager.noteForeign([orphan.id]);
    manager.exchangeReported(orphan, h.clock.now());
    expect(pending.state).toBe('pending');
    // Work on one RFQ is serialised: the orphan's delete follows our create.
    create.release();
    await until(() => pending.state === 'open', 'our own create');
    expect(pending.quoteId).not.toBe(orphan.id);
    await until(() => h.exchange.callsOf('deleteQuote').length === 1, 'the orphan delete');
    expect(h.exchange.callsOf('deleteQuote')[0]?.args[1]).toBe(orphan.id);
    expect(pending.state).toBe('open');
  });

  it('follows the exchange: fills after executed become position, cancelled ends a live quote', async () => {
    const { h, manager } = await started();
    const filled = await quoted(h);
    manager.exchangeReported(h.exchange.accept(filled.quoteId!, 'yes'), h.clock.now());
    await until(() => filled.state === 'confirmed', 'the confirm');
    manager.exchangeReported(h.exchange.execute(filled.quoteId!), h.clock.now());
    expect(filled.state).toBe('executed');
    expect(h.exposure.position(filled.rfq.marketTicker)).toBe(0);
    await h.clock.advanceAsync(2_000);
    await until(() => filled.fillOutcome === 'filled', 'the fills');
    expect(h.exposure.position(filled.rfq.marketTicker)).toBe(1_000);

    const cancelled = await quoted(h);
    const report = h.exchange.setStatus(cancelled.quoteId!, 'cancelled', {
      cancellationReason: 'rfq_closed',
    });
    manager.exchangeReported(report, h.clock.now());
    expect(cancelled.state).toBe('cancelled');
    expect(cancelled.endReason).toBe('rfq_closed');
    expect(h.exposed(cancelled)).toBe(false);
  });
});

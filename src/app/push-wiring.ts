/**
 * The websocket push (poller.websocket): the communications stream feeds the rfq book, our
 * quotes' accepts and executions, and fills; the poller and the fill listing cover its gaps.
 */
import { compileRfqFilter } from '../rfq/filters.js';
import { RfqPushSource } from '../rfq/push-source.js';
import type { App } from './app.js';
import { wireFillPush } from './fill-wiring.js';
import { rfqFilterFrom } from './options-from-config.js';

/** The running parts the push feeds and wakes; read when a push arrives, after startup built them. */
export type PushHost = Pick<
  App,
  | 'config'
  | 'client'
  | 'manager'
  | 'watcher'
  | 'fillSync'
  | 'poller'
  | 'book'
  | 'metrics'
  | 'logger'
  | 'communicationsId'
  | 'liveBooks'
>;

/** The push source on `url`, not yet started: the app holds it before it connects. */
export function buildPushSource(host: PushHost, url: string): RfqPushSource {
  const config = host.config;
  const wakeWatcher = () => void host.watcher.checkNow().catch(() => undefined);
  const stream = host.client.communicationsStream({
    url,
    maxPayloadBytes: config.exchange.maxResponseBytes,
    fills: true,
    ownRfqs: true,
    books: host.liveBooks !== undefined,
  });
  const books = host.liveBooks;
  if (books) {
    stream.on('bookSnapshot', (event) => books.snapshot(event.ticker, event.yes, event.no));
    stream.on('bookDelta', (event) => books.delta(event.ticker, event.side, event.price, event.delta));
    stream.on('booksLost', (tickers) => books.lost(tickers));
    books.attach(stream);
  }
  wireFillPush(stream, {
    take: (fill) => host.manager.fills.take(fill, 'push'),
    sync: (reason) => void host.fillSync.sync(reason).catch(() => undefined),
  });
  stream.on('gap', () => host.metrics.pushIncident('gap'));
  stream.on('malformed', () => host.metrics.pushIncident('malformed'));
  return new RfqPushSource({
    stream,
    book: host.book,
    filter: compileRfqFilter(rfqFilterFrom(config)),
    ownCommunicationsId: () => host.communicationsId,
    // The current config's: a reload may change it.
    ignoreOwnRfqs: () => host.config.poller.ignoreOwnRfqs,
    fetchRfq: (rfqId) => host.client.getRfq(rfqId),
    onOwnQuoteAccepted: (event) => {
      host.manager.acceptPushed(event.quoteId, event.side, event.contractsAccepted);
      wakeWatcher();
    },
    onOwnQuoteExecuted: (event) => {
      host.manager.executionPushed(event.quoteId, event.orderId);
      wakeWatcher();
    },
    // Pushes were lost: the listing finds what they carried without waiting for the next poll.
    onGap: () => host.poller.requestCycle(),
    onDeferred: (rfqId) => host.poller.requestHead(rfqId),
    logger: host.logger.child({ module: 'push' }),
    onStateChange: (connected) => host.metrics.pushState(connected),
  });
}

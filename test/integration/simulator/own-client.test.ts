import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { dollars } from '../../../src/domain/money.js';
import type { Rfq } from '../../../src/domain/types.js';
import {
  AuthenticationError,
  BadRequestError,
  KalshiClient,
  makeCredentials,
  RateLimitError,
} from '../../../src/kalshi/index.js';
import { compileRfqFilter } from '../../../src/rfq/filters.js';
import { RfqPushSource } from '../../../src/rfq/push-source.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';
import {
  type SimTestUser,
  startTestSimulator,
  type TestSimulator,
  waitFor,
} from '../../helpers/simulator.js';

const silent = pino({ level: 'silent' });
const MARKET = 'KXFEDDECISION-26DEC-H0';

function clientFor(ts: TestSimulator, user: SimTestUser, options: { retries?: number } = {}): KalshiClient {
  return new KalshiClient({
    baseUrl: ts.sim.apiBase,
    credentials: makeCredentials(user.keyId, { pem: user.key.privatePem }),
    logger: silent,
    retry: {
      readAttempts: options.retries ?? 1,
      writeAttempts: options.retries ?? 1,
      baseDelayMs: 1,
      maxDelayMs: 2,
    },
    sleep: async () => {},
  });
}

async function openRfq(maker: KalshiClient, taker: KalshiClient, contracts = 500): Promise<Rfq> {
  const id = await taker.createRfq({ marketTicker: MARKET, contracts, restRemainder: false });
  return maker.getRfq(id);
}

/** The simulator driven through the bot's own client, path by path. */
describe('the simulator through the project’s own Kalshi client', () => {
  it('serves every read the bot makes', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const client = clientFor(ts, ts.users[0]!);
    expect(await client.getCommunicationsId()).toBe(ts.users[0]!.communicationsId);
    const market = await client.getMarket(MARKET);
    expect(market.priceGrid.length).toBeGreaterThan(0);
    const book = await client.getOrderBook(MARKET);
    expect(book.yes.length + book.no.length).toBeGreaterThan(0);
    const event = await client.getEvent(market.eventTicker);
    expect(event.marketTickers).toContain(MARKET);
    const fees = await client.getSeriesFees(event.seriesTicker);
    expect(fees.type).toMatch(/quadratic/);
    const markets: string[] = [];
    for await (const m of client.markets({ limit: 10 })) markets.push(m.ticker);
    expect(markets.length).toBeGreaterThan(20);
    expect((await client.getBalance()).balance).toBe(10_000_000_000);
    expect(await client.allPositions()).toEqual({ marketPositions: [], eventPositions: [] });
    const fills = [];
    for await (const f of client.fills({})) fills.push(f);
    expect(fills).toEqual([]);
    const limits = await client.getApiLimits();
    expect(limits.write).toEqual({ refillRate: 100, capacity: 100 });
    const costs = await client.getEndpointCosts();
    expect(costs.defaultCost).toBe(10);
    expect((await client.getExchangeStatus()).tradingActive).toBe(true);
  });

  it('runs the whole RFQ life cycle in both path families, with fills and positions', async () => {
    for (const pathStyle of ['rfq-scoped', 'legacy'] as const) {
      const ts = await startTestSimulator({
        userCount: 2,
        lifecycle: {
          confirmWindowMs: 5_000,
          executionDelayMs: 50,
          hvConfirmWindowMs: 5_000,
          hvExecutionDelayMs: 50,
        },
      });
      const [makerUser, takerUser] = ts.users;
      const base = { baseUrl: ts.sim.apiBase, logger: silent, pathStyle };
      const maker = new KalshiClient({
        ...base,
        credentials: makeCredentials(makerUser!.keyId, { pem: makerUser!.key.privatePem }),
      });
      const taker = new KalshiClient({
        ...base,
        credentials: makeCredentials(takerUser!.keyId, { pem: takerUser!.key.privatePem }),
      });

      const rfq = await openRfq(maker, taker, 1000);
      expect(rfq.size).toEqual({ kind: 'contracts', contracts: 1000 });
      const open: Rfq[] = [];
      for await (const r of maker.rfqs({ status: 'open' })) open.push(r);
      expect(open.map((r) => r.id)).toContain(rfq.id);

      // A replaced quote, then accept, confirm, execution.
      const first = await maker.createQuote({
        rfqId: rfq.id,
        yesBid: dollars('0.40'),
        noBid: dollars('0.50'),
        restRemainder: false,
      });
      const second = await maker.createQuote({
        rfqId: rfq.id,
        yesBid: dollars('0.41'),
        noBid: dollars('0.50'),
        restRemainder: false,
      });
      expect((await maker.getQuote(rfq.id, first)).status).toBe('cancelled');
      await taker.acceptQuote(rfq.id, second, 'yes');
      const accepted = await maker.getQuote(rfq.id, second);
      expect(accepted).toMatchObject({ status: 'accepted', acceptedSide: 'yes', yesBid: 410_000 });
      expect(await maker.deleteQuote(rfq.id, second)).toEqual({ outcome: 'not_found' });
      await maker.confirmQuote(rfq.id, second, { deadline: Date.now() + 5_000 });
      await waitFor(async () => (await maker.getQuote(rfq.id, second)).status === 'executed', {
        what: 'execution',
      });

      const mine = await maker.allPositions();
      expect(mine.marketPositions).toEqual([expect.objectContaining({ ticker: MARKET, position: 1000 })]);
      const theirs = await taker.allPositions();
      expect(theirs.marketPositions).toEqual([expect.objectContaining({ ticker: MARKET, position: -1000 })]);
      const fills = [];
      for await (const f of maker.fills({})) fills.push(f);
      expect(fills).toEqual([
        expect.objectContaining({ outcomeSide: 'yes', count: 1000, yesPrice: 410_000, isTaker: false }),
      ]);
      const ours = [];
      for await (const q of maker.quotes({ userFilter: 'self', minTs: Date.now() - 60_000 })) ours.push(q.id);
      expect(ours.sort()).toEqual([first, second].sort());
      await ts.stop();
    }
  });

  it('reads an execution’s order and its fills by order id, and cancels a resting remainder (V2)', async () => {
    const ts = await startTestSimulator({
      userCount: 2,
      truth: { bookExecution: true },
      lifecycle: {
        confirmWindowMs: 5_000,
        executionDelayMs: 50,
        hvConfirmWindowMs: 5_000,
        hvExecutionDelayMs: 50,
      },
    });
    const maker = clientFor(ts, ts.users[0]!);
    const taker = clientFor(ts, ts.users[1]!);
    const rfq = await openRfq(maker, taker, 1000);
    const quoteId = await maker.createQuote({
      rfqId: rfq.id,
      yesBid: dollars('0.40'),
      noBid: dollars('0.50'),
      restRemainder: true,
      postOnly: true,
    });
    const accept = await ts.admin('POST', `/_sim/quotes/${quoteId}/accept`, {
      accepted_side: 'yes',
      contracts: 4,
    });
    expect(accept.status).toBe(200);
    const accepted = await maker.getQuote(rfq.id, quoteId);
    expect(accepted).toMatchObject({ status: 'accepted', contractsAccepted: 400 });
    await maker.confirmQuote(rfq.id, quoteId, { deadline: Date.now() + 5_000 });
    const executed = await waitFor(
      async () => {
        const quote = await maker.getQuote(rfq.id, quoteId);
        return quote.status === 'executed' && quote;
      },
      { what: 'execution' },
    );
    const orderId = executed.creatorOrderId!;
    expect(await maker.getOrder(orderId)).toMatchObject({
      orderId,
      ticker: MARKET,
      side: 'yes',
      status: 'resting',
      price: 400_000,
      filled: 400,
      remaining: 600,
      initial: 1000,
    });
    const listed = [];
    for await (const order of maker.orders({ status: 'resting' })) listed.push(order.orderId);
    expect(listed).toEqual([orderId]);
    const fills = [];
    for await (const fill of maker.fills({ orderId })) fills.push(fill);
    expect(fills).toEqual([
      expect.objectContaining({ orderId, count: 400, outcomeSide: 'yes', tradeId: fills[0]?.fillId }),
    ]);
    expect(await maker.cancelOrder(orderId)).toEqual({ outcome: 'cancelled', reducedBy: 600 });
    expect(await maker.getOrder(orderId)).toMatchObject({ status: 'canceled', remaining: 0 });
    expect(await maker.cancelOrder(orderId)).toEqual({ outcome: 'not_found' });
  });

  it('an expired confirm is a BadRequestError with code expired; delete and RFQ deletion work', async () => {
    const clock = new ManualClock(Date.now());
    const ts = await startTestSimulator({
      userCount: 2,
      clock,
      lifecycle: {
        confirmWindowMs: 200,
        executionDelayMs: 50,
        hvConfirmWindowMs: 200,
        hvExecutionDelayMs: 50,
      },
    });
    const maker = clientFor(ts, ts.users[0]!);
    const taker = clientFor(ts, ts.users[1]!);
    const rfq = await openRfq(maker, taker);
    const quote = await maker.createQuote({
      rfqId: rfq.id,
      yesBid: dollars('0.30'),
      noBid: dollars('0.60'),
      restRemainder: false,
    });
    await taker.acceptQuote(rfq.id, quote, 'no');
    clock.advance(300); // the exchange's confirm window passes
    const error = await maker
      .confirmQuote(rfq.id, quote, { deadline: Date.now() + 5_000 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BadRequestError);
    expect((error as BadRequestError).isExchangeCode('expired')).toBe(true);

    const other = await openRfq(maker, clientFor(ts, ts.addUser()));
    const live = await maker.createQuote({
      rfqId: other.id,
      yesBid: dollars('0.30'),
      noBid: dollars('0.60'),
      restRemainder: false,
    });
    expect(await maker.deleteQuote(other.id, live)).toEqual({ outcome: 'deleted' });
    const own = await maker.createRfq({
      marketTicker: 'KXCPI-26DEC-T0.3',
      contracts: 100,
      restRemainder: false,
    });
    expect(await maker.deleteRfq(own)).toEqual({ outcome: 'deleted' });
    expect((await maker.getRfq(own)).status).toBe('closed');
    const closedQuote = await maker
      .createQuote({ rfqId: own, yesBid: dollars('0.30'), noBid: dollars('0.60'), restRemainder: false })
      .catch((e: unknown) => e);
    expect((closedQuote as BadRequestError).isExchangeCode('rfq_closed')).toBe(true);
  });

  it('over budget is a RateLimitError; a wrong key is an AuthenticationError', async () => {
    const ts = await startTestSimulator({
      userCount: 1,
      rateLimits: { read: { refillRate: 1, capacity: 20 }, write: { refillRate: 1, capacity: 10 } },
    });
    const client = clientFor(ts, ts.users[0]!);
    await client.getCommunicationsId();
    await client.getCommunicationsId();
    await expect(client.getCommunicationsId()).rejects.toBeInstanceOf(RateLimitError);

    const stranger = ts.addUser();
    const wrongKey = new KalshiClient({
      baseUrl: ts.sim.apiBase,
      credentials: makeCredentials(stranger.keyId, { pem: ts.users[0]!.key.privatePem }),
      logger: silent,
      retry: { readAttempts: 1 },
    });
    await expect(wrongKey.getCommunicationsId()).rejects.toBeInstanceOf(AuthenticationError);
  });

  it('pushes RFQs to the websocket source the bot uses', async () => {
    const ts = await startTestSimulator({ userCount: 2 });
    const [makerUser, takerUser] = ts.users;
    const maker = clientFor(ts, makerUser!);
    const taker = clientFor(ts, takerUser!);
    const book = new RfqBook();
    const accepted: string[] = [];
    const push = new RfqPushSource({
      stream: maker.communicationsStream({ url: ts.sim.wsUrl }),
      book,
      filter: compileRfqFilter({ eventTickers: [], marketTickers: [], tickerGlobs: [] }),
      ownCommunicationsId: () => makerUser!.communicationsId,
      fetchRfq: (id) => maker.getRfq(id),
      onOwnQuoteAccepted: (event) => accepted.push(`quote_accepted:${event.quoteId}`),
      logger: silent,
    });
    push.start();
    try {
      // Connected means subscribed: pushes flow from here on.
      await waitFor(() => push.connected, { what: 'the websocket' });
      const rfq = await openRfq(maker, taker, 300);
      await waitFor(() => book.has(rfq.id), { what: 'rfq_created' });
      const quote = await maker.createQuote({
        rfqId: rfq.id,
        yesBid: dollars('0.30'),
        noBid: dollars('0.60'),
        restRemainder: false,
      });
      await taker.acceptQuote(rfq.id, quote, 'yes');
      await waitFor(() => accepted.includes(`quote_accepted:${quote}`), { what: 'quote_accepted' });
      await taker.deleteRfq(rfq.id);
      await waitFor(() => !book.has(rfq.id), { what: 'rfq_deleted' });
    } finally {
      await push.stop();
    }
  });
});

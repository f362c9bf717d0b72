import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/simulator/index.js';
import { connectWs, type SimTestUser, startTestSimulator, waitFor } from '../../helpers/simulator.js';

type Msg = Record<string, unknown>;
const ofType = (type: string) => (m: Msg) => m['type'] === type;
const msgOf = (m: Msg) => m['msg'] as Record<string, unknown>;

describe('simulator websocket', () => {
  it('refuses an unsigned or badly signed upgrade with 401', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const u = t.users[0] as SimTestUser;
    await expect(connectWs(t.sim, u.key, { signedPath: '/trade-api/v2', teardown: false })).rejects.toThrow(
      /401/,
    );
    await expect(
      connectWs(t.sim, u.key, { timestampMs: Date.now() - 120_000, teardown: false }),
    ).rejects.toThrow(/401/);
    const ok = await connectWs(t.sim, u.key);
    expect(ok.ws.readyState).toBe(ok.ws.OPEN);
  });

  it('delivers the communications channel: rfq_created/deleted to all, quote events only to the two parties', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestSimulator({ userCount: 3, clock });
    const [requester, maker, bystander] = t.users as [SimTestUser, SimTestUser, SimTestUser];
    const rws = await connectWs(t.sim, requester.key);
    const mws = await connectWs(t.sim, maker.key);
    const bws = await connectWs(t.sim, bystander.key);
    for (const c of [rws, mws, bws])
      c.send({ id: 1, cmd: 'subscribe', params: { channels: ['communications'] } });
    for (const c of [rws, mws, bws]) {
      expect(await c.next(ofType('subscribed'))).toEqual({
        id: 1,
        type: 'subscribed',
        msg: { channel: 'communications', sid: 1 },
      });
    }

    const rfqId = (
      await requester.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.3',
        rest_remainder: false,
        contracts: 4,
      })
    ).data.id;
    const created = await mws.next(ofType('rfq_created'));
    expect(created).toMatchObject({ type: 'rfq_created', sid: 1, seq: 1 });
    expect(typeof created['sending_ts_ms']).toBe('number');
    expect(msgOf(created)).toMatchObject({
      id: rfqId,
      // Kalshi's page: "Currently empty for rfq_created events"
      creator_id: '',
      market_ticker: 'KXCPI-26DEC-T0.3',
      event_ticker: 'KXCPI-26DEC',
      contracts_fp: '4.00',
    });
    expect(msgOf(created)['created_ts']).toMatch(/Z$/);
    await bws.next(ofType('rfq_created'));

    const quoteId = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.45',
        no_bid: '0.50',
        rest_remainder: false,
      })
    ).data.id;
    const qc = await rws.next(ofType('quote_created'));
    expect(msgOf(qc)).toMatchObject({
      quote_id: quoteId,
      rfq_id: rfqId,
      quote_creator_id: maker.communicationsId,
      rfq_creator_id: requester.communicationsId,
      yes_bid_dollars: '0.4500',
      no_bid_dollars: '0.5000',
      yes_contracts_offered_fp: '4.00',
      no_contracts_offered_fp: '4.00',
    });
    expect(msgOf(qc)['subaccount']).toBeUndefined(); // the maker's subaccount is not the requester's business
    // "present only when your side of this quote used a subaccount": the primary account did not
    expect(msgOf(await mws.next(ofType('quote_created')))['subaccount']).toBeUndefined();

    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'no' });
    const qa = await mws.next(ofType('quote_accepted'));
    expect(msgOf(qa)).toMatchObject({
      quote_id: quoteId,
      accepted_side: 'no',
      contracts_accepted_fp: '4.00',
    });
    expect(msgOf(qa)['created_ts']).toBeUndefined();
    await maker.communications.confirmRFQQuote(rfqId, quoteId);
    clock.advance(15_000);
    const mx = await mws.next(ofType('quote_executed'));
    const rx = await rws.next(ofType('quote_executed'));
    const makerQuote = (await maker.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    const requesterQuote = (await requester.communications.getRFQQuote(rfqId, quoteId)).data.quote;
    expect(msgOf(mx)['order_id']).toBe(makerQuote.creator_order_id);
    expect(msgOf(rx)['order_id']).toBe(requesterQuote.rfq_creator_order_id);
    expect(msgOf(mx)['client_order_id']).toEqual(expect.any(String));
    expect(msgOf(mx)['executed_ts']).toMatch(/Z$/);
    const deleted = await bws.next(ofType('rfq_deleted'));
    expect(msgOf(deleted)).toMatchObject({
      id: rfqId,
      creator_id: requester.communicationsId,
      market_ticker: 'KXCPI-26DEC-T0.3',
    });

    // the bystander saw the RFQ events but none of the quote events
    expect(bws.messages.map((m) => m['type'])).toEqual(['subscribed', 'rfq_created', 'rfq_deleted']);
    // seq increments per subscription without gaps
    const seqs = mws.messages
      .filter((m) => m['sid'] === 1 && typeof m['seq'] === 'number')
      .map((m) => m['seq']);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('omits contracts_accepted_fp on a target-cost accept; user_filter=self limits RFQ events to own RFQs', async () => {
    const t = await startTestSimulator({ userCount: 2 });
    const [requester, maker] = t.users as [SimTestUser, SimTestUser];
    const mws = await connectWs(t.sim, maker.key);
    const self = await connectWs(t.sim, requester.key);
    mws.send({ id: 7, cmd: 'subscribe', params: { channels: ['communications'] } });
    self.send({ id: 1, cmd: 'subscribe', params: { channels: ['communications'], user_filter: 'self' } });
    await mws.next(ofType('subscribed'));
    await self.next(ofType('subscribed'));
    await t.admin('POST', '/_sim/rfqs', { market_ticker: 'KXCPI-26DEC-T0.2', contracts: 1 });
    const rfqId = (
      await requester.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.5',
        rest_remainder: false,
        target_cost_dollars: '20.00',
      })
    ).data.id;
    const own = await self.next(ofType('rfq_created'));
    expect(msgOf(own)).toMatchObject({ id: rfqId, target_cost_dollars: '20.0000' });
    expect(self.messages.filter(ofType('rfq_created'))).toHaveLength(1);
    await mws.next((m) => m['type'] === 'rfq_created' && msgOf(m)['id'] === rfqId);
    const quoteId = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.05',
        no_bid: '0.90',
        rest_remainder: false,
      })
    ).data.id;
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'no' });
    const qa = msgOf(await mws.next(ofType('quote_accepted')));
    expect(qa['contracts_accepted_fp']).toBeUndefined();
    expect(qa['rfq_target_cost_dollars']).toBe('20.0000');
    expect(Number(qa['no_contracts_offered_fp'])).toBeGreaterThan(0);
  });

  it('answers commands and errors with Kalshi codes; delivers fills; sends heartbeat pings', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestSimulator({ userCount: 2, clock, wsPingIntervalMs: 50 });
    const [requester, maker] = t.users as [SimTestUser, SimTestUser];
    const c = await connectWs(t.sim, maker.key);
    c.send({ id: 1, cmd: 'subscribe', params: { channels: ['fill', 'communications'] } });
    await c.next((m) => m['type'] === 'subscribed' && msgOf(m)['channel'] === 'communications');
    c.send({ id: 2, cmd: 'subscribe', params: {} });
    expect(await c.next((m) => m['id'] === 2)).toEqual({
      id: 2,
      type: 'error',
      msg: { code: 3, msg: 'Channels required' },
    });
    c.send({ id: 3, cmd: 'subscribe', params: { channels: ['no_such_channel'] } });
    expect(msgOf(await c.next((m) => m['id'] === 3))['code']).toBe(8);
    c.send({ id: 4, cmd: 'dance' });
    expect(msgOf(await c.next((m) => m['id'] === 4))['code']).toBe(5);
    c.send({ id: 5, cmd: 'subscribe' });
    expect(msgOf(await c.next((m) => m['id'] === 5))['code']).toBe(2);
    c.send({
      id: 6,
      cmd: 'subscribe',
      params: { channels: ['communications'], shard_factor: 4, shard_key: 4 },
    });
    expect(msgOf(await c.next((m) => m['id'] === 6))['code']).toBe(21);
    c.send({ id: 7, cmd: 'unsubscribe', params: { sids: [99] } });
    expect(msgOf(await c.next((m) => m['id'] === 7))['code']).toBe(7);
    c.send({ id: 8, cmd: 'list_subscriptions' });
    expect(await c.next((m) => m['id'] === 8)).toEqual({
      id: 8,
      type: 'ok',
      msg: [
        { channel: 'fill', sid: 1 },
        { channel: 'communications', sid: 2 },
      ],
    });
    c.ws.send('not json');
    expect(msgOf(await c.next((m) => m['type'] === 'error' && m['id'] === undefined))['code']).toBe(1);

    const rfqId = (
      await requester.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.3',
        rest_remainder: false,
        contracts: 2,
      })
    ).data.id;
    const quoteId = (
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.45',
        no_bid: '0.50',
        rest_remainder: false,
      })
    ).data.id;
    await requester.communications.acceptRFQQuote(rfqId, quoteId, { accepted_side: 'yes' });
    await maker.communications.confirmRFQQuote(rfqId, quoteId);
    clock.advance(15_000);
    const fill = msgOf(await c.next(ofType('fill')));
    expect(fill).toMatchObject({
      market_ticker: 'KXCPI-26DEC-T0.3',
      is_taker: false,
      outcome_side: 'yes',
      yes_price_dollars: '0.450000',
      count_fp: '2.00',
      post_position_fp: '2.00',
    });

    c.send({ id: 9, cmd: 'unsubscribe', params: { sids: [2] } });
    expect(await c.next((m) => m['id'] === 9)).toMatchObject({ type: 'unsubscribed', sid: 2 });
    await waitFor(() => c.pings.length > 0, { timeoutMs: 5_000, what: 'a heartbeat ping' });
    expect(c.pings[0]).toBe('heartbeat');
    const stats = (await t.admin<{ ws_connections: number }>('GET', '/_sim/stats')).body;
    expect(stats.ws_connections).toBe(1);
  });
});

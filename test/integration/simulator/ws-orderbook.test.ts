import { describe, expect, it } from 'vitest';
import { connectWs, type SimTestUser, type WsClient } from '../../helpers/simulator.js';
import { micros, restedRemainder, truthSimulator } from '../../helpers/truth.js';

type Msg = Record<string, unknown>;
type Side = 'yes' | 'no';
/** price (micros) → count (centi-contracts), per side. */
type Book = Record<Side, Map<number, number>>;

const msgOf = (m: Msg) => m['msg'] as Record<string, unknown>;
const isBookFrame = (m: Msg) => m['type'] === 'orderbook_snapshot' || m['type'] === 'orderbook_delta';
const centis = (count: string) => Math.round(Number(count) * 100);

// fair 0.48 on a 1¢ grid; two more markets of the same event
const CPI = 'KXCPI-26DEC-T0.3';
const CPI4 = 'KXCPI-26DEC-T0.4';
const CPI5 = 'KXCPI-26DEC-T0.5';

function bookOf(levels: { yes?: unknown; no?: unknown }): Book {
  const side = (list: unknown) =>
    new Map(((list ?? []) as [string, string][]).map(([p, c]) => [micros(p), centis(c)]));
  return { yes: side(levels.yes), no: side(levels.no) };
}

/** What `GET /markets/{ticker}/orderbook` shows now, parsed. */
async function restBook(user: SimTestUser, ticker: string): Promise<Book> {
  const book = (await user.markets.getMarketOrderbook(ticker)).data.orderbook_fp;
  return bookOf({ yes: book.yes_dollars, no: book.no_dollars });
}

/** A client's book of `ticker` on `sid`: its last snapshot with every later delta applied. */
function clientBook(c: WsClient, sid: number, ticker: string): Book {
  const frames = c.messages.filter(
    (m) => m['sid'] === sid && isBookFrame(m) && msgOf(m)['market_ticker'] === ticker,
  );
  const at = frames.findLastIndex((m) => m['type'] === 'orderbook_snapshot');
  if (at < 0) throw new Error(`no snapshot of ${ticker} on sid ${sid}`);
  const snap = msgOf(frames[at] as Msg);
  const book = bookOf({ yes: snap['yes_dollars_fp'], no: snap['no_dollars_fp'] });
  for (const frame of frames.slice(at + 1)) {
    const d = msgOf(frame);
    const level = book[d['side'] as Side];
    const price = micros(d['price_dollars'] as string);
    const after = (level.get(price) ?? 0) + centis(d['delta_fp'] as string);
    expect(after, `level ${d['side']} ${d['price_dollars']} went negative`).toBeGreaterThanOrEqual(0);
    if (after === 0) level.delete(price);
    else level.set(price, after);
  }
  return book;
}

const deltasOf = (c: WsClient, sid: number, ticker?: string) =>
  c.messages.filter(
    (m) =>
      m['type'] === 'orderbook_delta' &&
      m['sid'] === sid &&
      (ticker === undefined || msgOf(m)['market_ticker'] === ticker),
  );

/** Every data frame of `sid` carries seq 1, 2, 3, … in order. */
function expectConsecutive(c: WsClient, sid: number): void {
  const seqs = c.messages.filter((m) => m['sid'] === sid && isBookFrame(m)).map((m) => m['seq']);
  expect(seqs.length).toBeGreaterThan(0);
  expect(seqs).toEqual(seqs.map((_, i) => i + 1));
}

let nextId = 1000;
/** A command round trip: every frame the server sent before its answer has arrived. */
async function settle(c: WsClient): Promise<void> {
  const id = ++nextId;
  c.send({ id, cmd: 'list_subscriptions' });
  await c.next((m) => m['id'] === id);
}

/** The client's book after every frame so far equals the REST book. */
async function expectInSync(c: WsClient, sid: number, user: SimTestUser, ticker: string): Promise<void> {
  await settle(c);
  expect(clientBook(c, sid, ticker)).toEqual(await restBook(user, ticker));
}

async function command(c: WsClient, cmd: string, params: Msg): Promise<Msg> {
  const id = ++nextId;
  c.send({ id, cmd, params });
  return c.next((m) => m['id'] === id);
}

async function subscribe(c: WsClient, params: Msg): Promise<number> {
  const answer = await command(c, 'subscribe', { channels: ['orderbook_delta'], ...params });
  expect(answer).toMatchObject({ type: 'subscribed', msg: { channel: 'orderbook_delta' } });
  return msgOf(answer)['sid'] as number;
}

describe('simulator websocket: orderbook_delta', () => {
  it('refuses a subscribe without markets (14) or with an unknown one (16); update_subscription errors', async () => {
    const { t, maker } = await truthSimulator();
    const c = await connectWs(t.sim, maker.key);
    expect(await command(c, 'subscribe', { channels: ['orderbook_delta'] })).toEqual({
      id: nextId,
      type: 'error',
      msg: { code: 14, msg: 'Market ticker required' },
    });
    expect(
      await command(c, 'subscribe', {
        channels: ['orderbook_delta'],
        market_tickers: [CPI, 'NO-SUCH-MARKET'],
      }),
    ).toEqual({ id: nextId, type: 'error', msg: { code: 16, msg: 'Market not found' } });
    expect(
      await command(c, 'subscribe', { channels: ['orderbook_delta'], market_ticker: 'NOPE' }),
    ).toMatchObject({
      type: 'error',
      msg: { code: 16 },
    });
    // nothing was subscribed, nothing was sent
    expect((await command(c, 'list_subscriptions', {}))['msg']).toEqual([]);
    expect(c.messages.filter(isBookFrame)).toEqual([]);

    const sid = await subscribe(c, { market_ticker: CPI });
    const comms = msgOf(await command(c, 'subscribe', { channels: ['communications'] }))['sid'];
    const code = async (params: Msg) => msgOf(await command(c, 'update_subscription', params))['code'];
    // the RFQ channel still has nothing to update
    expect(await code({ sids: [comms], action: 'add_markets', market_tickers: [CPI4] })).toBe(13);
    expect(await code({ sids: [sid], action: 'frobnicate', market_tickers: [CPI4] })).toBe(13);
    expect(await code({ sids: [sid] })).toBe(15);
    expect(await code({ sids: [sid], action: 'add_markets' })).toBe(14);
    expect(await code({ sids: [sid], action: 'delete_markets' })).toBe(14);
    // get_snapshot takes only market_tickers (changelog 2026-04-20)
    expect(await code({ sids: [sid], action: 'get_snapshot', market_ticker: CPI })).toBe(14);
    expect(await code({ sids: [sid], action: 'add_markets', market_tickers: [CPI4, 'NOPE'] })).toBe(16);
    // the refused add changed nothing
    const ok = await command(c, 'update_subscription', {
      sids: [sid],
      action: 'delete_markets',
      market_tickers: [CPI5],
    });
    expect(ok).toMatchObject({ type: 'ok', sid, msg: { market_tickers: [CPI] } });
  });

  it('sends a snapshot per market equal to the REST orderbook (an empty side has no key)', async () => {
    const { t, maker } = await truthSimulator();
    // YES at 0.01: no YES bid fits above 0
    await t.admin('PUT', `/_sim/markets/${CPI5}`, { fair_dollars: '0.01' });
    const c = await connectWs(t.sim, maker.key);
    const sid = await subscribe(c, { market_ticker: CPI, market_tickers: [CPI4, CPI5] });
    await settle(c);
    const snapshots = c.messages.filter((m) => m['type'] === 'orderbook_snapshot');
    expect(snapshots.map((m) => [m['sid'], m['seq'], msgOf(m)['market_ticker']])).toEqual([
      [sid, 1, CPI],
      [sid, 2, CPI4],
      [sid, 3, CPI5],
    ]);
    for (const snap of snapshots) {
      const msg = msgOf(snap);
      const ticker = msg['market_ticker'] as string;
      const rest = (await maker.markets.getMarketOrderbook(ticker)).data.orderbook_fp;
      expect(msg['market_id']).toBe(ticker);
      // the same strings as REST: dollars4 prices, 2-dp counts, ascending
      expect(msg['yes_dollars_fp'] ?? []).toEqual(rest.yes_dollars);
      expect(msg['no_dollars_fp'] ?? []).toEqual(rest.no_dollars);
      expect(clientBook(c, sid, ticker)).toEqual(await restBook(maker, ticker));
      expect(typeof snap['sending_ts_ms']).toBe('number');
    }
    const cpi = msgOf(snapshots[0] as Msg);
    expect((cpi['yes_dollars_fp'] as unknown[]).length).toBeGreaterThan(0);
    expect((cpi['no_dollars_fp'] as unknown[]).length).toBeGreaterThan(0);
    const empty = msgOf(snapshots[2] as Msg);
    expect('yes_dollars_fp' in empty).toBe(false);
    expect((empty['no_dollars_fp'] as unknown[]).length).toBeGreaterThan(0);
  });

  it('keeps a client book equal to REST through walk steps, a resting order, its cancel, a new fair value and a sweep', async () => {
    const s = await truthSimulator({ bookExecution: true }, { walkIntervalMs: 1000 });
    const { t, clock, maker } = s;
    const c = await connectWs(t.sim, maker.key);
    const sid = await subscribe(c, { market_tickers: [CPI] });

    // random-walk steps rebuild the synthetic levels
    clock.advance(3_000);
    await expectInSync(c, sid, maker, CPI);
    const afterWalk = deltasOf(c, sid).length;
    expect(afterWalk).toBeGreaterThan(0);
    const delta = deltasOf(c, sid)[0] as Msg;
    expect(delta).toMatchObject({ type: 'orderbook_delta', sid });
    expect(msgOf(delta)).toEqual({
      market_ticker: CPI,
      market_id: CPI,
      price_dollars: expect.stringMatching(/^0\.\d{4}$/),
      delta_fp: expect.stringMatching(/^-?\d+\.\d{2}$/),
      side: expect.stringMatching(/^(yes|no)$/),
      ts_ms: clock.now(),
    });

    // a partially accepted leg with rest_remainder rests 6 at 0.30 (below every synthetic YES bid)
    const { orderId } = await restedRemainder(
      s,
      { ticker: CPI, contracts: 10, yesBid: '0.30', noBid: '0.40', postOnly: true },
      { side: 'yes', contracts: 4 },
    );
    expect((await maker.orders.getOrder(orderId)).data.order.status).toBe('resting');
    await expectInSync(c, sid, maker, CPI);
    expect(deltasOf(c, sid).map((m) => msgOf(m))).toContainEqual(
      expect.objectContaining({ side: 'yes', price_dollars: '0.3000', delta_fp: '6.00' }),
    );

    // the cancel takes exactly that level away, in one delta
    const before = deltasOf(c, sid).length;
    await maker.orders.cancelOrderV2(orderId);
    await expectInSync(c, sid, maker, CPI);
    expect(
      deltasOf(c, sid)
        .slice(before)
        .map((m) => msgOf(m)),
    ).toEqual([expect.objectContaining({ side: 'yes', price_dollars: '0.3000', delta_fp: '-6.00' })]);

    // a new fair value moves every level
    const beforeFair = deltasOf(c, sid).length;
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.70' });
    await expectInSync(c, sid, maker, CPI);
    expect(deltasOf(c, sid).length).toBeGreaterThan(beforeFair);

    // a fresh NO bid at 0.40 sweeps the YES bids at and above 0.60, then rests
    const beforeSweep = deltasOf(c, sid).length;
    await t.admin('POST', `/_sim/markets/${CPI}/liquidity`, {
      side: 'no',
      price_dollars: '0.40',
      contracts: 7,
    });
    await expectInSync(c, sid, maker, CPI);
    const sweep = deltasOf(c, sid)
      .slice(beforeSweep)
      .map((m) => msgOf(m));
    expect(sweep).toContainEqual(expect.objectContaining({ side: 'no', price_dollars: '0.4000' }));
    expect(sweep.some((d) => d['side'] === 'yes' && (d['delta_fp'] as string).startsWith('-'))).toBe(true);

    expectConsecutive(c, sid);
    // one coalesced delta per changed level per turn: no zero deltas
    expect(deltasOf(c, sid).every((m) => centis(msgOf(m)['delta_fp'] as string) !== 0)).toBe(true);
  });

  it('adds markets (snapshot, then deltas), deletes them (no more frames) and resends a snapshot on get_snapshot', async () => {
    const { t, maker } = await truthSimulator();
    const c = await connectWs(t.sim, maker.key);
    const sid = await subscribe(c, { market_ticker: CPI });

    const added = await command(c, 'update_subscription', {
      sids: [sid],
      action: 'add_markets',
      market_tickers: [CPI4],
    });
    expect(added).toEqual({ id: nextId, type: 'ok', sid, seq: 2, msg: { market_tickers: [CPI, CPI4] } });
    const snap4 = c.messages.filter(
      (m) => m['type'] === 'orderbook_snapshot' && msgOf(m)['market_ticker'] === CPI4,
    );
    expect(snap4).toHaveLength(1);
    expect(snap4[0]).toMatchObject({ sid, seq: 2 });
    expect(clientBook(c, sid, CPI4)).toEqual(await restBook(maker, CPI4));
    await t.admin('PUT', `/_sim/markets/${CPI4}`, { fair_dollars: '0.30' });
    await expectInSync(c, sid, maker, CPI4);
    expect(deltasOf(c, sid, CPI4).length).toBeGreaterThan(0);

    // get_snapshot: a fresh snapshot of a subscribed market, the subscription unchanged
    const snapshotsOf = (ticker: string) =>
      c.messages.filter((m) => m['type'] === 'orderbook_snapshot' && msgOf(m)['market_ticker'] === ticker);
    expect(snapshotsOf(CPI)).toHaveLength(1);
    const again = await command(c, 'update_subscription', {
      sid,
      action: 'get_snapshot',
      market_tickers: [CPI],
    });
    expect(again).toMatchObject({ type: 'ok', sid, msg: { market_tickers: [CPI, CPI4] } });
    expect(snapshotsOf(CPI)).toHaveLength(2);
    expect(msgOf(snapshotsOf(CPI)[1] as Msg)['yes_dollars_fp']).toEqual(
      (await maker.markets.getMarketOrderbook(CPI)).data.orderbook_fp.yes_dollars,
    );
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.55' });
    await expectInSync(c, sid, maker, CPI);
    expect(deltasOf(c, sid, CPI).length).toBeGreaterThan(0);

    // delete_markets: nothing more for CPI4; CPI goes on
    const deleted = await command(c, 'update_subscription', {
      sids: [sid],
      action: 'delete_markets',
      market_tickers: [CPI4],
    });
    expect(deleted).toMatchObject({ type: 'ok', sid, msg: { market_tickers: [CPI] } });
    const frames4 = c.messages.filter((m) => isBookFrame(m) && msgOf(m)['market_ticker'] === CPI4).length;
    const frames = deltasOf(c, sid, CPI).length;
    await t.admin('PUT', `/_sim/markets/${CPI4}`, { fair_dollars: '0.60' });
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.45' });
    await expectInSync(c, sid, maker, CPI);
    expect(c.messages.filter((m) => isBookFrame(m) && msgOf(m)['market_ticker'] === CPI4)).toHaveLength(
      frames4,
    );
    expect(deltasOf(c, sid, CPI).length).toBeGreaterThan(frames);
    expectConsecutive(c, sid);

    // unsubscribe ends the stream
    expect(await command(c, 'unsubscribe', { sids: [sid] })).toMatchObject({ type: 'unsubscribed', sid });
    const total = c.messages.filter(isBookFrame).length;
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.35' });
    await settle(c);
    expect(c.messages.filter(isBookFrame)).toHaveLength(total);
  });

  it('sends nothing for markets nobody subscribed, nor to connections without the channel', async () => {
    const { t, requester, maker } = await truthSimulator({}, { walkIntervalMs: 0 });
    const c = await connectWs(t.sim, maker.key);
    const other = await connectWs(t.sim, requester.key);
    await command(other, 'subscribe', { channels: ['fill'], market_tickers: [CPI4] });
    const sid = await subscribe(c, { market_tickers: [CPI] });
    await t.admin('PUT', `/_sim/markets/${CPI4}`, { fair_dollars: '0.30' });
    await t.admin('PUT', `/_sim/markets/${CPI5}`, { fair_dollars: '0.70' });
    await t.admin('POST', `/_sim/markets/${CPI4}/liquidity`, {
      side: 'no',
      price_dollars: '0.50',
      contracts: 3,
    });
    await settle(c);
    await settle(other);
    expect(c.messages.filter(isBookFrame).map((m) => msgOf(m)['market_ticker'])).toEqual([CPI]);
    expect(other.messages.filter(isBookFrame)).toEqual([]);
    // the subscribed market does get its deltas (the check above is not vacuous)
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.30' });
    await expectInSync(c, sid, maker, CPI);
    expect(deltasOf(c, sid, CPI).length).toBeGreaterThan(0);
    expect(other.messages.filter(isBookFrame)).toEqual([]);
  });

  it('fault wsDropBookDeltas=n loses the next n deltas but spends their seq; get_snapshot repairs the book', async () => {
    const { t, maker } = await truthSimulator();
    const c = await connectWs(t.sim, maker.key);
    const sid = await subscribe(c, { market_tickers: [CPI] });
    expect((await t.admin('PATCH', '/_sim/faults', { spec: 'wsDropBookDeltas=1' })).status).toBe(200);
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.60' });
    await settle(c);
    const seqs = c.messages.filter((m) => m['sid'] === sid && isBookFrame(m)).map((m) => m['seq'] as number);
    // snapshot 1, then the first delta (seq 2) lost
    expect(seqs[0]).toBe(1);
    expect(seqs[1]).toBe(3);
    expect(seqs.slice(1)).toEqual(seqs.slice(1).map((_, i) => i + 3));
    expect(clientBook(c, sid, CPI)).not.toEqual(await restBook(maker, CPI));
    const faults = (
      await t.admin<{ wsDropBookDeltas: number; injected: Record<string, number> }>('GET', '/_sim/faults')
    ).body;
    expect(faults.wsDropBookDeltas).toBe(0);
    expect(faults.injected['wsDropBookDeltas']).toBe(1);

    // the client's recovery: a fresh snapshot, then deltas apply again
    await command(c, 'update_subscription', { sids: [sid], action: 'get_snapshot', market_tickers: [CPI] });
    expect(clientBook(c, sid, CPI)).toEqual(await restBook(maker, CPI));
    await t.admin('PUT', `/_sim/markets/${CPI}`, { fair_dollars: '0.50' });
    await expectInSync(c, sid, maker, CPI);
  });
});

import { constants, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type Clock, ManualClock } from '../../../src/domain/clock.js';
import {
  ClientConfigError,
  type CommunicationsStream,
  type CommunicationsStreamEvents,
  type CommunicationsStreamOptions,
  KalshiClient,
} from '../../../src/kalshi/index.js';
import { waitFor } from '../../helpers/simulator.js';
import { type ScriptedWsServer, startScriptedWsServer } from '../../helpers/ws-server.js';
import { captureLogs, RFQ_ID, testKey } from './fixtures.js';

const BASE_URL = 'http://127.0.0.1:9/trade-api/v2';

function rfqCreatedFrame(id: string, seq: number, over: Record<string, unknown> = {}) {
  return {
    type: 'rfq_created',
    sid: 1,
    seq,
    msg: {
      id,
      creator_id: '',
      market_ticker: 'KXTEST-26-T50',
      contracts_fp: '5.00',
      created_ts: '2026-07-06T01:55:01Z',
      ...over,
    },
  };
}

type Seen = { [K in keyof CommunicationsStreamEvents]: Parameters<CommunicationsStreamEvents[K]>[] };

/** A stream from a real client against the scripted server, recording every event it emits. */
function streamFor(
  server: ScriptedWsServer,
  options: Partial<CommunicationsStreamOptions> = {},
  clock?: Clock,
) {
  const key = testKey();
  const logs = captureLogs();
  const client = new KalshiClient({
    baseUrl: BASE_URL,
    credentials: { keyId: key.keyId, privateKey: key.privateKey },
    logger: logs.logger,
    ...(clock ? { clock } : {}),
  });
  const stream = client.communicationsStream({
    url: server.url,
    minReconnectMs: 20,
    maxReconnectMs: 100,
    ...options,
  });
  const seen: Seen = {
    rfqCreated: [],
    rfqDeleted: [],
    quoteCreated: [],
    quoteAccepted: [],
    quoteExecuted: [],
    fill: [],
    ownRfqCreated: [],
    fillsConnected: [],
    connected: [],
    disconnected: [],
    gap: [],
    bookSnapshot: [],
    bookDelta: [],
    booksLost: [],
    malformed: [],
  };
  for (const name of Object.keys(seen) as (keyof Seen)[]) {
    stream.on(name, ((...args: never[]) => (seen[name] as unknown[]).push(args)) as never);
  }
  return { stream, seen, logs, key };
}

async function started(stream: CommunicationsStream, seen: Seen, connections = 1): Promise<void> {
  stream.start();
  await waitFor(() => seen.connected.length >= connections, { what: 'the subscription' });
}

describe('communications stream', () => {
  it('signs the upgrade, subscribes, and counts as connected only once subscribed', async () => {
    const server = await startScriptedWsServer();
    server.onSubscribe = 'ignore';
    const { stream, seen, key } = streamFor(server);
    stream.start();
    try {
      const connection = await server.connection(0);
      await waitFor(() => connection.commands.length === 1, { what: 'the subscribe command' });
      expect(connection.commands[0]).toEqual({
        id: 1,
        cmd: 'subscribe',
        params: { channels: ['communications'] },
      });
      const headers = connection.headers;
      expect(headers['kalshi-access-key']).toBe(key.keyId);
      const signed = `${String(headers['kalshi-access-timestamp'])}GET/trade-api/ws/v2`;
      const valid = verify(
        'sha256',
        Buffer.from(signed),
        {
          key: key.publicKey,
          padding: constants.RSA_PKCS1_PSS_PADDING,
          saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
        },
        Buffer.from(String(headers['kalshi-access-signature']), 'base64'),
      );
      expect(valid).toBe(true);
      expect(stream.connected).toBe(false);
      connection.send({ id: 1, type: 'subscribed', msg: { channel: 'communications', sid: 1 } });
      await waitFor(() => stream.connected, { what: 'connected' });
      expect(seen.connected).toHaveLength(1);
    } finally {
      await stream.stop();
    }
  });

  it('delivers events as domain values; a malformed frame is counted and dropped whole, and the next one still arrives', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen, logs } = streamFor(server);
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      connection.send('{"type":"rfq_created",'); // truncated
      connection.send(rfqCreatedFrame('bad-time', 1, { created_ts: 'yesterday' }));
      connection.send(rfqCreatedFrame('bad-size', 2, { contracts_fp: '1.234' }));
      connection.send(rfqCreatedFrame('bad-time-2', 3, { created_ts: 'today' }));
      connection.send(rfqCreatedFrame(RFQ_ID, 4));
      await waitFor(() => seen.rfqCreated.length === 1, { what: 'the good frame' });
      expect(seen.rfqCreated[0]![0].rfq).toMatchObject({
        id: RFQ_ID,
        size: { kind: 'contracts', contracts: 500 },
      });
      expect(seen.malformed.map(([error]) => error.field)).toEqual([
        undefined,
        'msg.created_ts',
        'msg.contracts_fp',
        'msg.created_ts',
      ]);
      expect(stream.stats).toMatchObject({ malformedFrames: 4, events: 1, gaps: 0 });
      // One warning per kind of defect; repeats go to debug.
      const warnings = logs
        .lines()
        .filter((l) => l['msg'] === 'malformed websocket frame dropped' && l['level'] === 40);
      expect(warnings).toHaveLength(3);
      expect(stream.connected).toBe(true);
    } finally {
      await stream.stop();
    }
  });

  it('reports a sequence gap, and a listener that throws harms nothing', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen } = streamFor(server);
    stream.on('rfqCreated', () => {
      throw new Error('listener bug');
    });
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      connection.send(rfqCreatedFrame('r1', 1));
      connection.send(rfqCreatedFrame('r2', 2));
      connection.send(rfqCreatedFrame('r5', 5));
      await waitFor(() => seen.rfqCreated.length === 3, { what: 'three RFQs' });
      expect(seen.gap).toEqual([
        [{ reason: 'sequence', channel: 'communications', sid: 1, expected: 3, received: 5 }],
      ]);
      expect(stream.stats.gaps).toBe(1);
    } finally {
      await stream.stop();
    }
  });

  it('with fills on, subscribes the fill channel too: fills delivered, its gaps and losses told apart', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen } = streamFor(server, { fills: true });
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      await waitFor(() => seen.fillsConnected.length === 1, { what: 'the fill subscription' });
      expect(connection.commands.map((c) => c['params'])).toEqual([
        { channels: ['communications'] },
        { channels: ['fill'] },
      ]);
      expect(stream.fillsConnected).toBe(true);
      const fill = (seq: number, tradeId: string) => ({
        type: 'fill',
        sid: 2,
        seq,
        msg: {
          trade_id: tradeId,
          order_id: 'ord-1',
          market_ticker: 'KXTEST-26-T50',
          outcome_side: 'yes',
          book_side: 'bid',
          yes_price_dollars: '0.400000',
          no_price_dollars: '0.600000',
          count_fp: '3.00',
          fee_cost: '0.010000',
          is_taker: false,
          ts_ms: 1_767_600_000_000,
        },
      });
      connection.send(fill(1, 't1'));
      connection.send(rfqCreatedFrame('r1', 1));
      connection.send(fill(3, 't3'));
      await waitFor(() => seen.fill.length === 2, { what: 'two fills' });
      expect(seen.fill.map(([event]) => [event.fill.tradeId, event.fill.count, event.fill.yesPrice])).toEqual(
        [
          ['t1', 300, 400_000],
          ['t3', 300, 400_000],
        ],
      );
      // The fill channel's gap is its own; the communications sequence (sid 1) had none.
      expect(seen.gap).toEqual([[{ reason: 'sequence', channel: 'fill', sid: 2, expected: 2, received: 3 }]]);
      // The exchange ends the fill subscription: only it is resubscribed, and said to be lost.
      connection.send({ type: 'error', msg: { code: 25, msg: 'Subscription buffer overflow', sid: 2 } });
      await waitFor(() => seen.fillsConnected.length === 2, { what: 'the fill channel again' });
      expect(seen.gap[1]).toEqual([{ reason: 'subscription-lost', channel: 'fill', sid: 2, code: 25 }]);
      expect(seen.disconnected).toEqual([]);
      expect(stream.connected).toBe(true);
    } finally {
      await stream.stop();
    }
  });

  it('with ownRfqs on, a user_filter: self subscription names our RFQs (rfq_created has no creator); its other events are dropped', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen, logs } = streamFor(server, { ownRfqs: true });
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      await waitFor(() => connection.commands.length === 2, { what: 'the own-RFQ subscribe' });
      expect(connection.commands.map((c) => c['params'])).toEqual([
        { channels: ['communications'] },
        { channels: ['communications'], user_filter: 'self' },
      ]);
      await waitFor(() => logs.lines().some((l) => l['msg'] === 'subscribed to our own RFQs'), {
        what: 'the own subscription acknowledged',
      });
      connection.send(rfqCreatedFrame('ours', 1)); // the main subscription: no creator
      connection.send({ ...rfqCreatedFrame('ours', 1), sid: 2 }); // ours, on the self one
      connection.send({ ...rfqCreatedFrame('ours-2', 2), sid: 2, type: 'rfq_deleted' }); // dropped
      connection.send(rfqCreatedFrame('theirs', 2));
      await waitFor(() => seen.rfqCreated.length === 2 && seen.ownRfqCreated.length === 1, {
        what: 'both subscriptions',
      });
      expect(seen.ownRfqCreated.map(([event]) => event.rfq.id)).toEqual(['ours']);
      expect(seen.rfqCreated.map(([event]) => event.rfq.id)).toEqual(['ours', 'theirs']);
      expect(seen.rfqDeleted).toEqual([]);
      expect(seen.gap).toEqual([]);
    } finally {
      await stream.stop();
    }
  });

  it('resubscribes when the exchange ends the subscription (error 25)', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen } = streamFor(server);
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      connection.send({ type: 'error', msg: { code: 25, msg: 'Subscription buffer overflow', sid: 1 } });
      await waitFor(() => seen.connected.length === 2, { what: 'the second subscription' });
      expect(seen.disconnected).toEqual([[{ reason: 'subscription lost (error 25)' }]]);
      expect(seen.gap).toEqual([[{ reason: 'subscription-lost', sid: 1, code: 25 }]]);
      expect(connection.commands.map((c) => c['cmd'])).toEqual(['subscribe', 'subscribe']);
      expect(server.connections).toHaveLength(1);
      // The new subscription's sequence starts over: no gap.
      connection.send({ ...rfqCreatedFrame('r1', 1), sid: 2 });
      await waitFor(() => seen.rfqCreated.length === 1, { what: 'a push on the new subscription' });
      expect(seen.gap).toHaveLength(1);
    } finally {
      await stream.stop();
    }
  });

  it('reconnects after a refused upgrade (401), re-signing each time', async () => {
    const server = await startScriptedWsServer();
    server.refuseNext(2, 401);
    const { stream, seen } = streamFor(server);
    await started(stream, seen);
    try {
      expect(server.refused).toBe(2);
      expect(seen.disconnected).toHaveLength(0);
    } finally {
      await stream.stop();
    }
  });

  it('starts over at once when the subscribe is refused', async () => {
    const server = await startScriptedWsServer();
    let subscribes = 0;
    server.onSubscribe = (connection, command) => {
      subscribes++;
      if (subscribes === 1) {
        connection.send({
          id: command['id'],
          type: 'error',
          msg: { code: 9, msg: 'Authentication required' },
        });
      } else {
        connection.send({
          id: command['id'],
          type: 'subscribed',
          msg: { channel: 'communications', sid: 1 },
        });
      }
    };
    // The acknowledgement time-out is far beyond the wait: only the refusal can explain a new socket.
    const { stream, seen } = streamFor(server, { subscribeTimeoutMs: 60_000 });
    stream.start();
    try {
      await waitFor(() => seen.connected.length === 1, { timeoutMs: 5_000, what: 'the second socket' });
      expect(server.connections).toHaveLength(2);
    } finally {
      await stream.stop();
    }
  });

  it('starts over when the subscribe is never acknowledged', async () => {
    const server = await startScriptedWsServer();
    let subscribes = 0;
    server.onSubscribe = (connection, command) => {
      subscribes++;
      if (subscribes === 2) {
        connection.send({
          id: command['id'],
          type: 'subscribed',
          msg: { channel: 'communications', sid: 1 },
        });
      }
    };
    const { stream, seen } = streamFor(server, { subscribeTimeoutMs: 200 });
    await started(stream, seen);
    try {
      expect(server.connections).toHaveLength(2);
    } finally {
      await stream.stop();
    }
  });

  it('pings a quiet peer, and drops and replaces one that stays silent', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen } = streamFor(server, { idleTimeoutMs: 300 });
    await started(stream, seen);
    try {
      const first = await server.connection(0);
      const pings: number[] = [];
      first.ws.on('ping', () => pings.push(Date.now()));
      await waitFor(() => pings.length >= 2, { what: 'our pings to a quiet peer' });
      expect(stream.connected).toBe(true); // the pongs count as heard
      first.freeze();
      await waitFor(() => seen.disconnected.length === 1, { what: 'the silent socket to be dropped' });
      await waitFor(() => seen.connected.length === 2, { what: 'a new subscription' });
      expect(server.connections).toHaveLength(2);
    } finally {
      await stream.stop();
    }
  });

  it('stop() closes the socket, reports the disconnect and leaves nothing scheduled', async () => {
    const server = await startScriptedWsServer();
    const clock = new ManualClock(Date.now());
    const { stream, seen } = streamFor(server, {}, clock);
    await started(stream, seen);
    const connection = await server.connection(0);
    expect(clock.pendingTimers).toBeGreaterThan(0); // the watchdog
    const closed = new Promise<number>((resolve) => connection.ws.once('close', (code) => resolve(code)));
    await stream.stop();
    expect(await closed).toBe(1000);
    expect(seen.disconnected).toEqual([[{ reason: 'stopped' }]]);
    expect(stream.connected).toBe(false);
    // No reconnect and no watchdog can fire: every timer of the stream is on this clock.
    expect(clock.pendingTimers).toBe(0);
    clock.advance(60_000);
    expect(server.connections).toHaveLength(1);
  });

  it('refuses a client without credentials and a URL that is not ws(s)', () => {
    const anonymous = new KalshiClient({ baseUrl: BASE_URL });
    expect(() => anonymous.communicationsStream({ url: 'ws://127.0.0.1:1/trade-api/ws/v2' })).toThrow(
      /credentials/,
    );
    const key = testKey();
    const client = new KalshiClient({
      baseUrl: BASE_URL,
      credentials: { keyId: key.keyId, privateKey: key.privateKey },
    });
    expect(() => client.communicationsStream({ url: 'https://example.com/trade-api/ws/v2' })).toThrow(
      ClientConfigError,
    );
    expect(() => client.communicationsStream({ url: 'ws://x/trade-api/ws/v2', idleTimeoutMs: 0 })).toThrow(
      /stream.idleTimeoutMs/,
    );
  });
});

describe('order book subscription (books option)', () => {
  const snapshot = (sid: number, seq: number, ticker: string, yes: [string, string][]) => ({
    type: 'orderbook_snapshot',
    sid,
    seq,
    msg: { market_ticker: ticker, market_id: `id-${ticker}`, yes_dollars_fp: yes },
  });
  const delta = (sid: number, seq: number, ticker: string, price: string, change: string, side = 'yes') => ({
    type: 'orderbook_delta',
    sid,
    seq,
    msg: { market_ticker: ticker, market_id: `id-${ticker}`, price_dollars: price, delta_fp: change, side },
  });
  const bookCommands = (commands: readonly Record<string, unknown>[]) =>
    commands.filter((c) => {
      const params = c['params'] as Record<string, unknown>;
      return c['cmd'] === 'update_subscription' || (params['channels'] as string[])[0] === 'orderbook_delta';
    });

  it('subscribes the markets asked for once connected: one first, the rest in one add; snapshots and changes arrive as domain values', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen } = streamFor(server, { books: true });
    stream.watchBooks(['M1']);
    stream.watchBooks(['M2', 'M3']);
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      await waitFor(() => bookCommands(connection.commands).length === 2, { what: 'subscribe and add' });
      expect(bookCommands(connection.commands)).toEqual([
        { id: 2, cmd: 'subscribe', params: { channels: ['orderbook_delta'], market_tickers: ['M1'] } },
        {
          id: 3,
          cmd: 'update_subscription',
          params: { sids: [2], action: 'add_markets', market_tickers: ['M2', 'M3'] },
        },
      ]);
      expect(stream.streamedBooks).toBe(3);
      connection.send(snapshot(2, 1, 'M1', [['0.4000', '12.00']]));
      connection.send(delta(2, 2, 'M1', '0.4100', '-2.50', 'no'));
      // Another subscription's sid is not the book's: dropped.
      connection.send(delta(7, 1, 'M1', '0.4100', '1.00'));
      await waitFor(() => seen.bookDelta.length === 1, { what: 'a change' });
      expect(seen.bookSnapshot[0]?.[0]).toMatchObject({
        ticker: 'M1',
        yes: [{ price: 400_000, count: 1_200 }],
        no: [],
      });
      expect(seen.bookDelta[0]?.[0]).toMatchObject({ ticker: 'M1', side: 'no', price: 410_000, delta: -250 });
      stream.unwatchBooks(['M2']);
      await waitFor(() => bookCommands(connection.commands).length === 3, { what: 'the delete' });
      expect(bookCommands(connection.commands)[2]?.['params']).toEqual({
        sids: [2],
        action: 'delete_markets',
        market_tickers: ['M2'],
      });
      expect(seen.gap).toEqual([]);
    } finally {
      await stream.stop();
    }
  });

  it('a gap or an unreadable change withdraws every book and asks for their snapshots, without an RFQ gap', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen } = streamFor(server, { books: true });
    stream.watchBooks(['M1']);
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      await waitFor(() => bookCommands(connection.commands).length === 1, { what: 'the subscribe' });
      connection.send(snapshot(2, 1, 'M1', [['0.4000', '12.00']]));
      connection.send(delta(2, 3, 'M1', '0.4000', '1.00'));
      await waitFor(() => seen.booksLost.length === 1, { what: 'the books lost' });
      expect(seen.booksLost[0]).toEqual(['all']);
      await waitFor(() => bookCommands(connection.commands).length === 2, { what: 'the snapshot request' });
      expect(bookCommands(connection.commands)[1]?.['params']).toEqual({
        sids: [2],
        action: 'get_snapshot',
        market_tickers: ['M1'],
      });
      // Its RFQs did not lose anything: no gap for the poller to fill.
      expect(seen.gap).toEqual([]);
      connection.send(delta(2, 4, 'M1', '0.4000', 'many'));
      await waitFor(() => seen.booksLost.length === 2, { what: 'lost again' });
      await waitFor(() => bookCommands(connection.commands).length === 3, {
        what: 'a second snapshot request',
      });
      expect(seen.malformed).toHaveLength(1);
    } finally {
      await stream.stop();
    }
  });

  it('a refused add is asked again market by market; a market refused alone stays out; a lost subscription is made again', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen, logs } = streamFor(server, { books: true });
    stream.watchBooks(['M1']);
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      await waitFor(() => bookCommands(connection.commands).length === 1, { what: 'the subscribe' });
      stream.watchBooks(['COMBO', 'M2']);
      await waitFor(() => bookCommands(connection.commands).length === 2, { what: 'the add' });
      const add = bookCommands(connection.commands)[1]!;
      connection.send({ id: add['id'], type: 'error', msg: { code: 16, msg: 'Market not found' } });
      await waitFor(() => bookCommands(connection.commands).length === 4, { what: 'each alone' });
      const singles = bookCommands(connection.commands).slice(2);
      expect(singles.map((c) => (c['params'] as { market_tickers: string[] }).market_tickers)).toEqual([
        ['COMBO'],
        ['M2'],
      ]);
      connection.send({ id: singles[0]!['id'], type: 'error', msg: { code: 16, msg: 'Market not found' } });
      connection.send({ id: singles[1]!['id'], type: 'ok', sid: 2, msg: { market_tickers: ['M1', 'M2'] } });
      await waitFor(() => logs.lines().some((l) => String(l['msg']).includes('order book stream refused')), {
        what: 'the refusal logged',
      });
      expect(stream.streamedBooks).toBe(2);
      // The exchange ends the book subscription: subscribed again, every book lost meanwhile.
      connection.send({ type: 'error', msg: { code: 17, msg: 'Internal error', sid: 2 } });
      await waitFor(() => bookCommands(connection.commands).length === 6, { what: 'subscribed again' });
      expect(seen.booksLost).toEqual([['all']]);
      expect(bookCommands(connection.commands).slice(4)).toMatchObject([
        { cmd: 'subscribe', params: { channels: ['orderbook_delta'], market_tickers: ['M1'] } },
        { cmd: 'update_subscription', params: { sids: [3], action: 'add_markets', market_tickers: ['M2'] } },
      ]);
      expect(seen.disconnected).toEqual([]);
    } finally {
      await stream.stop();
    }
  });

  it('a snapshot never counts as a gap, whether or not it takes a sequence number; losses in a row ask for one resync a second', async () => {
    const server = await startScriptedWsServer();
    const clock = new ManualClock(Date.now());
    const { stream, seen } = streamFor(server, { books: true }, clock);
    stream.watchBooks(['M1']);
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      await waitFor(() => bookCommands(connection.commands).length === 1, { what: 'the subscribe' });
      const snapshotRequests = () =>
        bookCommands(connection.commands).filter(
          (c) => (c['params'] as { action?: string }).action === 'get_snapshot',
        );
      connection.send(snapshot(2, 1, 'M1', [['0.4000', '12.00']]));
      connection.send(delta(2, 2, 'M1', '0.4000', '1.00'));
      // A get_snapshot answer that repeats the current number (outside the delta stream)…
      connection.send(snapshot(2, 2, 'M1', [['0.4000', '13.00']]));
      connection.send(delta(2, 3, 'M1', '0.4000', '1.00'));
      // …and one that takes the next number (inside it): neither is a loss.
      connection.send(snapshot(2, 4, 'M1', [['0.4000', '14.00']]));
      connection.send(delta(2, 5, 'M1', '0.4000', '1.00'));
      await waitFor(() => seen.bookDelta.length === 3, { what: 'three changes' });
      expect(seen.booksLost).toEqual([]);
      // Two losses in a row: one snapshot request now, the next only after a second.
      connection.send(delta(2, 7, 'M1', '0.4000', '1.00'));
      await waitFor(() => snapshotRequests().length === 1, { what: 'the first resync' });
      connection.send(delta(2, 9, 'M1', '0.4000', '1.00'));
      await waitFor(() => seen.booksLost.length === 2, { what: 'the second loss' });
      clock.advance(999);
      // A later command reaches the server after any the stream sent before it.
      stream.watchBooks(['M9']);
      await waitFor(
        () => bookCommands(connection.commands).some((c) => JSON.stringify(c['params']).includes('M9')),
        { what: 'the add after it' },
      );
      expect(snapshotRequests()).toHaveLength(1);
      clock.advance(1);
      await waitFor(() => snapshotRequests().length === 2, { what: 'the second resync, a second later' });
    } finally {
      await stream.stop();
    }
  });

  it('an exchange that refuses the channel itself (error 8) is not asked again market by market', async () => {
    const server = await startScriptedWsServer();
    let sid = 1;
    server.onSubscribe = (connection, command) => {
      const channel = (command['params'] as { channels: string[] }).channels[0]!;
      connection.send(
        channel === 'orderbook_delta'
          ? { id: command['id'], type: 'error', msg: { code: 8, msg: 'Unknown channel name' } }
          : { id: command['id'], type: 'subscribed', msg: { channel, sid: sid++ } },
      );
    };
    const { stream, seen, logs } = streamFor(server, { books: true });
    stream.watchBooks(['M1']);
    await started(stream, seen);
    try {
      const connection = await server.connection(0);
      await waitFor(
        () => logs.lines().some((l) => String(l['msg']).includes('refused the order book channel')),
        {
          what: 'the refusal',
        },
      );
      stream.watchBooks(['M2', 'M3']);
      // A later command reaches the server after any the stream sent before it.
      connection.send(rfqCreatedFrame('r1', 1));
      await waitFor(() => seen.rfqCreated.length === 1, { what: 'a push after it' });
      await Promise.resolve();
      expect(bookCommands(connection.commands)).toHaveLength(1);
      expect(stream.streamedBooks).toBe(0);
    } finally {
      await stream.stop();
    }
  });

  it('without the option, nothing about books is sent', async () => {
    const server = await startScriptedWsServer();
    const { stream, seen } = streamFor(server);
    stream.watchBooks(['M1']);
    await started(stream, seen);
    try {
      await Promise.resolve(); // the turn a subscription would be sent in
      expect(stream.streamedBooks).toBe(0);
      const connection = await server.connection(0);
      expect(bookCommands(connection.commands)).toEqual([]);
    } finally {
      await stream.stop();
    }
  });
});

import pino from 'pino';
import { describe, expect, it } from 'vitest';
import type { Rfq } from '../../../src/domain/types.js';
import { KalshiClient, type QuoteAcceptedEvent } from '../../../src/kalshi/index.js';
import { compileRfqFilter } from '../../../src/rfq/filters.js';
import { RfqPushSource } from '../../../src/rfq/push-source.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';
import { makeTestKey } from '../../helpers/keys.js';
import { waitFor } from '../../helpers/simulator.js';
import { startScriptedWsServer } from '../../helpers/ws-server.js';

const OWN = 'our-communications-id';
const key = makeTestKey();

function rfqFrame(seq: number, msg: Record<string, unknown>) {
  return {
    type: 'rfq_created',
    sid: 1,
    seq,
    msg: { creator_id: '', market_ticker: 'KXA-26-T1', created_ts: '2026-07-06T01:55:01Z', ...msg },
  };
}

function acceptFrame(seq: number, quoteId: string, creator: string) {
  return {
    type: 'quote_accepted',
    sid: 1,
    seq,
    msg: {
      quote_id: quoteId,
      rfq_id: 'r1',
      quote_creator_id: creator,
      rfq_creator_id: 'them',
      market_ticker: 'KXA-26-T1',
      yes_bid_dollars: '0.4000',
      no_bid_dollars: '0.5000',
      accepted_side: 'no',
      yes_contracts_offered_fp: '10.00',
      no_contracts_offered_fp: '12.00',
    },
  };
}

async function pushSource(
  options: {
    maxRfqReads?: number;
    readsHeldUntil?: Promise<void>;
    ignoreOwnRfqs?: () => boolean;
    /** The creator the full read names. @default 'them' */
    readCreator?: string;
  } = {},
) {
  const server = await startScriptedWsServer();
  const client = new KalshiClient({
    baseUrl: 'http://127.0.0.1:9/trade-api/v2',
    credentials: { keyId: key.keyId, privateKey: key.privateKey },
  });
  const book = new RfqBook();
  const reads: string[] = [];
  const accepted: QuoteAcceptedEvent[] = [];
  let gaps = 0;
  let deferred = 0;
  const push = new RfqPushSource({
    ...(options.maxRfqReads === undefined ? {} : { maxRfqReads: options.maxRfqReads }),
    stream: client.communicationsStream({ url: server.url, minReconnectMs: 20, ownRfqs: true }),
    book,
    filter: compileRfqFilter({ eventTickers: [], marketTickers: [], tickerGlobs: ['KXA-*'] }),
    ownCommunicationsId: () => OWN,
    ...(options.ignoreOwnRfqs ? { ignoreOwnRfqs: options.ignoreOwnRfqs } : {}),
    fetchRfq: async (rfqId): Promise<Rfq> => {
      reads.push(rfqId);
      await options.readsHeldUntil;
      return {
        id: rfqId,
        creatorId: options.readCreator ?? 'them',
        marketTicker: 'KXA-26-T1',
        size: { kind: 'targetCost', targetCost: 20_000_000, excludesFees: true },
        status: 'open',
        createdAt: Date.parse('2026-07-06T01:55:01Z'),
      };
    },
    onOwnQuoteAccepted: (event) => accepted.push(event),
    onGap: () => gaps++,
    onDeferred: () => deferred++,
    logger: pino({ level: 'silent' }),
  });
  push.start();
  await waitFor(() => push.connected, { what: 'the subscription' });
  const connection = await server.connection(0);
  // The own-RFQ subscribe has reached the server, so its acknowledgement goes out before any frame a test sends.
  await waitFor(() => connection.commands.length >= 2, { what: 'the own-RFQ subscribe' });
  return { server, push, book, reads, accepted, gaps: () => gaps, deferred: () => deferred, connection };
}

describe('push source (stream → RFQ book and watcher)', () => {
  it('adds pushed RFQs that pass the filters, reads incomplete ones in full, removes deleted ones', async () => {
    const { push, book, reads, connection } = await pushSource();
    try {
      connection.send(rfqFrame(1, { id: 'filtered', market_ticker: 'KXB-26-T1', contracts_fp: '5.00' }));
      connection.send(rfqFrame(2, { id: 'ours', creator_id: OWN, contracts_fp: '5.00' }));
      connection.send(rfqFrame(3, { id: 'empty', contracts_fp: '0.00' }));
      connection.send(rfqFrame(4, { id: 'target', contracts_fp: '0.00', target_cost_dollars: '20.0000' }));
      connection.send(rfqFrame(5, { id: 'plain', contracts_fp: '5.00' }));
      await waitFor(() => book.has('plain') && book.has('target'), { what: 'the two RFQs' });
      expect(book.get('plain')!.size).toEqual({ kind: 'contracts', contracts: 500 });
      // The full read, not the push, decides the size: the push lacks the fee flag.
      expect(book.get('target')!.size).toEqual({
        kind: 'targetCost',
        targetCost: 20_000_000,
        excludesFees: true,
      });
      expect(reads).toEqual(['target']);
      expect(book.size).toBe(2); // filtered, own and empty RFQs were not added
      connection.send({
        type: 'rfq_deleted',
        sid: 1,
        seq: 6,
        msg: { id: 'plain', creator_id: 'x', market_ticker: 'KXA-26-T1', deleted_ts: '2026-07-06T01:56:00Z' },
      });
      await waitFor(() => !book.has('plain'), { what: 'the deletion' });
    } finally {
      await push.stop();
    }
  });

  it('takes our own RFQs when poller.ignoreOwnRfqs is off, read at each push', async () => {
    let ignore = true;
    const { push, book, connection } = await pushSource({ ignoreOwnRfqs: () => ignore });
    try {
      connection.send(rfqFrame(1, { id: 'ours-1', creator_id: OWN, contracts_fp: '5.00' }));
      connection.send(rfqFrame(2, { id: 'theirs-1', contracts_fp: '5.00' }));
      await waitFor(() => book.has('theirs-1'), { what: 'the first pushes' });
      expect(book.has('ours-1')).toBe(false);
      ignore = false; // a reload turned it off
      connection.send(rfqFrame(3, { id: 'ours-2', creator_id: OWN, contracts_fp: '5.00' }));
      await waitFor(() => book.has('ours-2'), { what: 'our own RFQ in the book' });
    } finally {
      await push.stop();
    }
  });

  it('an incomplete push (no creator, as Kalshi sends it) whose full read names us is not taken, unless ignoreOwnRfqs is off', async () => {
    let ignore = true;
    const { push, book, reads, connection } = await pushSource({
      readCreator: OWN,
      ignoreOwnRfqs: () => ignore,
    });
    try {
      connection.send(rfqFrame(1, { id: 'ours-1', contracts_fp: '0.00', target_cost_dollars: '20.0000' }));
      await waitFor(() => reads.includes('ours-1'), { what: 'the full read' });
      connection.send(rfqFrame(2, { id: 'theirs', contracts_fp: '5.00' }));
      await waitFor(() => book.has('theirs'), { what: 'the later push' });
      expect(book.has('ours-1')).toBe(false);
      ignore = false;
      connection.send(rfqFrame(3, { id: 'ours-2', contracts_fp: '0.00', target_cost_dollars: '20.0000' }));
      await waitFor(() => book.has('ours-2'), { what: 'our own RFQ taken with ignoreOwnRfqs off' });
    } finally {
      await push.stop();
    }
  });

  it('an RFQ the own-RFQ subscription names leaves the book, whichever frame came first; kept with ignoreOwnRfqs off', async () => {
    let ignore = true;
    const { push, book, connection } = await pushSource({ ignoreOwnRfqs: () => ignore });
    const own = (seq: number, id: string) => ({ ...rfqFrame(seq, { id, contracts_fp: '5.00' }), sid: 2 });
    try {
      connection.send(rfqFrame(1, { id: 'ours-1', contracts_fp: '5.00' })); // no creator: taken
      await waitFor(() => book.has('ours-1'), { what: 'the anonymous push' });
      connection.send(own(1, 'ours-1'));
      await waitFor(() => !book.has('ours-1'), { what: 'our RFQ to leave the book' });
      connection.send(own(2, 'ours-2'));
      connection.send(rfqFrame(2, { id: 'ours-2', contracts_fp: '5.00' }));
      connection.send(rfqFrame(3, { id: 'theirs', contracts_fp: '5.00' }));
      await waitFor(() => book.has('theirs'), { what: 'the later push' });
      expect(book.has('ours-2')).toBe(false);
      ignore = false;
      connection.send(rfqFrame(4, { id: 'ours-3', contracts_fp: '5.00' }));
      connection.send(own(3, 'ours-3'));
      connection.send(rfqFrame(5, { id: 'theirs-2', contracts_fp: '5.00' }));
      await waitFor(() => book.has('theirs-2'), { what: 'the last push' });
      expect(book.has('ours-3')).toBe(true);
    } finally {
      await push.stop();
    }
  });

  it('passes on accepts of our quotes only, with the accepted size; lost pushes ask for a listing, lost book changes do not', async () => {
    const { push, accepted, gaps, connection } = await pushSource();
    try {
      connection.send(acceptFrame(1, 'not-ours', 'someone-else'));
      connection.send(acceptFrame(2, 'ours', OWN));
      await waitFor(() => accepted.length === 1, { what: 'our accept' });
      expect(accepted[0]).toMatchObject({ quoteId: 'ours', side: 'no', contractsAccepted: 1_200 });
      expect(gaps()).toBe(1); // the subscription's own: what came before it
      connection.send(acceptFrame(4, 'ours-2', OWN)); // seq 3 never came
      await waitFor(() => gaps() === 2, { what: 'the gap' });
      connection.send({ ...acceptFrame(5, 'ours-3', OWN), msg: { quote_id: 'ours-3' } }); // unreadable
      await waitFor(() => gaps() === 3, { what: 'the unreadable push to count as lost' });
      expect(accepted.map((event) => event.quoteId)).toEqual(['ours', 'ours-2']);
      // An unreadable book change loses no RFQ: no listing for it (the books resynchronise).
      connection.send({ type: 'orderbook_delta', sid: 9, seq: 1, msg: { market_ticker: 'KXA-26-T1' } });
      connection.send(acceptFrame(6, 'ours-4', OWN));
      await waitFor(() => accepted.length === 3, { what: 'the accept after it' });
      expect(gaps()).toBe(3);
    } finally {
      await push.stop();
    }
  });

  it('after stopDiscovery (a stop under way) takes no new RFQ but still reports our accepts', async () => {
    const { push, book, accepted, connection } = await pushSource();
    try {
      push.stopDiscovery();
      connection.send(rfqFrame(1, { id: 'late', contracts_fp: '5.00' }));
      connection.send(acceptFrame(2, 'ours', OWN));
      // Frames arrive in order: once the accept is in, the RFQ before it was seen and dropped.
      await waitFor(() => accepted.length === 1, { what: 'our accept' });
      expect(book.has('late')).toBe(false);
      expect(push.connected).toBe(true);
    } finally {
      await push.stop();
    }
  });

  it('each (re)subscription asks for a listing: RFQs created while no subscription was live', async () => {
    const { server, push, gaps, connection } = await pushSource();
    try {
      expect(gaps()).toBe(1);
      connection.ws.terminate();
      await server.connection(1);
      await waitFor(() => push.connected && gaps() === 2, { what: 'the listing after the reconnect' });
    } finally {
      await push.stop();
    }
  });

  it('target-cost RFQs left to the listing (reads busy) ask for one soon', async () => {
    let release!: () => void;
    const readsHeldUntil = new Promise<void>((resolve) => (release = resolve));
    const { push, book, reads, deferred, connection } = await pushSource({ maxRfqReads: 1, readsHeldUntil });
    try {
      connection.send(rfqFrame(1, { id: 't1', contracts_fp: '0.00', target_cost_dollars: '20.0000' }));
      connection.send(rfqFrame(2, { id: 't2', contracts_fp: '0.00', target_cost_dollars: '20.0000' }));
      await waitFor(() => deferred() === 1, { what: 't2 left to the listing' });
      expect(reads).toEqual(['t1']);
      release();
      await waitFor(() => book.has('t1'), { what: 't1 read in full' });
      expect(book.has('t2')).toBe(false);
    } finally {
      await push.stop();
    }
  });
});

import { describe, expect, it } from 'vitest';
import { StreamFrameError } from '../../../src/kalshi/index.js';
import { parseFrame, type StreamFrame } from '../../../src/kalshi/stream/frames.js';
import { UnknownReporter } from '../../../src/kalshi/wire-reader.js';
import { captureLogs, QUOTE_ID, RFQ_ID } from './fixtures.js';

const reporter = new UnknownReporter(undefined);
const parse = (frame: unknown): StreamFrame =>
  parseFrame(typeof frame === 'string' ? frame : JSON.stringify(frame), reporter);
const eventOf = (frame: unknown) => {
  const parsed = parse(frame);
  if (parsed.kind !== 'event') throw new Error(`expected an event, got ${parsed.kind}`);
  return parsed;
};
function failure(frame: unknown): StreamFrameError {
  try {
    parse(frame);
  } catch (error) {
    expect(error).toBeInstanceOf(StreamFrameError);
    return error as StreamFrameError;
  }
  throw new Error('expected a StreamFrameError');
}

const CREATED_TS = '2024-12-01T10:00:00Z';

// The examples of Kalshi's websocket page (websockets_communications.md), ids made realistic.
const rfqCreated = {
  type: 'rfq_created',
  sid: 15,
  seq: 3,
  sending_ts_ms: 1_733_047_200_123,
  msg: {
    id: RFQ_ID,
    creator_id: '',
    market_ticker: 'FED-23DEC-T3.00',
    event_ticker: 'FED-23DEC',
    contracts_fp: '100.00',
    created_ts: CREATED_TS,
  },
};
const quoteAccepted = {
  type: 'quote_accepted',
  sid: 15,
  seq: 4,
  msg: {
    quote_id: QUOTE_ID,
    rfq_id: RFQ_ID,
    quote_creator_id: 'comm_def456',
    rfq_creator_id: 'comm_abc123',
    market_ticker: 'FED-23DEC-T3.00',
    event_ticker: 'FED-23DEC',
    yes_bid_dollars: '0.35',
    no_bid_dollars: '0.65',
    accepted_side: 'yes',
    contracts_accepted_fp: '50.00',
    yes_contracts_offered_fp: '100.00',
    no_contracts_offered_fp: '200.00',
    rfq_target_cost_dollars: '0.35',
    subaccount: 3,
  },
};

describe('communications frames → domain events', () => {
  it('rfq_created: a complete contract-sized RFQ in integers, with the envelope', () => {
    const frame = eventOf(rfqCreated);
    expect(frame.sid).toBe(15);
    expect(frame.seq).toBe(3);
    expect(frame.message).toEqual({
      type: 'rfqCreated',
      event: {
        complete: true,
        sentAt: 1_733_047_200_123,
        rfq: {
          id: RFQ_ID,
          creatorId: '',
          marketTicker: 'FED-23DEC-T3.00',
          eventTicker: 'FED-23DEC',
          size: { kind: 'contracts', contracts: 10_000 },
          status: 'open',
          createdAt: Date.parse(CREATED_TS),
        },
      },
    });
  });

  it('rfq_created with a target cost is incomplete (no fee flag is pushed); legs are read', () => {
    const frame = eventOf({
      ...rfqCreated,
      msg: {
        ...rfqCreated.msg,
        contracts_fp: '0.00',
        target_cost_dollars: '20.0000',
        mve_collection_ticker: 'KXMVECOMBO',
        mve_selected_legs: [{ event_ticker: 'E1', market_ticker: 'M1', side: 'yes' }],
      },
    });
    if (frame.message.type !== 'rfqCreated') throw new Error('wrong type');
    const { rfq, complete } = frame.message.event;
    expect(complete).toBe(false);
    expect(rfq.size).toEqual({ kind: 'targetCost', targetCost: 20_000_000, excludesFees: false });
    expect(rfq.mveSelectedLegs).toEqual([{ eventTicker: 'E1', marketTicker: 'M1', side: 'yes' }]);
  });

  it('quote_accepted: prices in micros, sizes in centis, the pushed accepted size', () => {
    const { message } = eventOf(quoteAccepted);
    expect(message).toEqual({
      type: 'quoteAccepted',
      event: {
        quoteId: QUOTE_ID,
        rfqId: RFQ_ID,
        quoteCreatorId: 'comm_def456',
        rfqCreatorId: 'comm_abc123',
        marketTicker: 'FED-23DEC-T3.00',
        eventTicker: 'FED-23DEC',
        subaccount: 3,
        yesBid: 350_000,
        noBid: 650_000,
        yesContractsOffered: 10_000,
        noContractsOffered: 20_000,
        rfqTargetCost: 350_000,
        side: 'yes',
        contractsAccepted: 5_000,
      },
    });
  });

  it('quote_accepted without contracts_accepted_fp (target cost) takes the accepted side’s offer', () => {
    const { contracts_accepted_fp: _omitted, ...msg } = quoteAccepted.msg;
    const no = eventOf({ ...quoteAccepted, msg: { ...msg, accepted_side: 'no' } }).message;
    expect(no.type === 'quoteAccepted' && no.event.contractsAccepted).toBe(20_000);
    const unknown = eventOf({ ...quoteAccepted, msg: { ...msg, accepted_side: 'maybe' } }).message;
    if (unknown.type !== 'quoteAccepted') throw new Error('wrong type');
    expect(unknown.event.side).toBeUndefined();
    expect(unknown.event.contractsAccepted).toBeUndefined();
    expect(unknown.event.extra).toEqual({ accepted_side: 'maybe' });
  });

  it('rfq_deleted, quote_created and quote_executed', () => {
    expect(
      eventOf({
        type: 'rfq_deleted',
        sid: 1,
        seq: 9,
        msg: { id: RFQ_ID, creator_id: 'c', market_ticker: 'M', deleted_ts: CREATED_TS },
      }).message,
    ).toEqual({
      type: 'rfqDeleted',
      event: { rfqId: RFQ_ID, creatorId: 'c', marketTicker: 'M', deletedAt: Date.parse(CREATED_TS) },
    });
    const created = eventOf({
      type: 'quote_created',
      sid: 1,
      msg: {
        quote_id: QUOTE_ID,
        rfq_id: RFQ_ID,
        quote_creator_id: 'me',
        market_ticker: 'M',
        yes_bid_dollars: '0.4500',
        no_bid_dollars: '0.5000',
        created_ts: CREATED_TS,
      },
    });
    expect(created.seq).toBeUndefined();
    expect(created.message).toMatchObject({
      type: 'quoteCreated',
      event: { quoteId: QUOTE_ID, yesBid: 450_000, noBid: 500_000, createdAt: Date.parse(CREATED_TS) },
    });
    expect(
      eventOf({
        type: 'quote_executed',
        sid: 1,
        msg: {
          quote_id: QUOTE_ID,
          rfq_id: RFQ_ID,
          quote_creator_id: 'me',
          rfq_creator_id: 'them',
          order_id: 'o1',
          client_order_id: 'c1',
          market_ticker: 'M',
          executed_ts: CREATED_TS,
        },
      }).message,
    ).toMatchObject({
      type: 'quoteExecuted',
      event: { quoteId: QUOTE_ID, orderId: 'o1', clientOrderId: 'c1', executedAt: Date.parse(CREATED_TS) },
    });
  });

  it('command answers and other messages', () => {
    expect(parse({ id: 1, type: 'subscribed', msg: { channel: 'communications', sid: 2 } })).toEqual({
      kind: 'subscribed',
      id: 1,
      channel: 'communications',
      sid: 2,
    });
    expect(parse({ type: 'error', msg: { code: 25, msg: 'Subscription buffer overflow', sid: 2 } })).toEqual({
      kind: 'error',
      id: undefined,
      code: 25,
      message: 'Subscription buffer overflow',
      sid: 2,
    });
    expect(parse({ type: 'market_position', sid: 3, seq: 1, msg: {} })).toEqual({
      kind: 'ignored',
      type: 'market_position',
    });
    expect(parse({ id: 4, type: 'ok', msg: [] })).toEqual({ kind: 'ok', id: 4 });
    expect(parse({ id: 5, type: 'ok', sid: 2, seq: 9, msg: { market_tickers: ['M1'] } })).toEqual({
      kind: 'ok',
      id: 5,
    });
  });

  it('order books: a snapshot (a side absent is empty) and a signed change, as integers', () => {
    const snapshot = eventOf({
      type: 'orderbook_snapshot',
      sid: 4,
      seq: 1,
      msg: {
        market_ticker: 'FED-23DEC-T3.00',
        market_id: '9b0f6b43-5b68-4f9f-9f02-9a2a0d1bd2d1',
        yes_dollars_fp: [
          ['0.0800', '300.00'],
          ['0.2200', '333.00'],
        ],
      },
    });
    expect(snapshot.message).toEqual({
      type: 'bookSnapshot',
      event: {
        ticker: 'FED-23DEC-T3.00',
        yes: [
          { price: 80_000, count: 30_000 },
          { price: 220_000, count: 33_300 },
        ],
        no: [],
      },
    });
    const delta = eventOf({
      type: 'orderbook_delta',
      sid: 4,
      seq: 2,
      msg: {
        market_ticker: 'FED-23DEC-T3.00',
        market_id: '9b0f6b43-5b68-4f9f-9f02-9a2a0d1bd2d1',
        price_dollars: '0.960',
        delta_fp: '-54.25',
        side: 'yes',
        ts_ms: 1_733_047_200_500,
      },
    });
    expect(delta.message).toEqual({
      type: 'bookDelta',
      event: { ticker: 'FED-23DEC-T3.00', side: 'yes', price: 960_000, delta: -5_425 },
    });
    const unreadable = (msg: Record<string, unknown>) =>
      failure({
        type: 'orderbook_delta',
        sid: 4,
        seq: 3,
        msg: { market_ticker: 'M', price_dollars: '0.96', delta_fp: '1.00', side: 'yes', ...msg },
      });
    expect(unreadable({ side: 'bid' }).field).toBe('msg.side');
    expect(unreadable({ delta_fp: '1.001' }).field).toBe('msg.delta_fp');
    const error = unreadable({ price_dollars: 0.96 });
    expect(error).toMatchObject({ frameType: 'orderbook_delta', field: 'msg.price_dollars' });
    expect(error.sequence).toEqual({ sid: 4, seq: 3 });
  });

  it('fill: one trade of ours, as the REST listing has it, with the push-only fields', () => {
    // The simulator's message (Kalshi's fill page is not in kalshi-docs/; fields from the changelog).
    const frame = eventOf({
      type: 'fill',
      sid: 3,
      seq: 7,
      msg: {
        trade_id: 'tr-1',
        order_id: 'ord-1',
        client_order_id: 'cl-1',
        market_ticker: 'KXA-26-A',
        is_taker: false,
        side: 'no',
        outcome_side: 'no',
        book_side: 'ask',
        action: 'buy',
        purchased_side: 'no',
        yes_price_dollars: '0.580000',
        no_price_dollars: '0.420000',
        count_fp: '12.50',
        fee_cost: '0.070000',
        post_position_fp: '-12.50',
        ts: 1_767_600_000,
        ts_ms: 1_767_600_000_123,
        subaccount: 0,
        exchange_index: 0,
      },
    });
    expect(frame).toMatchObject({ sid: 3, seq: 7 });
    expect(frame.message).toEqual({
      type: 'fill',
      event: {
        fill: {
          fillId: 'tr-1',
          tradeId: 'tr-1',
          orderId: 'ord-1',
          clientOrderId: 'cl-1',
          ticker: 'KXA-26-A',
          outcomeSide: 'no',
          bookSide: 'ask',
          count: 1_250,
          yesPrice: 580_000,
          noPrice: 420_000,
          isTaker: false,
          fee: 70_000,
          createdAt: 1_767_600_000_123,
        },
        postPosition: -1_250,
        subaccount: 0,
      },
    });
    // A fill we cannot put on a side is dropped whole.
    expect(failure({ type: 'fill', sid: 3, seq: 8, msg: { trade_id: 't', order_id: 'o' } }).frameType).toBe(
      'fill',
    );
  });

  it('keeps unknown fields and reports them once', () => {
    const logs = captureLogs();
    const reporting = new UnknownReporter(logs.logger);
    const text = JSON.stringify({ ...rfqCreated, msg: { ...rfqCreated.msg, priority: 'high' } });
    for (let i = 0; i < 3; i++) {
      const frame = parseFrame(text, reporting);
      expect(
        frame.kind === 'event' && frame.message.type === 'rfqCreated' && frame.message.event.rfq.extra,
      ).toEqual({ priority: 'high' });
    }
    expect(logs.lines().filter((line) => line['field'] === 'priority')).toHaveLength(1);
  });

  it('a malformed frame is an error naming the type and field, never a partial event', () => {
    expect(failure('{"type":"rfq_created",').message).toMatch(/not JSON/);
    expect(failure([1, 2]).field).toBeUndefined();
    const noTime = failure({ ...rfqCreated, msg: { ...rfqCreated.msg, created_ts: undefined } });
    expect(noTime).toMatchObject({ frameType: 'rfq_created', field: 'msg.created_ts' });
    const badSize = failure({ ...rfqCreated, msg: { ...rfqCreated.msg, contracts_fp: '1.234' } });
    expect(badSize).toMatchObject({ frameType: 'rfq_created', field: 'msg.contracts_fp' });
    const badPrice = failure({ ...quoteAccepted, msg: { ...quoteAccepted.msg, yes_bid_dollars: 0.35 } });
    expect(badPrice).toMatchObject({ frameType: 'quote_accepted', field: 'msg.yes_bid_dollars' });
    expect(failure({ ...quoteAccepted, msg: undefined }).field).toBe('msg');
    expect(failure({ sid: 1, msg: {} }).field).toBe('type');
    expect(failure({ type: 'rfq_deleted', msg: { creator_id: 'c', market_ticker: 'M' } }).field).toBe(
      'msg.id',
    );
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import {
  BadRequestError,
  GateRejectedError,
  type PathStyle,
  RequestValidationError,
} from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { harness, QUOTE_ID, RFQ_ID, rejection, T0, wireQuote, wireRfq } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

describe('RFQ endpoints', () => {
  it('reads our communications id', async () => {
    const { client, gate } = harness(server);
    server.reply('GET', '/communications/id', { json: { communications_id: 'abc123' } });
    expect(await client.getCommunicationsId()).toBe('abc123');
    expect(gate.specs[0]).toMatchObject({
      endpoint: 'get_communications_id',
      bucket: 'read',
      priority: 'read',
      cost: 10,
    });
  });

  it('creates an RFQ with an exact body and returns its id', async () => {
    const { client, gate } = harness(server);
    server.reply('POST', '/communications/rfqs', { status: 201, json: { id: RFQ_ID } });
    const id = await client.createRfq({
      marketTicker: 'KXTEST',
      contracts: 1050,
      restRemainder: false,
      subaccount: 0,
    });
    expect(id).toBe(RFQ_ID);
    expect(server.requests[0]?.json).toEqual({
      market_ticker: 'KXTEST',
      rest_remainder: false,
      contracts_fp: '10.50',
      subaccount: 0,
    });
    server.reply('POST', '/communications/rfqs', { status: 201, json: { id: 'r2' } });
    await client.createRfq({
      marketTicker: 'KXTEST',
      targetCost: 10_000_000,
      targetCostExcludesFees: true,
      restRemainder: true,
    });
    expect(server.requests[1]?.json).toEqual({
      market_ticker: 'KXTEST',
      rest_remainder: true,
      target_cost_dollars: '10.00',
      target_cost_excludes_fees: true,
    });
    expect(gate.specs[0]).toMatchObject({
      endpoint: 'create_rfq',
      method: 'POST',
      bucket: 'write',
      priority: 'create',
    });
    expect(() => client.createRfq({ marketTicker: 'KXTEST', restRemainder: false })).toThrow(
      RequestValidationError,
    );
  });

  it('lists a page of RFQs with every filter on the query', async () => {
    const { client } = harness(server);
    server.reply('GET', '/communications/rfqs', {
      json: {
        rfqs: [wireRfq(), wireRfq({ id: 'r2', target_cost_dollars: '25.5000', contracts_fp: '0.00' })],
        cursor: 'c1',
      },
    });
    const page = await client.rfqsPage(
      { status: 'open', marketTicker: 'M', eventTicker: 'E', subaccount: 2, userFilter: 'self', limit: 50 },
      'c0',
    );
    expect(server.requests[0]?.query).toEqual({
      cursor: 'c0',
      status: 'open',
      market_ticker: 'M',
      event_ticker: 'E',
      subaccount: '2',
      user_filter: 'self',
      limit: '50',
    });
    expect(page.cursor).toBe('c1');
    expect(page.items[0]).toMatchObject({
      id: RFQ_ID,
      creatorId: 'c0ffee',
      size: { kind: 'contracts', contracts: 1000 },
      status: 'open',
      createdAt: Date.parse('2026-07-06T01:55:01.500Z'),
      restRemainder: false,
    });
    expect(page.items[1]?.size).toEqual({ kind: 'targetCost', targetCost: 25_500_000, excludesFees: false });
    expect(() => client.rfqsPage({ limit: 101 })).toThrow(RequestValidationError);
  });

  it('reads one RFQ with combo legs and deletes it (204; 404 is not_found)', async () => {
    const { client, gate } = harness(server);
    const legs = [
      { event_ticker: 'E1', market_ticker: 'M1', side: 'yes' },
      { event_ticker: 'E2', market_ticker: 'M2', side: 'no' },
    ];
    server.reply('GET', `/communications/rfqs/${RFQ_ID}`, {
      json: { rfq: wireRfq({ mve_collection_ticker: 'KXMVE', mve_selected_legs: legs }) },
    });
    const rfq = await client.getRfq(RFQ_ID);
    expect(rfq.mveSelectedLegs).toEqual([
      { eventTicker: 'E1', marketTicker: 'M1', side: 'yes' },
      { eventTicker: 'E2', marketTicker: 'M2', side: 'no' },
    ]);
    server.reply(
      'DELETE',
      `/communications/rfqs/${RFQ_ID}`,
      { status: 204 },
      { status: 404, json: { error: { code: 'not_found' } } },
    );
    expect(await client.deleteRfq(RFQ_ID)).toEqual({ outcome: 'deleted' });
    expect(await client.deleteRfq(RFQ_ID)).toEqual({ outcome: 'not_found' });
    expect(gate.specs.at(-1)).toMatchObject({ endpoint: 'delete_rfq', bucket: 'write', priority: 'delete' });
  });
});

describe('create_quote', () => {
  it('sends prices formatted minimally and returns the id', async () => {
    const { client, gate } = harness(server);
    server.reply('POST', '/communications/quotes', { status: 201, json: { id: QUOTE_ID } });
    const id = await client.createQuote({
      rfqId: RFQ_ID,
      yesBid: 560_000,
      noBid: 412_500,
      restRemainder: false,
      postOnly: true,
      subaccount: 3,
    });
    expect(id).toBe(QUOTE_ID);
    const [req] = server.requests;
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(req?.json).toEqual({
      rfq_id: RFQ_ID,
      yes_bid: '0.56',
      no_bid: '0.4125',
      rest_remainder: false,
      post_only: true,
      subaccount: 3,
    });
    expect(gate.specs[0]).toMatchObject({
      endpoint: 'create_quote',
      bucket: 'write',
      priority: 'create',
      cost: 2,
    });
  });

  it('declines a side with "0" and refuses prices finer than 4 dp or outside $0..$1 without sending', async () => {
    const { client } = harness(server);
    server.reply('POST', '/communications/quotes', { status: 201, json: { id: 'q' } });
    await client.createQuote({ rfqId: RFQ_ID, yesBid: 0, noBid: 10_000, restRemainder: false });
    expect(server.requests[0]?.json).toMatchObject({ yes_bid: '0.00', no_bid: '0.01' });
    for (const [yesBid, noBid] of [
      [480_050, 0],
      [480_000, 1],
      [-100, 0],
      [1_000_100, 0],
      [0.5, 0],
    ] as const) {
      const error = await rejection(
        client.createQuote({ rfqId: RFQ_ID, yesBid, noBid, restRemainder: false }),
      );
      expect(error).toBeInstanceOf(RequestValidationError);
      expect((error as RequestValidationError).code).toBe('invalid_request');
    }
    expect(
      (await rejection(
        client.createQuote({ rfqId: RFQ_ID, yesBid: 480_050, noBid: 0, restRemainder: false }),
      )) as Error,
    ).toHaveProperty(
      'message',
      expect.stringMatching(/yesBid: 480050 micros is finer than 4 decimal places/),
    );
    expect(server.requests).toHaveLength(1);
  });

  it('reports the exchange code of a rejected quote and does not retry it', async () => {
    const { client } = harness(server);
    server.reply('POST', '/communications/quotes', {
      status: 400,
      json: { error: { code: 'RFQ_CLOSED', message: 'rfq closed', service: 'midland' } },
    });
    const error = (await rejection(
      client.createQuote({ rfqId: RFQ_ID, yesBid: 480_000, noBid: 450_000, restRemainder: false }),
    )) as BadRequestError;
    expect(error).toBeInstanceOf(BadRequestError);
    expect(error.isExchangeCode('rfq_closed')).toBe(true);
    expect(error.rfqId).toBe(RFQ_ID);
    expect(server.requests).toHaveLength(1);
  });
});

describe('quote listing', () => {
  it('sends every filter, with times in Unix seconds', async () => {
    const { client } = harness(server);
    server.reply('GET', '/communications/quotes', { json: { quotes: [wireQuote()], cursor: null } });
    const page = await client.quotesPage({
      status: 'open',
      userFilter: 'self',
      rfqUserFilter: 'self',
      rfqId: RFQ_ID,
      minTs: 1_700_000_000_900,
      maxTs: 1_700_000_300_100,
      limit: 500,
    });
    expect(server.requests[0]?.query).toEqual({
      status: 'open',
      user_filter: 'self',
      rfq_user_filter: 'self',
      rfq_id: RFQ_ID,
      min_ts: '1700000000',
      max_ts: '1700000301',
      limit: '500',
    });
    expect(page.cursor).toBeUndefined();
    expect(page.items[0]).toMatchObject({
      id: QUOTE_ID,
      yesBid: 480_000,
      noBid: 450_000,
      contracts: 1000,
      postOnly: true,
    });
  });
});

describe.each<PathStyle>(['rfq-scoped', 'legacy'])('quote-level operations, %s paths', (pathStyle) => {
  const base =
    pathStyle === 'legacy'
      ? `/communications/quotes/${QUOTE_ID}`
      : `/communications/rfqs/${RFQ_ID}/quotes/${QUOTE_ID}`;

  it('get, delete, accept and confirm use the right method, path and body', async () => {
    const { client, gate } = harness(server, { pathStyle, clock: new ManualClock(T0) });
    server.reply('GET', base, {
      json: {
        quote: wireQuote({ status: 'accepted', accepted_side: 'no', accepted_ts: '2026-07-06T01:55:03Z' }),
      },
    });
    server.reply(
      'DELETE',
      base,
      { status: 204 },
      { status: 404, json: { error: { code: 'not_found', service: 'midland' } } },
    );
    server.reply('PUT', `${base}/accept`, { status: 204 });
    server.reply('PUT', `${base}/confirm`, { status: 204 });

    const quote = await client.getQuote(RFQ_ID, QUOTE_ID);
    expect(quote).toMatchObject({
      status: 'accepted',
      acceptedSide: 'no',
      acceptedAt: Date.parse('2026-07-06T01:55:03Z'),
    });
    expect(await client.deleteQuote(RFQ_ID, QUOTE_ID)).toEqual({ outcome: 'deleted' });
    expect(await client.deleteQuote(RFQ_ID, QUOTE_ID)).toEqual({ outcome: 'not_found' });
    await client.acceptQuote(RFQ_ID, QUOTE_ID, 'yes');
    await client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: T0 + 3000 });

    expect(server.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET /trade-api/v2${base}`,
      `DELETE /trade-api/v2${base}`,
      `DELETE /trade-api/v2${base}`,
      `PUT /trade-api/v2${base}/accept`,
      `PUT /trade-api/v2${base}/confirm`,
    ]);
    expect(server.requests[1]?.body).toBe('');
    expect(server.requests[3]?.json).toEqual({ accepted_side: 'yes' });
    expect(server.requests[4]?.body).toBe('{}');
    expect(server.requests[4]?.headers['content-type']).toMatch(/^application\/json/);

    const specs = gate.specs.map((s) => [s.endpoint, s.bucket, s.priority, s.cost, s.path]);
    expect(specs).toEqual([
      ['get_quote', 'read', 'read', 2, base],
      ['delete_quote', 'write', 'delete', 2, base],
      ['delete_quote', 'write', 'delete', 2, base],
      ['accept_quote', 'write', 'create', 10, `${base}/accept`],
      ['confirm_quote', 'write', 'confirm', 10, `${base}/confirm`],
    ]);
    expect(gate.specs[4]?.deadline).toBe(T0 + 3000);
  });

  it('never sends a confirm at or after its deadline', async () => {
    const { client } = harness(server, { pathStyle, clock: new ManualClock(T0) });
    server.reply('PUT', `${base}/confirm`, { status: 204 });
    const error = await rejection(client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: T0 }));
    expect(error).toBeInstanceOf(GateRejectedError);
    expect((error as GateRejectedError).reason).toBe('deadline');
    expect(server.requests).toHaveLength(0);
  });
});

describe('caller options', () => {
  it('passes priority overrides and signals to the gate, and aborts in flight', async () => {
    const { client, gate } = harness(server);
    server.reply('GET', '/communications/id', { json: { communications_id: 'x' } });
    await client.getCommunicationsId({ priority: 'confirm' });
    expect(gate.specs[0]?.priority).toBe('confirm');

    server.reply('GET', '/communications/id', { json: { communications_id: 'x' }, delayMs: 5000 });
    const controller = new AbortController();
    const pending = client.getCommunicationsId({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    const error = (await rejection(pending)) as Error & { code: string };
    expect(error.name).toBe('AbortedError');
    expect(error.code).toBe('aborted');
    expect(gate.specs[1]?.signal).toBe(controller.signal);
  });
});

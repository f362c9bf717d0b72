import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { BadRequestError, QuoteOutcomeUnknownError } from '../../../src/kalshi/index.js';
import { type ScriptedResponse, startTestServer, type TestServer } from '../../helpers/test-server.js';
import { harness, RFQ_ID, rejection, T0, wireQuoteAt } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

const QUOTE = { rfqId: RFQ_ID, yesBid: 480_000, noBid: 450_000, restRemainder: false, postOnly: true };
const LANDED = 'landed-quote-id';

/** An exchange whose create lands but whose answer is lost in `how`; the listing then shows it. */
function landsButAnswerLost(how: ScriptedResponse) {
  const landed: ReturnType<typeof wireQuoteAt>[] = [];
  server.handle('POST', '/communications/quotes', () => {
    landed.push(wireQuoteAt(T0 + 20, { id: LANDED, yes_bid_dollars: '0.4800', no_bid_dollars: '0.4500' }));
    return { status: 201, json: { id: LANDED }, ...how };
  });
  server.handle('GET', '/communications/quotes', () => ({ json: { quotes: landed, cursor: '' } }));
}

describe('create_quote with a lost response', () => {
  it.each([
    ['the socket is destroyed', { destroy: 'before-response' } as const],
    ['the body is cut off', { destroy: 'mid-body' } as const],
    ['the answer comes after the time-out', { delayMs: 15_000 }],
    ['the answer is malformed', { body: '{"id":' }],
  ])('adopts the quote that landed when %s, without a second create', async (_, how) => {
    const { client, logs } = harness(server, { clock: new ManualClock(T0), timeoutMs: 1000 });
    landsButAnswerLost(how);
    expect(await client.createQuote(QUOTE)).toBe(LANDED);
    expect(server.requestsTo('POST', '/communications/quotes')).toHaveLength(1);
    const [listing] = server.requestsTo('GET', '/communications/quotes');
    expect(listing?.query).toEqual({
      rfq_id: RFQ_ID,
      user_filter: 'self',
      min_ts: String(Math.floor((T0 - 5000) / 1000)),
      max_ts: String(Math.ceil((T0 + 300_000) / 1000)),
    });
    const adopted = logs.lines().find((l) => String(l['msg']).includes('adopted'));
    expect(adopted).toMatchObject({ rfqId: RFQ_ID, quoteId: LANDED, level: 40 });
  });

  it('sends again when the create did not land, ignoring quotes that do not match', async () => {
    const { client, sleeps } = harness(server, { clock: new ManualClock(T0) });
    server.reply('POST', '/communications/quotes', {
      status: 500,
      json: { error: { code: 'internal_server_error' } },
    });
    server.reply('POST', '/communications/quotes', { status: 201, json: { id: 'second' } });
    server.reply('GET', '/communications/quotes', {
      json: {
        quotes: [
          wireQuoteAt(T0 + 10, { id: 'other-prices', yes_bid_dollars: '0.4700', no_bid_dollars: '0.4500' }),
          wireQuoteAt(T0 - 60_000, { id: 'too-old', yes_bid_dollars: '0.4800', no_bid_dollars: '0.4500' }),
          wireQuoteAt(T0 + 10, {
            id: 'cancelled',
            status: 'cancelled',
            yes_bid_dollars: '0.48',
            no_bid_dollars: '0.45',
          }),
          wireQuoteAt(T0 + 10, {
            id: 'other-rfq',
            rfq_id: 'another',
            yes_bid_dollars: '0.48',
            no_bid_dollars: '0.45',
          }),
        ],
      },
    });
    expect(await client.createQuote(QUOTE)).toBe('second');
    expect(server.requestsTo('POST', '/communications/quotes')).toHaveLength(2);
    expect(server.requestsTo('GET', '/communications/quotes')).toHaveLength(1);
    expect(sleeps).toEqual([188]);
    expect(server.requestsTo('POST', '/communications/quotes')[1]?.json).toEqual(
      server.requestsTo('POST', '/communications/quotes')[0]?.json,
    );
  });

  it('adopts the newest match when several exist', async () => {
    const { client } = harness(server, { clock: new ManualClock(T0) });
    server.reply('POST', '/communications/quotes', { status: 502, body: 'bad gateway' });
    server.reply(
      'GET',
      '/communications/quotes',
      { json: { quotes: [wireQuoteAt(T0 - 1000, { id: 'older' })], cursor: 'p2' } },
      { json: { quotes: [wireQuoteAt(T0 + 50, { id: 'newest' })], cursor: '' } },
    );
    expect(await client.createQuote(QUOTE)).toBe('newest');
    expect(server.requestsTo('GET', '/communications/quotes')[1]?.query['cursor']).toBe('p2');
  });

  it('retries a 429 without listing, and never retries a 400', async () => {
    const { client } = harness(server);
    server.reply(
      'POST',
      '/communications/quotes',
      { status: 429, json: { error: 'too many requests' } },
      { status: 201, json: { id: 'ok' } },
      { status: 400, json: { error: { code: 'invalid_parameters' } } },
    );
    expect(await client.createQuote(QUOTE)).toBe('ok');
    expect(await rejection(client.createQuote(QUOTE))).toBeInstanceOf(BadRequestError);
    expect(server.requestsTo('POST', '/communications/quotes')).toHaveLength(3);
    expect(server.requestsTo('GET', '/communications/quotes')).toHaveLength(0);
  });

  it('reports an unknown outcome when the reconciling listing fails too', async () => {
    const { client } = harness(server, { retry: { readAttempts: 2 } });
    server.reply('POST', '/communications/quotes', { destroy: 'before-response' });
    server.handle('GET', '/communications/quotes', () => ({ status: 503, body: '' }));
    const error = (await rejection(client.createQuote(QUOTE))) as QuoteOutcomeUnknownError;
    expect(error).toBeInstanceOf(QuoteOutcomeUnknownError);
    expect(error.code).toBe('quote_outcome_unknown');
    expect(error.rfqId).toBe(RFQ_ID);
    expect(error.message).toMatch(/network_error.*server_error.*may be live/);
    expect(server.requestsTo('POST', '/communications/quotes')).toHaveLength(1);
  });

  it('gives up after the write attempts, having reconciled after each lost answer', async () => {
    const { client } = harness(server, { retry: { writeAttempts: 2 } });
    server.handle('POST', '/communications/quotes', () => ({ status: 500, body: '' }));
    server.handle('GET', '/communications/quotes', () => ({ json: { quotes: [] } }));
    expect(await rejection(client.createQuote(QUOTE))).toHaveProperty('name', 'ServerError');
    expect(server.requestsTo('POST', '/communications/quotes')).toHaveLength(2);
    expect(server.requestsTo('GET', '/communications/quotes')).toHaveLength(2);
  });
});

import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import {
  BadRequestError,
  backoffDelay,
  GateRejectedError,
  NetworkError,
  NotFoundError,
  type ResponseInfo,
  ServerError,
  TimeoutError,
} from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { harness, QUOTE_ID, RFQ_ID, rejection, T0, wireQuote } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

const OK = { json: { communications_id: 'me' } };
const QUOTE_PATH = `/communications/rfqs/${RFQ_ID}/quotes/${QUOTE_ID}`;

describe('backoff', () => {
  it('grows exponentially to a cap, with half of each delay jittered', () => {
    const mid = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, 250, 4000, () => 0.5));
    expect(mid).toEqual([188, 375, 750, 1500, 3000, 3000, 3000]);
    expect(backoffDelay(3, 250, 4000, () => 0)).toBe(500);
    expect(backoffDelay(3, 250, 4000, () => 0.999999)).toBe(1000);
  });
});

describe('read retries', () => {
  it('retries 429, 5xx, a dropped connection, a time-out and a malformed body, backing off, then succeeds', async () => {
    const infos: ResponseInfo[] = [];
    const { client, sleeps, gate } = harness(server, {
      timeoutMs: 1000,
      retry: { readAttempts: 7 },
      onResponse: (info) => infos.push(info),
    });
    server.reply(
      'GET',
      '/communications/id',
      { status: 429, json: { error: 'too many requests' } },
      { status: 500, json: { error: { code: 'internal_server_error', service: 'midland' } } },
      { status: 503, body: 'service in fail-fast' },
      { destroy: 'before-response' },
      { ...OK, delayMs: 15_000 },
      { body: '{"communications_id": "tru' },
      OK,
    );
    expect(await client.getCommunicationsId()).toBe('me');
    expect(server.requests).toHaveLength(7);
    expect(gate.specs).toHaveLength(7); // every attempt passes the gate
    expect(sleeps).toEqual([188, 375, 750, 1500, 3000, 3000]);
    expect(infos.map((i) => [i.status, i.errorCode])).toEqual([
      [429, 'rate_limited'],
      [500, 'server_error'],
      [503, 'server_error'],
      [undefined, 'network_error'],
      [undefined, 'timeout'],
      [200, 'response_format'],
      [200, undefined],
    ]);
    expect(
      infos.every((i) => i.endpoint === 'get_communications_id' && i.method === 'GET' && i.durationMs >= 0),
    ).toBe(true);
  });

  it('gives up after the configured attempts with the last error', async () => {
    const { client, sleeps } = harness(server, { retry: { readAttempts: 3 } });
    server.handle('GET', '/communications/id', () => ({ status: 502, body: 'bad gateway' }));
    const error = await rejection(client.getCommunicationsId());
    expect(error).toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(3);
    expect(sleeps).toHaveLength(2);
  });

  it('does not retry a 400 or a 404', async () => {
    const { client, sleeps } = harness(server);
    server.reply('GET', '/communications/id', {
      status: 400,
      json: { error: { code: 'invalid_parameters' } },
    });
    expect(await rejection(client.getCommunicationsId())).toBeInstanceOf(BadRequestError);
    server.reply('GET', QUOTE_PATH, { status: 404, json: { error: { code: 'not_found' } } });
    expect(await rejection(client.getQuote(RFQ_ID, QUOTE_ID))).toBeInstanceOf(NotFoundError);
    expect(server.requests).toHaveLength(2);
    expect(sleeps).toEqual([]);
  });

  it('classifies a refused connection as never sent', async () => {
    const closed = await startTestServer();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const { client } = harness(server, { baseUrl, retry: { readAttempts: 1 } });
    const error = (await rejection(client.getCommunicationsId())) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.requestMayHaveBeenSent).toBe(false);
    expect(error.message).toContain('ECONNREFUSED');
  });

  it('does not retry past the deadline', async () => {
    const clock = new ManualClock(T0);
    const { client, sleeps } = harness(server, {
      clock,
      sleep: async (ms) => {
        sleeps.push(ms);
        clock.advance(ms);
      },
    });
    server.handle('GET', '/communications/id', () => ({ status: 500, body: '' }));
    const error = await rejection(client.getCommunicationsId({ deadline: T0 + 500 }));
    expect(error).toBeInstanceOf(ServerError);
    expect(sleeps).toEqual([188]); // the next wait (375) would end past the deadline
    expect(server.requests).toHaveLength(2);
  });
});

describe('write retries', () => {
  it('retries a delete on 429 and 5xx; a 404 after a lost response reads as not_found', async () => {
    const { client, gate } = harness(server);
    server.reply(
      'DELETE',
      QUOTE_PATH,
      { status: 429, json: { error: 'too many requests' } },
      { status: 500, body: '' },
      { status: 404, json: { error: { code: 'not_found' } } },
    );
    expect(await client.deleteQuote(RFQ_ID, QUOTE_ID)).toEqual({ outcome: 'not_found' });
    expect(server.requests).toHaveLength(3);
    expect(gate.specs.map((s) => s.priority)).toEqual(['delete', 'delete', 'delete']);
  });

  it('does not retry an accept whose outcome is unknown', async () => {
    const { client } = harness(server);
    server.reply('PUT', `${QUOTE_PATH}/accept`, { status: 500, body: '' });
    expect(await rejection(client.acceptQuote(RFQ_ID, QUOTE_ID, 'no'))).toBeInstanceOf(ServerError);
    expect(server.requests).toHaveLength(1);
  });

  it('retries a confirm on 429, 5xx and time-outs with short waits inside the window', async () => {
    const { client, sleeps } = harness(server, { clock: new ManualClock(T0), timeoutMs: 1000 });
    server.reply(
      'PUT',
      `${QUOTE_PATH}/confirm`,
      { status: 429, json: { error: 'too many requests' } },
      { status: 503, body: '' },
      { status: 204, delayMs: 15_000 },
      { status: 204 },
    );
    await client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: T0 + 3000 });
    expect(server.requests).toHaveLength(4);
    expect(sleeps).toEqual([38, 75, 150]);
  });

  it('stops retrying a confirm when the window closes and never sends after it', async () => {
    const clock = new ManualClock(T0);
    const { client } = harness(server, {
      clock,
      sleep: async (ms) => {
        clock.advance(ms);
      },
      retry: { confirmBaseDelayMs: 400, confirmMaxDelayMs: 400 },
    });
    const sentAt: number[] = [];
    server.handle('PUT', `${QUOTE_PATH}/confirm`, () => {
      sentAt.push(clock.now());
      return { status: 429, json: { error: 'too many requests' } };
    });
    const error = await rejection(client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: T0 + 700 }));
    expect(error).toHaveProperty('name', 'RateLimitError');
    // Waits are 300 ms (equal jitter at 0.5): attempts at +0, +300, +600; the next would be at +900.
    expect(sentAt).toEqual([T0, T0 + 300, T0 + 600]);

    // A gate that holds the call past the deadline: the client still does not send.
    const slowGate = {
      run: async <T>(_spec: unknown, send: () => Promise<T>) => {
        clock.advance(10_000);
        return send();
      },
      budget: harness(server).gate.budget,
    };
    const held = harness(server, { clock, gate: slowGate });
    const late = await rejection(
      held.client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: clock.now() + 1000 }),
    );
    expect(late).toBeInstanceOf(GateRejectedError);
    expect(server.requests).toHaveLength(3);
  });

  it('treats a failed retry of a confirm that had landed as success when the quote is confirmed', async () => {
    const { client, logs } = harness(server, { clock: new ManualClock(T0), timeoutMs: 1000 });
    server.reply(
      'PUT',
      `${QUOTE_PATH}/confirm`,
      { status: 204, delayMs: 15_000 },
      { status: 400, json: { error: { code: 'quote_not_accepted', service: 'midland' } } },
    );
    server.reply('GET', QUOTE_PATH, {
      json: { quote: wireQuote({ status: 'confirmed', accepted_side: 'yes' }) },
    });
    await client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: T0 + 3000 });
    expect(server.requestsTo('PUT', `${QUOTE_PATH}/confirm`)).toHaveLength(2);
    expect(
      logs.lines().some((l) => l['quoteId'] === QUOTE_ID && String(l['msg']).includes('is confirmed')),
    ).toBe(true);

    // Same story, but the quote is still merely accepted: the failure stands.
    server.reply(
      'PUT',
      `${QUOTE_PATH}/confirm`,
      { status: 504, body: '' },
      { status: 400, json: { error: { code: 'expired', service: 'midland' } } },
    );
    server.reply('GET', QUOTE_PATH, {
      json: { quote: wireQuote({ status: 'accepted', accepted_side: 'yes' }) },
    });
    const error = (await rejection(
      client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: T0 + 3000 }),
    )) as BadRequestError;
    expect(error.isExchangeCode('expired')).toBe(true);
  });

  it('reports a time-out with the configured limit', async () => {
    const { client } = harness(server, { timeoutMs: 200, retry: { readAttempts: 1 } });
    server.reply('GET', '/communications/id', { ...OK, delayMs: 15_000 });
    const error = (await rejection(client.getCommunicationsId())) as TimeoutError;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error.timeoutMs).toBe(200);
    expect(error.message).toContain('no response within 200 ms');
  });
});

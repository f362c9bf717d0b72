import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ClientConfigError,
  OversizedPageError,
  ResponseTooLargeError,
  ServerError,
} from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { collect, harness, QUOTE_ID, RFQ_ID, rejection, wireQuote, wireRfq } from './fixtures.js';

const CAP = 64 * 1024;

interface Streamer {
  readonly baseUrl: string;
  /** Bytes written to each connection before the client went away. */
  readonly written: number[];
  /** Connections the client closed. */
  closed: number;
  close(): Promise<void>;
}

/**
 * A server whose every answer is a body that never ends: 16 KiB chunks, no Content-Length
 * (or a huge declared one), until the client hangs up.
 */
async function startStreamer(options: { status?: number; declare?: number } = {}): Promise<Streamer> {
  const sockets = new Set<Socket>();
  const state: Streamer = {
    baseUrl: '',
    written: [],
    closed: 0,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const chunk = Buffer.alloc(16 * 1024, 'x');
  const server: Server = createServer((req, res) => {
    req.resume();
    const index = state.written.push(0) - 1;
    res.writeHead(options.status ?? 200, {
      'content-type': 'application/json',
      ...(options.declare !== undefined ? { 'content-length': String(options.declare) } : {}),
    });
    res.write('{"rfqs":["');
    const pump = () => {
      while (!res.destroyed && res.write(chunk)) state.written[index]! += chunk.length;
      if (!res.destroyed) res.once('drain', pump);
    };
    res.on('close', () => {
      state.closed++;
    });
    pump();
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, { baseUrl: `http://127.0.0.1:${port}/trade-api/v2` });
}

let server: TestServer;
const streamers: Streamer[] = [];
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
  await Promise.all(streamers.splice(0).map((s) => s.close()));
});

async function streamer(options: { status?: number; declare?: number } = {}): Promise<Streamer> {
  const s = await startStreamer(options);
  streamers.push(s);
  return s;
}

describe('response body cap', () => {
  it('stops reading a body that never ends at the cap: a typed error, not retried, connection closed', async () => {
    const s = await streamer();
    const { client, gate } = harness(server, {
      baseUrl: s.baseUrl,
      maxResponseBytes: CAP,
      timeoutMs: 10_000,
    });
    const started = Date.now();
    const error = await rejection(client.rfqsPage({ status: 'open' }));
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    const tooLarge = error as ResponseTooLargeError;
    expect(tooLarge).toMatchObject({
      code: 'response_too_large',
      status: 200,
      limitBytes: CAP,
      endpoint: 'get_rfqs',
    });
    expect(tooLarge.receivedBytes).toBeGreaterThan(CAP);
    expect(tooLarge.message).toContain(`${CAP}-byte cap`);
    // Well before the 10 s time-out, on the first attempt.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(gate.specs).toHaveLength(1);
    await expect.poll(() => s.closed).toBe(1);
  });

  it('refuses at once a body whose Content-Length is above the cap', async () => {
    const s = await streamer({ declare: 50 * 1024 * 1024 });
    const { client } = harness(server, { baseUrl: s.baseUrl, maxResponseBytes: CAP });
    const error = (await rejection(client.rfqsPage())) as ResponseTooLargeError;
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.receivedBytes).toBe(50 * 1024 * 1024);
  });

  it('an endless error body is cut short and still classified by its status', async () => {
    const s = await streamer({ status: 503 });
    const { client } = harness(server, {
      baseUrl: s.baseUrl,
      maxResponseBytes: CAP,
      timeoutMs: 10_000,
      retry: { readAttempts: 1 },
    });
    const error = (await rejection(client.rfqsPage())) as ServerError;
    expect(error).toBeInstanceOf(ServerError);
    expect(error.status).toBe(503);
    expect(error.message.length).toBeLessThan(1_000);
  });

  it('reads a body just under the cap', async () => {
    const { client } = harness(server, { maxResponseBytes: CAP });
    const padding = 'p'.repeat(CAP - 2_000);
    server.reply('GET', '/communications/rfqs', {
      json: { rfqs: [wireRfq({ x_padding: padding })], cursor: '' },
    });
    const page = await client.rfqsPage();
    expect(page.items.map((r) => r.id)).toEqual([RFQ_ID]);
  });

  it('a create answered with an oversized body is reconciled, not sent again', async () => {
    const { client } = harness(server, { maxResponseBytes: CAP });
    server.reply('POST', '/communications/quotes', {
      status: 201,
      body: JSON.stringify({ id: QUOTE_ID, padding: 'p'.repeat(CAP) }),
    });
    server.reply('GET', '/communications/quotes', {
      json: { quotes: [wireQuote({ created_ts: new Date().toISOString() })], cursor: '' },
    });
    const id = await client.createQuote({
      rfqId: RFQ_ID,
      yesBid: 480_000,
      noBid: 450_000,
      restRemainder: false,
    });
    expect(id).toBe(QUOTE_ID);
    expect(server.requestsTo('POST', '/communications/quotes')).toHaveLength(1);
  });

  it('refuses a cap below 1 KiB', () => {
    expect(() => harness(server, { maxResponseBytes: 10 })).toThrow(ClientConfigError);
    expect(() => harness(server, { maxResponseBytes: 10 })).toThrow(/maxResponseBytes/);
  });
});

describe('listing page size', () => {
  it('refuses a page with more items than the limit asked for, without retrying', async () => {
    const { client, gate } = harness(server);
    const rfqs = [1, 2, 3].map((n) => wireRfq({ id: `rfq-${n}` }));
    server.reply('GET', '/communications/rfqs', { json: { rfqs, cursor: 'next' } });
    const error = (await rejection(client.rfqsPage({ limit: 2 }))) as OversizedPageError;
    expect(error).toBeInstanceOf(OversizedPageError);
    expect(error).toMatchObject({ code: 'page_too_large', limit: 2, items: 3, endpoint: 'get_rfqs' });
    expect(gate.specs).toHaveLength(1);
    expect(server.requests[0]?.query['limit']).toBe('2');
  });

  it("without a limit, refuses a page above the endpoint's maximum (RFQs 100, quotes 500)", async () => {
    const { client } = harness(server);
    const rfqs = Array.from({ length: 101 }, (_, n) => wireRfq({ id: `rfq-${n}` }));
    server.reply('GET', '/communications/rfqs', { json: { rfqs, cursor: '' } });
    expect(await rejection(collect(client.rfqs({ status: 'open' })))).toBeInstanceOf(OversizedPageError);
    const quotes = Array.from({ length: 501 }, (_, n) => wireQuote({ id: `q-${n}` }));
    server.reply('GET', '/communications/quotes', { json: { quotes, cursor: '' } });
    expect(await rejection(client.quotesPage({ userFilter: 'self' }))).toBeInstanceOf(OversizedPageError);
  });

  it('takes a full page of exactly the limit', async () => {
    const { client } = harness(server);
    const rfqs = [1, 2].map((n) => wireRfq({ id: `rfq-${n}` }));
    server.reply('GET', '/communications/rfqs', { json: { rfqs, cursor: '' } });
    expect((await client.rfqsPage({ limit: 2 })).items).toHaveLength(2);
  });
});

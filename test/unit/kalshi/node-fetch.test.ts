/**
 * The client's node:http fetch (exchange.httpClient: node, the default) against real local
 * servers: what undici's fetch did for the transport, it must do too — keep-alive, decoded
 * bodies under the byte cap, a status known before a connection drops mid-body, a connection
 * never made counted as never sent — and `httpClient: fetch` still goes through undici.
 */
import { getEventListeners } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { abortWaitersOf } from '../../../src/domain/abort-waiters.js';
import {
  AbortedError,
  NetworkError,
  QuoteOutcomeUnknownError,
  ResponseTooLargeError,
  TimeoutError,
} from '../../../src/kalshi/index.js';
import { CONNECT_TIMEOUT, createNodeFetch } from '../../../src/kalshi/node-fetch.js';
import { waitFor } from '../../helpers/simulator.js';
import { startTestServer } from '../../helpers/test-server.js';
import { harness, QUOTE_ID, RFQ_ID, rejection, wireRfq } from './fixtures.js';

const gzip = promisify(zlib.gzip);
const deflate = promisify(zlib.deflate);
const brotli = promisify(zlib.brotliCompress);

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
});

/**
 * An HTTP server on 127.0.0.1 (HTTPS with `tls`) answering with `handler`; the connections it
 * took are counted, and it closes after the test.
 */
async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls?: { readonly cert: Buffer; readonly key: Buffer },
): Promise<{ origin: string; baseUrl: string; connections: () => number }> {
  const sockets = new Set<Socket>();
  let connections = 0;
  const answer = (req: IncomingMessage, res: ServerResponse) => {
    req.resume();
    req.on('end', () => handler(req, res));
  };
  const server: Server = tls ? createHttpsServer(tls, answer) : createServer(answer);
  server.on(tls ? 'secureConnection' : 'connection', (socket: Socket) => {
    connections++;
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
  const origin = `${tls ? 'https' : 'http'}://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, baseUrl: `${origin}/trade-api/v2`, connections: () => connections };
}

async function client(baseUrl: string, maxResponseBytes = 1 << 20) {
  const unused = await startTestServer();
  closers.push(() => unused.close());
  return harness(unused, { baseUrl, maxResponseBytes, retry: { readAttempts: 1 } }).client;
}

const PAGE = JSON.stringify({ rfqs: [wireRfq()], cursor: '' });

describe('the node fetch', () => {
  it('sends the signed request as given and reuses one connection for calls in turn', async () => {
    const seen: IncomingMessage[] = [];
    const server = await serve((req, res) => {
      seen.push(req);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(PAGE);
    });
    const kalshi = await client(server.baseUrl);
    for (let i = 0; i < 3; i++) {
      const page = await kalshi.rfqsPage({ status: 'open' });
      expect(page.items.map((rfq) => rfq.id)).toEqual([RFQ_ID]);
    }
    expect(server.connections()).toBe(1);
    expect(seen[0]?.url).toBe('/trade-api/v2/communications/rfqs?status=open');
    expect(seen[0]?.headers['kalshi-access-key']).toMatch(/\S/);
    expect(seen[0]?.headers['kalshi-access-signature']).toMatch(/\S/);
    expect(seen[0]?.headers['accept-encoding']).toBe('gzip, deflate, br');
    expect(seen[0]?.headers['user-agent']).toBe('kalshi-rfq-maker');
  });

  it.each([
    ['gzip', gzip],
    ['deflate', deflate],
    ['br', brotli],
  ] as const)('decodes a %s body', async (encoding, encode) => {
    const body = await encode(Buffer.from(PAGE));
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': encoding });
      res.end(body);
    });
    const page = await (await client(server.baseUrl)).rfqsPage();
    expect(page.items.map((rfq) => rfq.id)).toEqual([RFQ_ID]);
  });

  it('caps the decoded bytes: a small gzip body that inflates past the cap is refused', async () => {
    // 8 MiB of one byte compresses to ~8 KiB; the cap is 256 KiB of decoded text.
    const cap = 256 * 1024;
    const bomb = await gzip(Buffer.alloc(8 * 1024 * 1024, 0x20));
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-encoding': 'gzip' });
      res.end(bomb);
    });
    const error = (await rejection((await client(server.baseUrl, cap)).rfqsPage())) as ResponseTooLargeError;
    expect(error).toBeInstanceOf(ResponseTooLargeError);
    expect(error.limitBytes).toBe(cap);
    expect(error.receivedBytes).toBeGreaterThan(cap);
    expect(error.receivedBytes).toBeLessThan(2 * cap);
  });

  it('a connection lost mid-body is a network error that knows the status: it may have landed', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': '1000' });
      res.write(PAGE.slice(0, 20), () => res.socket?.destroy());
    });
    const error = (await rejection((await client(server.baseUrl)).rfqsPage())) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.status).toBe(201);
    expect(error.message).toMatch(/connection lost while reading the response/);
    expect(error.retry).toBe('may-have-landed');
  });

  it('a connection never made in time fails as never sent', async () => {
    // TCP connects, the TLS handshake never answers.
    const sockets = new Set<Socket>();
    const silent: TcpServer = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    });
    const { port } = silent.address() as AddressInfo;
    const fetch = createNodeFetch({ maxBodyBytes: 1 << 20, connectTimeoutMs: 200 });
    const started = Date.now();
    const error = (await rejection(fetch(`https://127.0.0.1:${port}/x`))) as TypeError;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(error).toBeInstanceOf(TypeError);
    expect((error.cause as { code?: string }).code).toBe(CONNECT_TIMEOUT);
    expect(sockets.size).toBe(1);
  });

  it('rejects with the abort reason when the signal fires, and sends nothing after an abort', async () => {
    const server = await serve(() => undefined); // never answers
    const fetch = createNodeFetch({ maxBodyBytes: 1 << 20 });
    const controller = new AbortController();
    const pending = rejection(fetch(`${server.baseUrl}/x`, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('stop now')), 50);
    expect(((await pending) as Error).message).toBe('stop now');
    await expect(fetch(`${server.baseUrl}/x`, { signal: controller.signal })).rejects.toThrow('stop now');
  });

  it('a refused connection keeps its code, so the transport knows it was never sent', async () => {
    const server = await serve(() => undefined);
    const port = new URL(server.baseUrl).port;
    await closers.pop()?.();
    const error = (await rejection(
      (await client(`http://127.0.0.1:${port}/trade-api/v2`)).rfqsPage(),
    )) as NetworkError;
    expect(error).toBeInstanceOf(NetworkError);
    expect(error.message).toMatch(/ECONNREFUSED/);
    expect(error.retry).not.toBe('may-have-landed');
  });
});

describe('the body and the abort beside ky (DirectSend)', () => {
  /** A server that keeps each request's headers and body, answering a created quote. */
  async function recorder() {
    const seen: { headers: IncomingMessage['headers']; body: string }[] = [];
    const server = await serve(() => undefined);
    await closers.pop()?.();
    const http = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => {
        body += chunk;
      });
      req.on('end', () => {
        seen.push({ headers: req.headers, body });
        res.writeHead(201, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: QUOTE_ID }));
      });
    });
    await new Promise<void>((done) => http.listen(Number(new URL(server.origin).port), '127.0.0.1', done));
    closers.push(() => new Promise<void>((done) => http.close(() => done())));
    return { baseUrl: server.baseUrl, seen };
  }

  it('sends the same body and headers as through the runtime fetch', async () => {
    const server = await recorder();
    const unused = await startTestServer();
    closers.push(() => unused.close());
    const args = { rfqId: RFQ_ID, yesBid: 450_000, noBid: 510_000, restRemainder: false };
    const node = harness(unused, { baseUrl: server.baseUrl }).client;
    const viaFetch = harness(unused, { baseUrl: server.baseUrl, httpClient: 'fetch' }).client;
    expect(await node.createQuote(args)).toBe(QUOTE_ID);
    expect(await viaFetch.createQuote(args)).toBe(QUOTE_ID);
    const [direct, fetched] = server.seen;
    expect(direct!.body).toBe(fetched!.body);
    expect(JSON.parse(direct!.body)).toMatchObject({ rfq_id: RFQ_ID, yes_bid: '0.45', no_bid: '0.51' });
    for (const name of ['content-type', 'content-length', 'kalshi-access-key'])
      expect([name, direct!.headers[name]]).toEqual([name, fetched!.headers[name]]);
  });

  it("ends the calls on the caller's abort and on the time-out, one listener on a signal they share", async () => {
    let received = 0;
    const server = await serve(() => {
      received++; // and never answers
    });
    const unused = await startTestServer();
    closers.push(() => unused.close());
    const kalshi = harness(unused, { baseUrl: server.baseUrl, timeoutMs: 20_000 }).client;
    const impatient = harness(unused, { baseUrl: server.baseUrl, timeoutMs: 300 }).client;
    const args = { rfqId: RFQ_ID, yesBid: 450_000, noBid: 510_000, restRemainder: false };
    const warnings: Error[] = [];
    const onWarning = (warning: Error) => warnings.push(warning);
    process.on('warning', onWarning);
    try {
      const caller = new AbortController();
      const calls = Array.from({ length: 20 }, () =>
        rejection(kalshi.createQuote(args, { signal: caller.signal })),
      );
      await waitFor(() => received === 20, { what: 'the 20 creates to reach the server' });
      expect(getEventListeners(caller.signal, 'abort')).toHaveLength(1);
      caller.abort(new Error('shutting down'));
      for (const error of await Promise.all(calls)) expect(error).toBeInstanceOf(AbortedError);
      // A create that timed out may have landed: the time-out is its cause.
      const kept = new AbortController();
      const timedOut = (await rejection(impatient.createQuote(args, { signal: kept.signal }))) as Error;
      expect(timedOut).toBeInstanceOf(QuoteOutcomeUnknownError);
      expect(timedOut.cause).toBeInstanceOf(TimeoutError);
      expect(abortWaitersOf(kept.signal).size).toBe(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.map((w) => w.name)).not.toContain('MaxListenersExceededWarning');
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('the node fetch over TLS', () => {
  const TLS = resolve(import.meta.dirname, '../../fixtures/tls');
  const cert = readFileSync(join(TLS, 'localhost-cert.pem'));
  const key = readFileSync(join(TLS, 'localhost-key.pem'));

  const tlsServer = () =>
    serve(
      (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(PAGE);
      },
      { cert, key },
    );

  it('answers over https and keeps one connection for calls in turn', async () => {
    const server = await tlsServer();
    const fetch = createNodeFetch({ maxBodyBytes: 1 << 20, ca: cert });
    for (let i = 0; i < 3; i++) {
      const response = await fetch(`${server.baseUrl}/communications/rfqs`);
      expect(response.status).toBe(200);
      expect(JSON.parse(await response.text())).toEqual(JSON.parse(PAGE));
    }
    expect(server.connections()).toBe(1);
  });

  it('refuses a certificate it does not trust, as a failed fetch', async () => {
    const server = await tlsServer();
    const fetch = createNodeFetch({ maxBodyBytes: 1 << 20 });
    const error = (await rejection(fetch(`${server.origin}/x`))) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect((error.cause as { code?: string }).code).toMatch(/SELF_SIGNED|UNABLE_TO_VERIFY/);
  });
});

describe('httpClient: fetch', () => {
  it("goes through the runtime's fetch, with the same result", async () => {
    const agents: (string | undefined)[] = [];
    const server = await serve((req, res) => {
      agents.push(req.headers['user-agent']);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(PAGE);
    });
    const unused = await startTestServer();
    closers.push(() => unused.close());
    const { client: kalshi } = harness(unused, { baseUrl: server.baseUrl, httpClient: 'fetch' });
    expect((await kalshi.rfqsPage()).items.map((rfq) => rfq.id)).toEqual([RFQ_ID]);
    expect(agents).toHaveLength(1);
    expect(agents[0]).not.toBe('kalshi-rfq-maker');
  });
});

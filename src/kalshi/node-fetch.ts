/**
 * A fetch for the client on node:http/https with keep-alive agents, in place of undici's fetch:
 * a signed request through ky costs 10–36% less CPU and its p99 is a third (`npm run
 * bench:http`); undici's fetch was the largest share of the slow RFQs' time (docs/performance.md). It does what the transport needs
 * of fetch and no more: one request, never a redirect followed (`redirect: 'error'` rejects as
 * fetch does, anything else returns the 3xx), gzip/deflate/br answers decoded, and the body read
 * whole into memory up to a cap before the promise resolves (past it the connection is closed,
 * so the transport's own cap check refuses or truncates the answer). Errors have fetch's shape:
 * a `TypeError('fetch failed')` whose `cause` carries the socket's error code; an abort rejects
 * with the signal's reason. `exchange.httpClient: fetch` goes back to undici's fetch.
 *
 * It also takes the body text and the abort signal straight from the transport (DirectSend),
 * beside ky's Request: through the Request, a body is a web stream (built, teed for ky's retry
 * clone, read back) and the signal a composite (`AbortSignal.any`, twice): about 100 µs of a
 * request's CPU on Node 20, a third of ky's share (docs/performance.md).
 */
import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import tls from 'node:tls';
import zlib from 'node:zlib';
import type { FetchLike } from './options.js';

export interface NodeFetchOptions {
  /** Bytes of a decoded body kept; one more byte than this and the connection is closed. */
  readonly maxBodyBytes: number;
  /** A new connection (TCP and TLS) not made in this time fails as CONNECT_TIMEOUT: never sent. */
  readonly connectTimeoutMs?: number;
  /** An idle kept-alive connection is closed after this long (servers close theirs at ~5 s). */
  readonly idleSocketMs?: number;
  readonly userAgent?: string;
  /** Certificates trusted beside Node's (a TLS-inspecting proxy's CA; the tests' own). */
  readonly ca?: string | Buffer;
}

/** What the transport hands a fetch that takes it (see takesDirectSend), in `init.directSend`. */
export interface DirectSend {
  /** The request's body as sent; undefined for none. */
  readonly body: string | undefined;
  /** Aborts the request: the transport's time-out and the caller's signal in one. */
  readonly signal: AbortSignal;
}

const DIRECT_SEND = Symbol('kalshi.directSend');

/** Whether `fetch` reads `init.directSend` (a node fetch, or a wrapper that passes it on). */
export function takesDirectSend(fetch: FetchLike): boolean {
  return (fetch as { [DIRECT_SEND]?: boolean })[DIRECT_SEND] === true;
}

/** Marks a fetch as one that reads `init.directSend`: a wrapper of a node fetch keeps the mark. */
export function markDirectSend<F extends FetchLike>(fetch: F): F {
  return Object.assign(fetch, { [DIRECT_SEND]: true });
}

function directSendOf(init: RequestInit | undefined): DirectSend | undefined {
  return (init as { directSend?: DirectSend } | undefined)?.directSend;
}

/** The error code of a connection that was never made in time: the request was never sent. */
export const CONNECT_TIMEOUT = 'CONNECT_TIMEOUT';

const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

/** Bodies this fetch read whole: the transport takes them as they are, without a stream. */
const bufferedBodies = new WeakMap<Response, Buffer>();

/** The body of a response made by a node fetch, or undefined for any other response. */
export function bufferedBody(response: Response): Buffer | undefined {
  return bufferedBodies.get(response);
}

export function createNodeFetch(options: NodeFetchOptions): FetchLike {
  const idle = options.idleSocketMs ?? 4_000;
  // `timeout` on an agent closes only its idle sockets; a request in flight is bounded by its signal.
  const agents = {
    'http:': new http.Agent({ keepAlive: true, timeout: idle }),
    'https:': new https.Agent({
      keepAlive: true,
      timeout: idle,
      ...(options.ca !== undefined ? { ca: [...tls.rootCertificates, String(options.ca)] } : {}),
    }),
  } as const;
  const settings = {
    maxBodyBytes: options.maxBodyBytes,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    userAgent: options.userAgent ?? 'kalshi-rfq-maker',
  };
  return markDirectSend(async (input, init) => {
    const request = input instanceof Request ? input : new Request(input, init);
    const direct = directSendOf(init);
    const signal = direct?.signal ?? init?.signal ?? request.signal;
    signal?.throwIfAborted();
    const url = new URL(request.url);
    const agent = url.protocol === 'http:' || url.protocol === 'https:' ? agents[url.protocol] : undefined;
    if (agent === undefined) {
      throw new TypeError('fetch failed', { cause: new Error(`unsupported protocol ${url.protocol}`) });
    }
    let payload: Buffer | undefined;
    if (direct) payload = direct.body === undefined ? undefined : Buffer.from(direct.body);
    else if (request.body !== null) payload = Buffer.from(await request.arrayBuffer());
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers['accept-encoding'] ??= 'gzip, deflate, br';
    headers['user-agent'] ??= settings.userAgent;
    if (payload !== undefined) headers['content-length'] = String(payload.byteLength);
    return send(
      url,
      request.method,
      headers,
      payload,
      agent,
      signal ?? undefined,
      request.redirect,
      settings,
    );
  });
}

interface Settings {
  readonly maxBodyBytes: number;
  readonly connectTimeoutMs: number;
}

function send(
  url: URL,
  method: string,
  headers: Record<string, string>,
  payload: Buffer | undefined,
  agent: http.Agent,
  signal: AbortSignal | undefined,
  redirect: Request['redirect'],
  settings: Settings,
): Promise<Response> {
  const transport = url.protocol === 'https:' ? https : http;
  return new Promise<Response>((resolve, reject) => {
    let settled = false;
    let connectTimer: NodeJS.Timeout | undefined;
    const finish = (outcome: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(connectTimer);
      signal?.removeEventListener('abort', onAbort);
      outcome();
    };
    const failed = (error: unknown) => finish(() => reject(new TypeError('fetch failed', { cause: error })));
    const onAbort = () => {
      const reason = signal?.reason;
      request.destroy();
      finish(() => reject(reason));
    };
    const request = transport.request(url, { method, headers, agent }, (response) => {
      const status = response.statusCode ?? 0;
      if (status >= 300 && status < 400 && redirect === 'error') {
        response.destroy();
        failed(new Error('unexpected redirect'));
        return;
      }
      if (status < 200 || status > 599) {
        response.destroy();
        failed(new Error(`invalid HTTP status ${status}`));
        return;
      }
      const declared = Number(response.headers['content-length'] ?? Number.NaN);
      if (status < 300 && declared > settings.maxBodyBytes) {
        // Refused unread (the transport reads the declared length); an error's first bytes are read.
        response.destroy();
        finish(() => resolve(answer(response, status, Buffer.alloc(0), false)));
        return;
      }
      const decoded = decoder(response.headers['content-encoding']);
      const body: Readable = decoded ? response.pipe(decoded) : response;
      if (decoded) response.on('error', (error) => decoded.destroy(error));
      const chunks: Buffer[] = [];
      let size = 0;
      body.on('data', (chunk: Buffer) => {
        if (settled) return;
        chunks.push(chunk);
        size += chunk.byteLength;
        if (size > settings.maxBodyBytes) {
          // Enough to refuse it: the rest is never read, and the connection goes.
          response.destroy();
          decoded?.destroy();
          done();
        }
      });
      body.on('end', () => done());
      // Lost after the status arrived: the transport learns the status and then the failure.
      body.on('error', (error) => finish(() => resolve(failingResponse(response, status, error))));
      response.on('close', () => {
        if (!response.complete) body.destroy(new Error('the connection closed before the body ended'));
      });
      const done = () => {
        const whole = Buffer.concat(chunks, size);
        finish(() => resolve(answer(response, status, whole, decoded !== undefined)));
      };
    });
    request.on('error', failed);
    request.on('socket', (socket: Socket) => {
      if (!socket.connecting) return;
      // A fresh connection: not made in time means nothing was sent.
      connectTimer = setTimeout(() => {
        const error = Object.assign(new Error(`no connection within ${settings.connectTimeoutMs} ms`), {
          code: CONNECT_TIMEOUT,
        });
        request.destroy(error);
      }, settings.connectTimeoutMs);
      socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => clearTimeout(connectTimer));
    });
    signal?.addEventListener('abort', onAbort, { once: true });
    request.end(payload);
  });
}

function decoder(
  encoding: string | undefined,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined {
  switch (encoding?.trim().toLowerCase()) {
    case 'gzip':
    case 'x-gzip':
      return zlib.createGunzip();
    case 'deflate':
      return zlib.createInflate();
    case 'br':
      return zlib.createBrotliDecompress();
    default:
      return undefined;
  }
}

/** The answer's headers; a decoded body drops the encoding and the encoded length. */
function responseHeaders(response: http.IncomingMessage, decoded: boolean): [string, string][] {
  const pairs: [string, string][] = [];
  for (const [name, value] of Object.entries(response.headers)) {
    if (value === undefined) continue;
    if (decoded && (name === 'content-encoding' || name === 'content-length')) continue;
    if (Array.isArray(value)) for (const one of value) pairs.push([name, one]);
    else pairs.push([name, value]);
  }
  return pairs;
}

function answer(response: http.IncomingMessage, status: number, whole: Buffer, decoded: boolean): Response {
  const made = new Response(NULL_BODY_STATUSES.has(status) ? null : whole, {
    status,
    statusText: response.statusMessage ?? '',
    headers: responseHeaders(response, decoded),
  });
  bufferedBodies.set(made, whole);
  return made;
}

/** A response whose body fails on reading, as fetch's does when the connection drops mid-body. */
function failingResponse(response: http.IncomingMessage, status: number, error: unknown): Response {
  const cause = new TypeError('terminated', { cause: error });
  const body = NULL_BODY_STATUSES.has(status)
    ? null
    : new ReadableStream({
        start(controller) {
          controller.error(cause);
        },
      });
  return new Response(body, {
    status,
    statusText: response.statusMessage ?? '',
    headers: responseHeaders(response, true),
  });
}

/**
 * A small programmable HTTP server on 127.0.0.1, port 0, for testing HTTP clients for real:
 * it records every request (method, path, query, headers, body) and answers scripted
 * responses, optionally late, or by destroying the socket. `close()` ends every connection and
 * timer it started.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  /** The pathname as received (still percent-encoded). */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** The raw query string, `?` included, or ''. */
  readonly search: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The body parsed as JSON, or undefined when empty or not JSON. */
  readonly json: unknown;
  readonly receivedAt: number;
}

export interface ScriptedResponse {
  /** @default 200 (204 when neither body nor json is given) */
  readonly status?: number;
  /** Serialised as the JSON body. */
  readonly json?: unknown;
  /** A raw body; wins over `json`. */
  readonly body?: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Wait this long before answering (or destroying). */
  readonly delayMs?: number;
  /**
   * Destroy the connection instead of a complete answer: `before-response` sends nothing,
   * `mid-body` sends the headers and half the body first.
   */
  readonly destroy?: 'before-response' | 'mid-body';
}

export type Handler = (request: RecordedRequest) => ScriptedResponse | Promise<ScriptedResponse>;

export interface TestServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** `url` + `/trade-api/v2` */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /**
   * Queues responses for `METHOD path`, used once each in order. A path without the
   * `/trade-api/` prefix is taken relative to `/trade-api/v2`. Query strings are ignored.
   */
  reply(method: string, path: string, ...responses: ScriptedResponse[]): void;
  /** Answers `METHOD path` with `handler` whenever nothing is queued for it. */
  handle(method: string, path: string, handler: Handler): void;
  /** Requests received for `METHOD path`. */
  requestsTo(method: string, path: string): RecordedRequest[];
  close(): Promise<void>;
}

export const API_BASE = '/trade-api/v2';

function routeOf(method: string, path: string): string {
  const full = path.startsWith('/trade-api/') ? path : `${API_BASE}${path}`;
  return `${method.toUpperCase()} ${full}`;
}

function send(res: ServerResponse, response: ScriptedResponse): void {
  const text = response.body ?? (response.json === undefined ? '' : JSON.stringify(response.json));
  const status = response.status ?? (text === '' ? 204 : 200);
  const headers: Record<string, string> = { ...(response.headers ?? {}) };
  if (response.json !== undefined && response.body === undefined)
    headers['content-type'] ??= 'application/json';
  if (response.destroy === 'mid-body') {
    headers['content-length'] = String(Buffer.byteLength(text) + 10);
    res.writeHead(status, headers);
    res.write(text.slice(0, Math.floor(text.length / 2)), () => res.socket?.destroy());
    return;
  }
  res.writeHead(status, headers);
  res.end(text);
}

export async function startTestServer(): Promise<TestServer> {
  const queues = new Map<string, ScriptedResponse[]>();
  const handlers = new Map<string, Handler>();
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      void (async () => {
        const url = new URL(req.url ?? '/', 'http://127.0.0.1');
        const body = Buffer.concat(chunks).toString('utf8');
        let json: unknown;
        try {
          json = body === '' ? undefined : JSON.parse(body);
        } catch {
          json = undefined;
        }
        const recorded: RecordedRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: Object.fromEntries(url.searchParams),
          search: url.search,
          headers: req.headers,
          body,
          json,
          receivedAt: Date.now(),
        };
        requests.push(recorded);
        const route = `${recorded.method} ${recorded.path}`;
        const queued = queues.get(route)?.shift();
        const handler = handlers.get(route);
        let response: ScriptedResponse;
        if (queued) response = queued;
        else if (handler) response = await handler(recorded);
        else {
          response = {
            status: 418,
            json: { error: { code: 'unscripted', message: `test server: nothing scripted for ${route}` } },
          };
        }
        if (response.delayMs) await wait(response.delayMs);
        if (closed || res.destroyed) return;
        if (response.destroy === 'before-response') {
          req.socket.destroy();
          return;
        }
        send(res, response);
      })().catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(599).end(String(error));
      });
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    baseUrl: `${url}${API_BASE}`,
    requests,
    reply(method, path, ...responses) {
      const route = routeOf(method, path);
      queues.set(route, [...(queues.get(route) ?? []), ...responses]);
    },
    handle(method, path, handler) {
      handlers.set(routeOf(method, path), handler);
    },
    requestsTo(method, path) {
      const route = routeOf(method, path);
      return requests.filter((r) => `${r.method} ${r.path}` === route);
    },
    async close() {
      closed = true;
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

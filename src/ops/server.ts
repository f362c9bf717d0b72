/**
 * The ops HTTP server (node:http): liveness, readiness, Prometheus metrics, and a
 * token-guarded kill switch. Binds to loopback unless told otherwise, and bounds what a client
 * can cost it: connections, header and request time-outs, body size, log lines per refusal.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import { type Clock, systemClock } from '../domain/clock.js';
import { BodyTooLargeError, presentsOneOf, readBoundedBody, ThrottledWarning } from './ops-http.js';
import type { ReadinessCheck } from './readiness.js';

export { tokenMatches } from './ops-http.js';
export { type ReadinessCheck, type ReadinessState, standardReadinessChecks } from './readiness.js';

export interface OpsActionContext {
  /** Free text from the request body's `reason`, if any (truncated). */
  readonly reason?: string;
  readonly remoteAddress?: string;
}

/** An action either happened (nothing to return) or was refused for a reason the caller sees. */
// biome-ignore lint/suspicious/noConfusingVoidType: callbacks that return nothing are the common case
export type OpsActionResult = void | { readonly refused: string };

/** What one client may cost the server. */
export interface OpsServerLimits {
  /** Open connections at once, not counting event streams; the next is closed on arrival. @default 32 */
  readonly maxConnections: number;
  /**
   * Long-lived event streams (dashboards' `GET /api/stream`) at once, counted apart from
   * `maxConnections` so that open dashboards never starve probes and scrapers. @default 32
   */
  readonly maxStreams: number;
  /** Request headers complete within this, else 408 and closed. @default 5000 */
  readonly headersTimeoutMs: number;
  /** Whole request (headers and body) within this, else 408 and closed. @default 10000 */
  readonly requestTimeoutMs: number;
  /** An idle kept-alive connection is closed after this. @default 5000 */
  readonly keepAliveTimeoutMs: number;
  /** Largest request body (the POST /kill reason). @default 4096 */
  readonly maxBodyBytes: number;
  /** Refusals (bad token, too many connections) are logged at most once per interval. @default 60000 */
  readonly refusalLogIntervalMs: number;
}

export const DEFAULT_OPS_LIMITS: OpsServerLimits = Object.freeze({
  maxConnections: 32,
  maxStreams: 32,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  keepAliveTimeoutMs: 5_000,
  maxBodyBytes: 4_096,
  refusalLogIntervalMs: 60_000,
});

export interface OpsServerOptions {
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 = any free port. */
  readonly port: number;
  readonly registry: Registry;
  /** Every check must pass for 200; any failing one gives 503 listing the failures. */
  readonly readiness: () => readonly ReadinessCheck[] | Promise<readonly ReadinessCheck[]>;
  readonly onKill: (context: OpsActionContext) => OpsActionResult | Promise<OpsActionResult>;
  /** Return `{ refused }` when the action cannot be done now: the caller gets 409 and the reason. */
  readonly onResume: (context: OpsActionContext) => OpsActionResult | Promise<OpsActionResult>;
  /** Bearer token for POST /kill and /resume (from env OPS_TOKEN); unset disables both. */
  readonly token?: string | undefined;
  /**
   * Bearer token for GET /metrics and the detailed GET /readyz (from env OPS_METRICS_TOKEN; the
   * kill token is taken too). Unset leaves both open. /healthz and the readiness status code
   * (with `{status}` only) are always open, for orchestrators.
   */
  readonly metricsToken?: string | undefined;
  readonly limits?: Partial<OpsServerLimits> | undefined;
  /** Times the refusal-log intervals. @default systemClock */
  readonly clock?: Clock | undefined;
  readonly logger: Logger;
  /** More routes (the dashboard): tried, in order, for every path the server does not answer itself. */
  readonly routes?: readonly OpsRoute[];
}

/** What a route needs from the server: the read rule, the replies, a stream slot. */
export interface OpsRequestContext {
  readonly path: string;
  readonly method: string;
  readonly url: URL;
  /** Whether the read-only endpoints answer this request (the /metrics rule). */
  readonly mayRead: boolean;
  send(status: number, body: unknown, headers?: Record<string, string>): void;
  /** 401 with the bearer challenge; logged at most once per refusal interval. */
  unauthorized(): void;
  /** Takes one of `maxStreams` slots, or answers 503 and returns undefined when none is free. */
  claimStream(): { release(): void } | undefined;
}

/** Answers a request and returns true, or returns false to let the next route (or 404) have it. */
export type OpsRoute = (
  req: IncomingMessage,
  res: ServerResponse,
  context: OpsRequestContext,
) => boolean | Promise<boolean>;

export interface OpsServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_REASON_CHARS = 200;

function send(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

function parseReason(text: string): string | undefined {
  const trimmed = text.trim();
  if (!trimmed) return undefined;
  try {
    const parsed = JSON.parse(trimmed) as unknown;
    const reason = (parsed as { reason?: unknown } | null)?.reason;
    return typeof reason === 'string' ? reason.slice(0, MAX_REASON_CHARS) : undefined;
  } catch {
    return trimmed.slice(0, MAX_REASON_CHARS);
  }
}

function nonEmpty(token: string | undefined): string | undefined {
  return token?.trim() ? token.trim() : undefined;
}

export function resolveOpsLimits(partial: Partial<OpsServerLimits> = {}): OpsServerLimits {
  const limits = { ...DEFAULT_OPS_LIMITS, ...partial };
  for (const [key, value] of Object.entries(limits)) {
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new RangeError(`ops limits: ${key} must be a positive integer, got ${String(value)}`);
    }
  }
  if (limits.headersTimeoutMs > limits.requestTimeoutMs) {
    throw new RangeError(
      `ops limits: headersTimeoutMs (${limits.headersTimeoutMs}) must not exceed requestTimeoutMs (${limits.requestTimeoutMs})`,
    );
  }
  return Object.freeze(limits);
}

/** node:http enforces the time-outs on a sweep (30 s by default): sweep often enough to mean them. */
function checkIntervalMs(limits: OpsServerLimits): number {
  return Math.min(1_000, Math.max(50, Math.floor(limits.headersTimeoutMs / 10)));
}

export async function createOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const log = options.logger;
  const clock = options.clock ?? systemClock;
  const limits = resolveOpsLimits(options.limits);
  const token = nonEmpty(options.token);
  const metricsToken = nonEmpty(options.metricsToken);
  const refusedTokens = new ThrottledWarning(
    log,
    'ops request refused: missing or wrong bearer token',
    limits.refusalLogIntervalMs,
    clock,
  );
  const refusedConnections = new ThrottledWarning(
    log,
    'ops connection refused: maxConnections reached',
    limits.refusalLogIntervalMs,
    clock,
  );

  const unauthorized = (req: IncomingMessage, res: ServerResponse, path: string) => {
    refusedTokens.note({ remoteAddress: req.socket.remoteAddress, path });
    send(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer realm="ops"' });
  };
  /** Whether the read-only endpoints answer in full (no metrics token set: everyone). */
  const mayRead = (req: IncomingMessage) =>
    metricsToken === undefined || presentsOneOf(req, [metricsToken, token]);

  const action = async (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    name: 'kill' | 'resume',
    run: (context: OpsActionContext) => OpsActionResult | Promise<OpsActionResult>,
  ) => {
    const remoteAddress = req.socket.remoteAddress;
    if (!token) {
      send(res, 403, { error: 'disabled: set OPS_TOKEN' });
      return;
    }
    if (!presentsOneOf(req, [token])) {
      unauthorized(req, res, path);
      return;
    }
    let reason: string | undefined;
    try {
      reason = parseReason(await readBoundedBody(req, limits.maxBodyBytes));
    } catch (error) {
      if (!(error instanceof BodyTooLargeError)) throw error;
      // The rest of the body is never read: close rather than drain it.
      send(
        res,
        413,
        { error: `body too large (limit ${limits.maxBodyBytes} bytes)` },
        { connection: 'close' },
      );
      return;
    }
    const context: OpsActionContext = {
      ...(reason ? { reason } : {}),
      ...(remoteAddress ? { remoteAddress } : {}),
    };
    log.warn({ remoteAddress, action: name, reason }, `ops ${name} requested`);
    let result: OpsActionResult;
    try {
      result = await run(context);
    } catch (error) {
      log.error({ err: error, action: name }, `ops ${name} failed`);
      send(res, 500, { error: `${name} failed` });
      return;
    }
    if (result && 'refused' in result) {
      log.warn({ action: name, reason: result.refused }, `ops ${name} refused`);
      send(res, 409, { error: result.refused });
      return;
    }
    send(res, 200, { status: name === 'kill' ? 'killed' : 'resumed' });
  };

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://ops').pathname;
    const method = req.method ?? 'GET';
    const only = (allowed: readonly string[]) => {
      if (allowed.includes(method)) return true;
      send(res, 405, { error: 'method not allowed' }, { allow: allowed.join(', ') });
      return false;
    };
    switch (path) {
      case '/healthz':
        if (only(['GET', 'HEAD']))
          send(res, 200, { status: 'ok', uptimeSeconds: Math.round(process.uptime()) });
        return;
      case '/readyz': {
        if (!only(['GET', 'HEAD'])) return;
        const checks = await options.readiness();
        const failing = checks.filter((check) => !check.ok);
        const status = failing.length === 0 ? 'ready' : 'not ready';
        // Orchestrators need only the status code; the details are for whoever holds a token.
        send(
          res,
          failing.length === 0 ? 200 : 503,
          mayRead(req) ? { status, failing: failing.map((check) => check.name), checks } : { status },
        );
        return;
      }
      case '/metrics': {
        if (!only(['GET', 'HEAD'])) return;
        if (!mayRead(req)) {
          unauthorized(req, res, path);
          return;
        }
        const text = await options.registry.metrics();
        res.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : text);
        return;
      }
      case '/kill':
        if (only(['POST'])) await action(req, res, path, 'kill', options.onKill);
        return;
      case '/resume':
        if (only(['POST'])) await action(req, res, path, 'resume', options.onResume);
        return;
      default: {
        const context = routeContext(req, res, path, method);
        for (const route of options.routes ?? []) if (await route(req, res, context)) return;
        send(res, 404, { error: 'not found' });
      }
    }
  };

  // Streams are counted apart from the other connections (see OpsServerLimits.maxStreams).
  let openSockets = 0;
  const streamSockets = new Set<Socket>();
  const routeContext = (
    req: IncomingMessage,
    res: ServerResponse,
    path: string,
    method: string,
  ): OpsRequestContext => ({
    path,
    method,
    url: new URL(req.url ?? '/', 'http://ops'),
    mayRead: mayRead(req),
    send: (status, body, headers) => send(res, status, body, headers),
    unauthorized: () => unauthorized(req, res, path),
    claimStream: () => {
      if (streamSockets.size >= limits.maxStreams) {
        send(res, 503, { error: `too many streams (limit ${limits.maxStreams})` }, { 'retry-after': '5' });
        return undefined;
      }
      const socket = req.socket;
      streamSockets.add(socket);
      return { release: () => void streamSockets.delete(socket) };
    },
  });

  const server = createServer(
    {
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      connectionsCheckingInterval: checkIntervalMs(limits),
      maxHeaderSize: 8 * 1024,
    },
    (req, res) => {
      handle(req, res).catch((error: unknown) => {
        log.error({ err: error, url: req.url }, 'ops request failed');
        if (!res.headersSent) send(res, 500, { error: 'internal error' });
        else res.destroy();
      });
    },
  );
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  // Node's own cap is the backstop for both pools; the plain pool is enforced on arrival below.
  server.maxConnections = limits.maxConnections + limits.maxStreams;
  const refuseConnection = (remoteAddress: string | undefined) =>
    refusedConnections.note({
      remoteAddress,
      maxConnections: limits.maxConnections,
      maxStreams: limits.maxStreams,
    });
  server.on('drop', (data?: { remoteAddress?: string }) => refuseConnection(data?.remoteAddress));
  server.on('connection', (socket: Socket) => {
    openSockets++;
    socket.once('close', () => {
      openSockets--;
      streamSockets.delete(socket);
    });
    if (openSockets - streamSockets.size > limits.maxConnections) {
      refuseConnection(socket.remoteAddress);
      socket.destroy();
    }
  });

  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const onError = (error: Error) => reject(error);
    server.once('error', onError);
    server.listen(options.port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  server.on('error', (error) => log.error({ err: error }, 'ops server error'));

  const { port } = server.address() as AddressInfo;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}`;
  log.info(
    { url, killEnabled: token !== undefined, metricsTokenRequired: metricsToken !== undefined, ...limits },
    'ops server listening',
  );

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        refusedTokens.close();
        refusedConnections.close();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/**
 * The ops HTTP server (node:http): liveness, readiness, Prometheus metrics, and a
 * token-guarded kill switch. Binds to loopback unless told otherwise.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';

export interface ReadinessCheck {
  /** e.g. `exchange_authenticated`, `poller_recent`, `not_kill_switched`. */
  readonly name: string;
  readonly ok: boolean;
  /** Why it fails (or a short status); shown in the 503 body. */
  readonly detail?: string;
}

export interface OpsActionContext {
  /** Free text from the request body's `reason`, if any (truncated). */
  readonly reason?: string;
  readonly remoteAddress?: string;
}

/** An action either happened (nothing to return) or was refused for a reason the caller sees. */
// biome-ignore lint/suspicious/noConfusingVoidType: callbacks that return nothing are the common case
export type OpsActionResult = void | { readonly refused: string };

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
  readonly logger: Logger;
}

export interface OpsServer {
  /** `http://host:port` */
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 4096;

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

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time comparison: hashing first makes the lengths equal. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

async function readReason(req: IncomingMessage): Promise<string | undefined> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError('body too large');
    chunks.push(chunk as Buffer);
  }
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as unknown;
    const reason = (parsed as { reason?: unknown } | null)?.reason;
    return typeof reason === 'string' ? reason.slice(0, 200) : undefined;
  } catch {
    return text.slice(0, 200);
  }
}

export async function createOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const log = options.logger;
  const token = options.token?.trim() ? options.token.trim() : undefined;

  const action = async (
    req: IncomingMessage,
    res: ServerResponse,
    name: 'kill' | 'resume',
    run: (context: OpsActionContext) => OpsActionResult | Promise<OpsActionResult>,
  ) => {
    const remoteAddress = req.socket.remoteAddress;
    if (!token) {
      send(res, 403, { error: 'disabled: set OPS_TOKEN' });
      return;
    }
    const presented = bearer(req);
    if (presented === undefined || !tokenMatches(presented, token)) {
      log.warn({ remoteAddress, action: name }, 'ops action refused: missing or wrong bearer token');
      send(res, 401, { error: 'unauthorized' }, { 'www-authenticate': 'Bearer realm="ops"' });
      return;
    }
    let reason: string | undefined;
    try {
      reason = await readReason(req);
    } catch {
      send(res, 413, { error: 'body too large' });
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
        send(res, failing.length === 0 ? 200 : 503, {
          status: failing.length === 0 ? 'ready' : 'not ready',
          failing: failing.map((check) => check.name),
          checks,
        });
        return;
      }
      case '/metrics': {
        if (!only(['GET', 'HEAD'])) return;
        const text = await options.registry.metrics();
        res.writeHead(200, { 'content-type': options.registry.contentType, 'cache-control': 'no-store' });
        res.end(method === 'HEAD' ? undefined : text);
        return;
      }
      case '/kill':
        if (only(['POST'])) await action(req, res, 'kill', options.onKill);
        return;
      case '/resume':
        if (only(['POST'])) await action(req, res, 'resume', options.onResume);
        return;
      default:
        send(res, 404, { error: 'not found' });
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      log.error({ err: error, url: req.url }, 'ops request failed');
      if (!res.headersSent) send(res, 500, { error: 'internal error' });
      else res.destroy();
    });
  });
  server.requestTimeout = 10_000;
  server.headersTimeout = 5_000;
  server.keepAliveTimeout = 5_000;

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
  log.info({ url, killEnabled: token !== undefined }, 'ops server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** What the app knows about its own health, turned into the standard readiness checks. */
export interface ReadinessState {
  readonly authenticated: boolean;
  /** Epoch ms of the last completed poller cycle, if any. */
  readonly lastPollerCycleAt: number | undefined;
  readonly pollerIntervalMs: number;
  readonly killSwitched: boolean;
  readonly killReason?: string;
  readonly now: number;
  /** A cycle older than this many intervals (at least 10 s) counts as stalled. @default 5 */
  readonly staleAfterIntervals?: number;
}

export function standardReadinessChecks(state: ReadinessState): ReadinessCheck[] {
  const staleMs = Math.max(10_000, state.pollerIntervalMs * (state.staleAfterIntervals ?? 5));
  const age = state.lastPollerCycleAt === undefined ? undefined : state.now - state.lastPollerCycleAt;
  return [
    {
      name: 'exchange_authenticated',
      ok: state.authenticated,
      ...(state.authenticated ? {} : { detail: 'not authenticated to the exchange yet' }),
    },
    {
      name: 'poller_recent',
      ok: age !== undefined && age <= staleMs,
      detail:
        age === undefined
          ? 'the poller has not completed a cycle yet'
          : `last cycle ${Math.round(age)} ms ago (limit ${staleMs} ms)`,
    },
    {
      name: 'not_kill_switched',
      ok: !state.killSwitched,
      ...(state.killSwitched
        ? { detail: `kill switch active${state.killReason ? `: ${state.killReason}` : ''}` }
        : {}),
    },
  ];
}

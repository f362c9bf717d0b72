/**
 * The dashboard's HTTP surface on the ops server: the page and its assets (open: they hold no
 * data), and the JSON API under /api/ (the /metrics rule: a token when OPS_METRICS_TOKEN is set).
 * Nothing here writes: kill and resume stay POST /kill and /resume with the ops token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EpochMs } from '../../domain/types.js';
import type { OpsRequestContext, OpsRoute } from '../server.js';
import { SECURITY_HEADERS, type StaticAsset } from './assets.js';
import type { Dashboard } from './dashboard.js';

export const MAX_FILLS_PER_REQUEST = 1_000;

export class QueryError extends Error {
  override readonly name = 'QueryError';
  readonly code = 'bad_query';
}

/** An instant as epoch milliseconds or an ISO 8601 date-time; undefined when absent. */
export function parseInstant(name: string, value: string | null): EpochMs | undefined {
  if (value === null || value === '') return undefined;
  if (/^-?\d+$/.test(value)) {
    const ms = Number(value);
    if (Number.isSafeInteger(ms) && ms >= 0) return ms;
  } else {
    const ms = Date.parse(value);
    if (Number.isFinite(ms)) return ms;
  }
  throw new QueryError(
    `${name}: expected epoch milliseconds or an ISO 8601 date-time, found ${JSON.stringify(value.slice(0, 40))}`,
  );
}

function parseLimit(value: string | null, max: number, fallback: number): number {
  if (value === null || value === '') return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1 || n > max) {
    throw new QueryError(
      `limit: expected an integer from 1 to ${max}, found ${JSON.stringify(value.slice(0, 40))}`,
    );
  }
  return n;
}

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: StaticAsset): void {
  const headers = {
    ...SECURITY_HEADERS,
    'content-type': asset.contentType,
    'cache-control': asset.cacheControl,
    etag: asset.etag,
  };
  if (req.headers['if-none-match'] === asset.etag) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  res.writeHead(200, { ...headers, 'content-length': asset.body.length });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

function sendJsonText(req: IncomingMessage, res: ServerResponse, json: string): void {
  const text = `${json}\n`;
  res.writeHead(200, {
    ...SECURITY_HEADERS,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : text);
}

export function dashboardRoute(dashboard: Dashboard, assets: ReadonlyMap<string, StaticAsset>): OpsRoute {
  const api = (req: IncomingMessage, res: ServerResponse, context: OpsRequestContext): void => {
    const json = (body: unknown) => sendJsonText(req, res, JSON.stringify(body));
    const query = context.url.searchParams;
    switch (context.path) {
      case '/api/state':
        sendJsonText(req, res, dashboard.current().json);
        return;
      case '/api/stream': {
        if (req.method === 'HEAD') {
          res.writeHead(200, { ...SECURITY_HEADERS, 'content-type': 'text/event-stream; charset=utf-8' });
          res.end();
          return;
        }
        const slot = context.claimStream();
        if (slot) dashboard.addClient(res, () => slot.release());
        return;
      }
      case '/api/fills': {
        const since = parseInstant('since', query.get('since')) ?? 0;
        const limit = parseLimit(query.get('limit'), MAX_FILLS_PER_REQUEST, 100);
        json(dashboard.fills(since, limit));
        return;
      }
      case '/api/pnl':
        json({ points: dashboard.pnlSeries(parseInstant('from', query.get('from'))) });
        return;
      case '/api/budgets':
        json({ samples: dashboard.budgetHistory() });
        return;
      default:
        context.send(404, { error: 'not found' }, SECURITY_HEADERS);
    }
  };

  return (req, res, context) => {
    const asset = assets.get(context.path === '/index.html' ? '/' : context.path);
    const isApi = context.path.startsWith('/api/');
    if (!asset && !isApi) return false;
    if (context.method !== 'GET' && context.method !== 'HEAD') {
      context.send(405, { error: 'method not allowed' }, { ...SECURITY_HEADERS, allow: 'GET, HEAD' });
      return true;
    }
    if (asset) {
      sendAsset(req, res, asset);
      return true;
    }
    if (!context.mayRead) {
      context.unauthorized();
      return true;
    }
    try {
      api(req, res, context);
    } catch (error) {
      if (!(error instanceof QueryError)) throw error;
      context.send(400, { error: error.message }, SECURITY_HEADERS);
    }
    return true;
  };
}

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { bucketFor } from '../../domain/rate-limits.js';
import { API_PREFIX } from '../../kalshi/wire.js';
import type { SimContext } from '../context.js';
import {
  internalError,
  invalidContentType,
  invalidParameters,
  SimError,
  TOO_MANY_REQUESTS_BODY,
} from '../errors.js';
import { type AuthConfig, authenticate, hasAuthHeaders } from './auth.js';
import {
  malformedBodies,
  streamOversized,
  withExtraItems,
  withUnknownEnums,
  withUnknownFields,
} from './mangle.js';
import type { RouteResult, Router } from './router.js';

const MAX_BODY_BYTES = 1 << 20;

export type AdminHandler = (
  method: string,
  path: string,
  query: URLSearchParams,
  body: unknown,
) => Promise<RouteResult> | RouteResult;

class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new BodyTooLarge('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * The HTTP front of the exchange. Per request: faults before (latency, slow, drop, 5xx),
 * routing, auth (401), rate limit (429), body checks, the handler, faults after (5xx or
 * drop after processing, unknown fields and enums, malformed bodies).
 */
export class SimHttpServer {
  readonly server: Server;
  private readonly sleeps = new Set<NodeJS.Timeout>();
  #inFlight = 0;

  constructor(
    private readonly sim: SimContext,
    private readonly router: Router,
    private readonly admin: AdminHandler,
    private readonly auth: AuthConfig,
  ) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((err: unknown) => {
        sim.logger.error({ err }, 'simulator request failed');
        if (!res.headersSent && !res.destroyed) this.send(res, 500, internalError().body());
      });
    });
    this.server.keepAliveTimeout = 5_000;
  }

  /**
   * API requests received and not yet answered (or dropped), including ones a `slow` fault holds:
   * zero proves that nothing sent so far can still take effect.
   */
  get inFlight(): number {
    return this.#inFlight;
  }

  listen(port: number, host: string): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  async close(): Promise<void> {
    for (const t of this.sleeps) clearTimeout(t);
    this.sleeps.clear();
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.sleeps.delete(t);
        resolve();
      }, ms);
      this.sleeps.add(t);
    });
  }

  private send(
    res: ServerResponse,
    status: number,
    body?: unknown,
    contentType = 'application/json; charset=utf-8',
  ): void {
    if (res.destroyed || res.writableEnded) return;
    if (status === 204 || body === undefined) {
      res.writeHead(status);
      res.end();
      return;
    }
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
    res.end(text);
  }

  private send5xx(res: ServerResponse): void {
    const status = this.sim.faults.pick([500, 502, 503] as const);
    if (status === 502)
      this.send(res, 502, '<html><body><h1>502 Bad Gateway</h1></body></html>', 'text/html');
    else if (status === 503)
      this.send(res, 503, new SimError(503, 'service_unavailable', 'service in fail-fast').body());
    else this.send(res, 500, new SimError(500, 'internal_server_error', 'internal server error').body());
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const api = (req.url ?? '').startsWith(`${API_PREFIX}/`);
    if (api) this.#inFlight++;
    try {
      await this.serve(req, res);
    } finally {
      if (api) this.#inFlight--;
    }
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { faults, counters, limiter, logger } = this.sim;
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    const method = (req.method ?? 'GET').toUpperCase();
    let raw: Buffer;
    try {
      raw = await readBody(req);
    } catch (err) {
      if (err instanceof BodyTooLarge)
        this.send(res, 413, invalidParameters('request body too large').body());
      return;
    }
    if (path === '/_sim' || path.startsWith('/_sim/')) {
      let body: unknown;
      try {
        body = raw.length > 0 ? JSON.parse(raw.toString('utf8')) : undefined;
      } catch {
        this.send(res, 400, { error: 'request body is not valid JSON' });
        return;
      }
      const result = await this.admin(method, path, url.searchParams, body);
      this.send(res, result.status, result.body);
      return;
    }
    if (!path.startsWith(`${API_PREFIX}/`)) {
      this.send(res, 404, new SimError(404, 'not_found', 'not found').body());
      return;
    }
    counters.requests++;
    const rel = path.slice(API_PREFIX.length);
    const faulty = faults.applies(method, rel);
    if (faulty) {
      let delay = faults.latency();
      if (faults.roll('slow')) delay += faults.config.slowMs;
      if (delay > 0) await this.sleep(delay);
      if (faults.roll('drop')) {
        req.socket.destroy();
        return;
      }
      if (faults.roll('error5xx')) {
        this.send5xx(res);
        return;
      }
    }
    const match = this.router.match(method, rel);
    if (!match) {
      this.send(res, 404, new SimError(404, 'not_found', 'not found').body());
      return;
    }
    const { route, params } = match;
    let result: RouteResult;
    try {
      const user =
        route.auth === 'required' || hasAuthHeaders(req.headers)
          ? this.authenticate(req, method, path)
          : undefined;
      if (user) {
        const bucket = bucketFor(method);
        if (
          faults.stormActive() ||
          (bucket === 'write' && this.sim.exchange.crossGuard.limited(user)) ||
          !limiter.allow(user, bucket, limiter.costOf(method, route.template))
        ) {
          counters.rateLimited++;
          this.send(res, 429, TOO_MANY_REQUESTS_BODY);
          return;
        }
      }
      let body: unknown;
      if (route.jsonBody) {
        const contentType = String(req.headers['content-type'] ?? '');
        if (!contentType.toLowerCase().includes('application/json')) throw invalidContentType();
        try {
          body = JSON.parse(raw.toString('utf8'));
        } catch {
          throw invalidParameters('request body is not valid JSON');
        }
      }
      result = route.handler({ user, params, query: url.searchParams, body });
    } catch (err) {
      if (err instanceof SimError) {
        result = { status: err.status, body: err.body() };
      } else {
        logger.error({ err, method, path: rel }, 'simulator handler failed');
        result = { status: 500, body: internalError().body() };
      }
    }
    if (faulty) {
      if (faults.roll('dropAfter')) {
        req.socket.destroy();
        return;
      }
      if (faults.roll('error5xxAfter')) {
        this.send5xx(res);
        return;
      }
      if (result.status === 200 && result.body !== undefined) {
        let body: unknown = result.body;
        if (faults.roll('unknownFields')) body = withUnknownFields(body);
        if (faults.roll('unknownEnums')) body = withUnknownEnums(body);
        const limit = Number(url.searchParams.get('limit') ?? Number.NaN);
        const padded = withExtraItems(body, Number.isSafeInteger(limit) ? limit : undefined);
        if (padded !== undefined && faults.roll('oversizedPage')) body = padded;
        if (faults.roll('oversized')) {
          const bytes = Math.round(faults.config.oversizedMb * 1024 * 1024);
          streamOversized(res, JSON.stringify(body), bytes, faults.pick([true, false]));
          return;
        }
        if (faults.roll('malformed')) {
          const bad = faults.pick(malformedBodies(JSON.stringify(body)));
          this.send(res, 200, bad.text, bad.contentType);
          return;
        }
        result = { status: 200, body };
      }
    }
    this.send(res, result.status, result.body);
  }

  private authenticate(req: IncomingMessage, method: string, path: string) {
    try {
      return authenticate(req.headers, method, path, this.sim.accounts, this.auth);
    } catch (err) {
      this.sim.counters.authFailures++;
      throw err;
    }
  }
}

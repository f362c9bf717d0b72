import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { createMetrics, type Metrics } from '../../../src/ops/metrics.js';
import {
  createOpsServer,
  type OpsActionContext,
  type OpsServer,
  type OpsServerLimits,
  resolveOpsLimits,
} from '../../../src/ops/server.js';

const TOKEN = 'kill-token-0123456789abcdef';
const METRICS_TOKEN = 'metrics-token-0123456789abcdef';

const servers: OpsServer[] = [];
const metricsList: Metrics[] = [];
const sockets: Socket[] = [];

afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const m of metricsList.splice(0)) m.close();
});

interface Harness {
  readonly server: OpsServer;
  readonly kills: OpsActionContext[];
  readonly logs: Record<string, unknown>[];
  readonly warnings: () => Record<string, unknown>[];
  readonly port: number;
}

async function start(
  options: {
    limits?: Partial<OpsServerLimits>;
    metricsToken?: string;
    clock?: ManualClock;
    ready?: boolean;
  } = {},
): Promise<Harness> {
  const metrics = createMetrics({ processMetrics: false });
  metricsList.push(metrics);
  const kills: OpsActionContext[] = [];
  const logs: Record<string, unknown>[] = [];
  const server = await createOpsServer({
    port: 0,
    registry: metrics.registry,
    readiness: () => [{ name: 'poller_recent', ok: options.ready ?? true, detail: 'last cycle 10 ms ago' }],
    onKill: (context) => {
      kills.push(context);
    },
    onResume: () => undefined,
    token: TOKEN,
    metricsToken: options.metricsToken,
    limits: options.limits,
    clock: options.clock,
    logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(JSON.parse(line)) }),
  });
  servers.push(server);
  return {
    server,
    kills,
    logs,
    warnings: () => logs.filter((l) => l['level'] === 40),
    port: server.port,
  };
}

interface RawConnection {
  readonly socket: Socket;
  /** Everything received so far. */
  readonly received: () => string;
  /** Resolves with the time the server closed the connection. */
  readonly closed: Promise<number>;
}

async function open(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  sockets.push(socket);
  let data = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    data += chunk;
  });
  socket.on('error', () => undefined);
  const closed = new Promise<number>((resolve) => socket.once('close', () => resolve(Date.now())));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  return { socket, received: () => data, closed };
}

async function waitUntil(check: () => boolean, what: string, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const REQUEST = 'GET /healthz HTTP/1.1\r\nHost: ops\r\n\r\n';

describe('ops server limits', () => {
  it('closes connections beyond maxConnections at once and logs the refusal once', async () => {
    const h = await start({ limits: { maxConnections: 3, keepAliveTimeoutMs: 30_000 } });
    const held: RawConnection[] = [];
    for (let i = 0; i < 3; i++) {
      const c = await open(h.port);
      c.socket.write(REQUEST);
      await waitUntil(() => c.received().includes('"status":"ok"'), 'a kept-alive answer');
      held.push(c);
    }
    const extra: RawConnection[] = [];
    for (let i = 0; i < 2; i++) {
      const c = await open(h.port);
      c.socket.write(REQUEST);
      extra.push(c);
    }
    for (const c of extra) {
      await c.closed;
      expect(c.received()).toBe('');
    }
    const refusals = h.warnings().filter((l) => String(l['msg']).includes('maxConnections'));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]).toMatchObject({ maxConnections: 3 });
    // A slot freed is a slot served.
    held[0]!.socket.destroy();
    await held[0]!.closed;
    let served = false;
    for (let attempt = 0; attempt < 50 && !served; attempt++) {
      served =
        (await fetch(`${h.server.url}/healthz`)
          .then((r) => r.status)
          .catch(() => 0)) === 200;
      if (!served) await new Promise((r) => setTimeout(r, 20));
    }
    expect(served).toBe(true);
  });

  it('answers 408 and closes a connection whose headers dribble in past headersTimeoutMs', async () => {
    const h = await start({ limits: { headersTimeoutMs: 400, requestTimeoutMs: 800 } });
    const c = await open(h.port);
    const started = Date.now();
    c.socket.write('GET /healthz HTTP/1.1\r\nHost: ops\r\n');
    const drip = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write('X-Slow: a\r\n');
    }, 50);
    try {
      const closedAt = await c.closed;
      expect(closedAt - started).toBeLessThan(1_500);
      expect(closedAt - started).toBeGreaterThanOrEqual(350);
      expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
    } finally {
      clearInterval(drip);
    }
  });

  it('closes a connection that never sends a byte within headersTimeoutMs', async () => {
    const h = await start({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const c = await open(h.port);
    const started = Date.now();
    expect((await c.closed) - started).toBeLessThan(1_500);
  });

  it('answers 408 to a POST /kill whose body dribbles in past requestTimeoutMs, killing nothing', async () => {
    const h = await start({ limits: { headersTimeoutMs: 300, requestTimeoutMs: 600 } });
    const c = await open(h.port);
    const started = Date.now();
    c.socket.write(
      `POST /kill HTTP/1.1\r\nHost: ops\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n{`,
    );
    const drip = setInterval(() => {
      if (!c.socket.destroyed) c.socket.write(' ');
    }, 50);
    try {
      const closedAt = await c.closed;
      expect(closedAt - started).toBeLessThan(1_800);
      expect(c.received()).toMatch(/^HTTP\/1\.1 408/);
      expect(h.kills).toEqual([]);
    } finally {
      clearInterval(drip);
    }
  });

  it('closes an idle kept-alive connection after keepAliveTimeoutMs', async () => {
    const h = await start({ limits: { keepAliveTimeoutMs: 300 } });
    const c = await open(h.port);
    c.socket.write(REQUEST);
    await waitUntil(() => c.received().includes('"status":"ok"'), 'the answer');
    const answeredAt = Date.now();
    expect((await c.closed) - answeredAt).toBeLessThan(1_500);
  });

  it('refuses a POST /kill body above maxBodyBytes with 413, declared or chunked', async () => {
    const h = await start({ limits: { maxBodyBytes: 128 } });
    const big = JSON.stringify({ reason: 'x'.repeat(500) });
    const declared = await fetch(`${h.server.url}/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(declared.status).toBe(413);
    expect(await declared.json()).toEqual({ error: 'body too large (limit 128 bytes)' });
    const chunked = await fetch(`${h.server.url}/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: new ReadableStream({
        start(controller) {
          for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode('y'.repeat(64)));
          controller.close();
        },
      }),
      duplex: 'half',
    } as RequestInit);
    expect(chunked.status).toBe(413);
    expect(h.kills).toEqual([]);
    const fits = await fetch(`${h.server.url}/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'maintenance' }),
    });
    expect(fits.status).toBe(200);
    expect(h.kills).toMatchObject([{ reason: 'maintenance' }]);
  });

  it('logs bad tokens at most once per interval, then one line with the count', async () => {
    const clock = new ManualClock(1_000_000);
    const h = await start({ clock, limits: { refusalLogIntervalMs: 60_000 }, metricsToken: METRICS_TOKEN });
    const refusals = () => h.warnings().filter((l) => String(l['msg']).startsWith('ops request refused'));
    for (let i = 0; i < 20; i++) {
      const path = i % 2 === 0 ? '/kill' : '/metrics';
      const res = await fetch(`${h.server.url}${path}`, {
        method: path === '/kill' ? 'POST' : 'GET',
        headers: { authorization: `Bearer wrong-token-${i}` },
      });
      expect(res.status).toBe(401);
    }
    expect(refusals()).toHaveLength(1);
    clock.advance(60_000);
    expect(refusals()).toHaveLength(2);
    expect(refusals()[1]).toMatchObject({ suppressed: 19, intervalMs: 60_000 });
    expect(String(refusals()[1]!['msg'])).toContain('19 more in the last 60 s');
    // A quiet interval logs nothing; the next refusal is logged at once.
    clock.advance(60_000);
    expect(refusals()).toHaveLength(2);
    await fetch(`${h.server.url}/metrics`);
    expect(refusals()).toHaveLength(3);
    expect(JSON.stringify(h.logs)).not.toContain('wrong-token');
  });
});

describe('OPS_METRICS_TOKEN', () => {
  const get = (h: Harness, path: string, token?: string) =>
    fetch(`${h.server.url}${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {});

  it('guards /metrics: 401 without it, 200 with it or with the kill token', async () => {
    const h = await start({ metricsToken: METRICS_TOKEN });
    expect((await get(h, '/metrics')).status).toBe(401);
    expect((await get(h, '/metrics', 'not-the-token-at-all')).status).toBe(401);
    const scraped = await get(h, '/metrics', METRICS_TOKEN);
    expect(scraped.status).toBe(200);
    expect(await scraped.text()).toContain('kalshi_rfq_rfqs_seen_total');
    expect((await get(h, '/metrics', TOKEN)).status).toBe(200);
  });

  it('leaves /healthz and the readiness status open, details only with the token', async () => {
    const h = await start({ metricsToken: METRICS_TOKEN, ready: false });
    expect((await get(h, '/healthz')).status).toBe(200);
    const bare = await get(h, '/readyz');
    expect(bare.status).toBe(503);
    expect(await bare.json()).toEqual({ status: 'not ready' });
    const full = await get(h, '/readyz', METRICS_TOKEN);
    expect(full.status).toBe(503);
    expect(await full.json()).toMatchObject({ status: 'not ready', failing: ['poller_recent'] });
  });

  it('without it everything read-only stays open', async () => {
    const h = await start();
    expect((await get(h, '/metrics')).status).toBe(200);
    expect(await (await get(h, '/readyz')).json()).toMatchObject({ status: 'ready', failing: [] });
  });

  it('the metrics token cannot kill', async () => {
    const h = await start({ metricsToken: METRICS_TOKEN });
    const res = await fetch(`${h.server.url}/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.status).toBe(401);
    expect(h.kills).toEqual([]);
    expect(JSON.stringify(h.logs)).not.toContain(METRICS_TOKEN);
  });
});

describe('resolveOpsLimits', () => {
  it('fills defaults and refuses a headers time-out above the request time-out', () => {
    expect(resolveOpsLimits()).toMatchObject({ maxConnections: 32, headersTimeoutMs: 5_000 });
    expect(() => resolveOpsLimits({ headersTimeoutMs: 20_000 })).toThrow(/must not exceed requestTimeoutMs/);
    expect(() => resolveOpsLimits({ maxConnections: 0 })).toThrow(/maxConnections/);
  });
});

import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics, type Metrics } from '../../../src/ops/metrics.js';
import {
  createOpsServer,
  type OpsActionContext,
  type OpsServer,
  type ReadinessCheck,
  standardReadinessChecks,
  tokenMatches,
} from '../../../src/ops/server.js';

const TOKEN = 'test-ops-token-0123456789abcdef';
const servers: OpsServer[] = [];
const metricsList: Metrics[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  for (const m of metricsList.splice(0)) m.close();
});

interface Harness {
  server: OpsServer;
  metrics: Metrics;
  kills: OpsActionContext[];
  resumes: OpsActionContext[];
  setChecks(checks: ReadinessCheck[]): void;
  logs: string[];
}

async function start(options: { token?: string; failKill?: boolean } = {}): Promise<Harness> {
  const metrics = createMetrics({ processMetrics: false });
  metricsList.push(metrics);
  const kills: OpsActionContext[] = [];
  const resumes: OpsActionContext[] = [];
  const logs: string[] = [];
  let checks: ReadinessCheck[] = [{ name: 'exchange_authenticated', ok: true }];
  const server = await createOpsServer({
    port: 0,
    registry: metrics.registry,
    readiness: async () => checks,
    onKill: (context) => {
      if (options.failKill) throw new Error('kill switch file not writable');
      kills.push(context);
    },
    onResume: (context) => {
      resumes.push(context);
    },
    token: options.token,
    logger: pino({ level: 'debug' }, { write: (line: string) => void logs.push(line) }),
  });
  servers.push(server);
  return {
    server,
    metrics,
    kills,
    resumes,
    logs,
    setChecks: (next) => {
      checks = next;
    },
  };
}

async function json(response: Response): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('createOpsServer', () => {
  it('binds to loopback on a free port and answers /healthz', async () => {
    const { server } = await start();
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(server.port).toBeGreaterThan(0);
    const response = await fetch(`${server.url}/healthz`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('application/json');
    expect(await json(response)).toMatchObject({ status: 'ok' });
  });

  it('answers /readyz with 200 when every check passes and 503 with the failing ones otherwise', async () => {
    const h = await start();
    expect((await fetch(`${h.server.url}/readyz`)).status).toBe(200);
    h.setChecks(
      standardReadinessChecks({
        authenticated: false,
        lastPollerCycleAt: 1_000,
        pollerIntervalMs: 1_000,
        killSwitched: true,
        killReason: 'file ./KILL exists',
        now: 60_000,
      }),
    );
    const response = await fetch(`${h.server.url}/readyz`);
    expect(response.status).toBe(503);
    const body = await json(response);
    expect(body['status']).toBe('not ready');
    expect(body['failing']).toEqual(['exchange_authenticated', 'poller_recent', 'not_kill_switched']);
    expect(JSON.stringify(body['checks'])).toContain('kill switch active: file ./KILL exists');
  });

  it('serves the registry as Prometheus text on /metrics', async () => {
    const h = await start();
    h.metrics.rfqsSeen.inc(7);
    h.metrics.setKillSwitch(false);
    const response = await fetch(`${h.server.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('kalshi_rfq_rfqs_seen_total 7');
    expect(text).toContain('# TYPE kalshi_rfq_kill_switch_active gauge');
  });

  it('disables /kill and /resume without a token', async () => {
    const h = await start();
    for (const path of ['/kill', '/resume']) {
      const response = await fetch(`${h.server.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(403);
      expect(await json(response)).toEqual({ error: 'disabled: set OPS_TOKEN' });
    }
    expect(h.kills).toEqual([]);
  });

  it('refuses a missing or wrong token with 401 and never logs it', async () => {
    const h = await start({ token: TOKEN });
    const missing = await fetch(`${h.server.url}/kill`, { method: 'POST' });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toContain('Bearer');
    const wrong = await fetch(`${h.server.url}/kill`, {
      method: 'POST',
      headers: { authorization: 'Bearer not-the-token-at-all' },
    });
    expect(wrong.status).toBe(401);
    const prefix = await fetch(`${h.server.url}/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` },
    });
    expect(prefix.status).toBe(401);
    expect(h.kills).toEqual([]);
    expect(h.logs.join('')).not.toContain('not-the-token-at-all');
    expect(h.logs.join('')).not.toContain(TOKEN.slice(0, -1));
  });

  it('calls the callbacks with the right token, passing the reason', async () => {
    const h = await start({ token: TOKEN });
    const kill = await fetch(`${h.server.url}/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ reason: 'manual stop before the FOMC' }),
    });
    expect(kill.status).toBe(200);
    expect(await json(kill)).toEqual({ status: 'killed' });
    expect(h.kills).toHaveLength(1);
    expect(h.kills[0]?.reason).toBe('manual stop before the FOMC');
    expect(h.kills[0]?.remoteAddress).toMatch(/127\.0\.0\.1/);
    const resume = await fetch(`${h.server.url}/resume`, {
      method: 'POST',
      headers: { authorization: `bearer ${TOKEN}` },
    });
    expect(resume.status).toBe(200);
    expect(await json(resume)).toEqual({ status: 'resumed' });
    expect(h.resumes).toHaveLength(1);
    expect(h.logs.join('')).not.toContain(TOKEN);
  });

  it('answers 500 when a callback fails, 405 for wrong methods, 404 for unknown paths', async () => {
    const h = await start({ token: TOKEN, failKill: true });
    const failed = await fetch(`${h.server.url}/kill`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(failed.status).toBe(500);
    expect(await json(failed)).toEqual({ error: 'kill failed' });
    const get = await fetch(`${h.server.url}/kill`);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    expect((await fetch(`${h.server.url}/metrics`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${h.server.url}/nope`)).status).toBe(404);
  });

  it('closes, even with keep-alive connections open, and refuses to reuse a busy port', async () => {
    const h = await start();
    await fetch(`${h.server.url}/healthz`);
    await expect(
      createOpsServer({
        port: h.server.port,
        registry: h.metrics.registry,
        readiness: () => [],
        onKill: () => {},
        onResume: () => {},
        logger: pino({ level: 'silent' }),
      }),
    ).rejects.toThrow(/EADDRINUSE/);
    await h.server.close();
    await expect(fetch(`${h.server.url}/healthz`)).rejects.toThrow();
  });
});

describe('readiness checks and token comparison', () => {
  const base = { authenticated: true, pollerIntervalMs: 1_000, killSwitched: false, now: 100_000 };

  it('is ready when authenticated, polling recently and not kill-switched', () => {
    expect(standardReadinessChecks({ ...base, lastPollerCycleAt: 99_000 }).every((c) => c.ok)).toBe(true);
  });

  it('counts a poller silent for more than five intervals (at least 10 s) as stalled', () => {
    const stale = standardReadinessChecks({ ...base, lastPollerCycleAt: 89_000 });
    expect(stale.find((c) => c.name === 'poller_recent')).toMatchObject({ ok: false });
    const slow = standardReadinessChecks({ ...base, pollerIntervalMs: 5_000, lastPollerCycleAt: 80_000 });
    expect(slow.find((c) => c.name === 'poller_recent')?.ok).toBe(true);
    const never = standardReadinessChecks({ ...base, lastPollerCycleAt: undefined });
    expect(never.find((c) => c.name === 'poller_recent')?.detail).toContain('not completed a cycle');
  });

  it('compares tokens of any length', () => {
    expect(tokenMatches(TOKEN, TOKEN)).toBe(true);
    expect(tokenMatches(`${TOKEN}x`, TOKEN)).toBe(false);
    expect(tokenMatches('', TOKEN)).toBe(false);
  });
});

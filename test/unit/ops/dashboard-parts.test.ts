import { connect, type Socket } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { dayStartOf, downsample, SampleRing } from '../../../src/ops/dashboard/history.js';
import { parseInstant } from '../../../src/ops/dashboard/routes.js';
import { LatencyWindow } from '../../../src/ops/latency-window.js';
import { createMetrics } from '../../../src/ops/metrics.js';
import { createOpsServer, type OpsServer } from '../../../src/ops/server.js';
import { dayKey } from '../../../src/risk/zoned-time.js';

describe('LatencyWindow', () => {
  it('gives nearest-rank percentiles of the samples inside the window only', () => {
    const window = new LatencyWindow(1000);
    for (let i = 1; i <= 100; i++) window.record(i, 10_000 + i);
    window.record(5_000, 1_000); // long before the window
    const summary = window.summary(10_100, 1_000);
    expect(summary).toEqual({
      count: 101,
      samples: 100,
      windowMs: 1_000,
      p50Ms: 50,
      p90Ms: 90,
      p99Ms: 99,
      maxMs: 100,
    });
    expect(window.summary(50_000, 1_000)).toEqual({ count: 101, samples: 0, windowMs: 1_000 });
  });

  it('keeps only the newest samples once full, and ignores what is not a number', () => {
    const window = new LatencyWindow(3);
    for (const ms of [100, 200, 1, 2, 3]) window.record(ms, 1);
    window.record(Number.NaN, 1);
    expect(window.summary(1, 10)).toMatchObject({ count: 5, samples: 3, maxMs: 3, p50Ms: 2 });
    expect(() => new LatencyWindow(0)).toThrow(RangeError);
  });
});

describe('dashboard history helpers', () => {
  it('SampleRing returns the newest samples oldest first', () => {
    const ring = new SampleRing<number>(3);
    expect(ring.toArray()).toEqual([]);
    for (let i = 1; i <= 5; i++) ring.push(i);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.last()).toBe(5);
    ring.clear();
    expect(ring.size).toBe(0);
  });

  it('downsample keeps at most max points, evenly, and always the newest', () => {
    const points = Array.from({ length: 1000 }, (_, i) => i);
    const out = downsample(points, 10);
    expect(out).toHaveLength(10);
    expect(out[0]).toBe(0);
    expect(out.at(-1)).toBe(999);
    expect(downsample([1, 2], 10)).toEqual([1, 2]);
  });

  it('finds where the day starts in a time zone, DST days included', () => {
    // 2026-03-08: New York springs forward; midnight is still 05:00Z (EST).
    const noonNy = Date.UTC(2026, 2, 8, 16, 0, 0);
    expect(dayStartOf(noonNy, 'America/New_York')).toBe(Date.UTC(2026, 2, 8, 5, 0, 0));
    // The day after: midnight EDT is 04:00Z.
    expect(dayStartOf(Date.UTC(2026, 2, 9, 16), 'America/New_York')).toBe(Date.UTC(2026, 2, 9, 4));
    expect(dayStartOf(Date.UTC(2026, 2, 9, 0, 0, 0, 1), 'UTC')).toBe(Date.UTC(2026, 2, 9));
    const start = dayStartOf(noonNy, 'Asia/Kathmandu');
    expect(dayKey(start, 'Asia/Kathmandu')).toBe(dayKey(noonNy, 'Asia/Kathmandu'));
    expect(dayKey(start - 1, 'Asia/Kathmandu')).not.toBe(dayKey(noonNy, 'Asia/Kathmandu'));
  });

  it('parseInstant reads epoch ms and ISO date-times, and names the parameter when it cannot', () => {
    expect(parseInstant('since', null)).toBeUndefined();
    expect(parseInstant('since', '1700000000000')).toBe(1_700_000_000_000);
    expect(parseInstant('from', '2026-03-09T00:00:00Z')).toBe(Date.UTC(2026, 2, 9));
    expect(() => parseInstant('since', 'soon')).toThrow(/^since: expected epoch milliseconds/);
    expect(() => parseInstant('since', '-5')).toThrow(/since/);
  });
});

describe('ops server stream slots', () => {
  const servers: OpsServer[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const socket of sockets.splice(0)) socket.destroy();
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  /** A raw connection that sends one request and collects what comes back. */
  async function request(
    port: number,
    path: string,
  ): Promise<{ socket: Socket; text: () => string; closed: Promise<void> }> {
    const socket = connect(port, '127.0.0.1');
    sockets.push(socket);
    let text = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      text += chunk;
    });
    socket.on('error', () => undefined);
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ops\r\n\r\n`);
    return { socket, text: () => text, closed };
  }

  async function until(check: () => boolean, what: string): Promise<void> {
    const deadline = Date.now() + 5_000;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  it('counts streams apart from maxConnections: open streams never starve probes', async () => {
    const metrics = createMetrics({ processMetrics: false });
    const server = await createOpsServer({
      port: 0,
      registry: metrics.registry,
      readiness: () => [],
      onKill: () => undefined,
      onResume: () => undefined,
      logger: pino({ level: 'silent' }),
      limits: { maxConnections: 2, maxStreams: 3, keepAliveTimeoutMs: 30_000 },
      routes: [
        (_req, res, context) => {
          if (context.path !== '/stream') return false;
          const slot = context.claimStream();
          if (!slot) return true;
          res.writeHead(200, { 'content-type': 'text/event-stream' });
          res.write(': open\n\n');
          res.once('close', () => slot.release());
          return true;
        },
      ],
    });
    servers.push(server);
    metrics.close();

    const streams = [];
    for (let i = 0; i < 3; i++) {
      const s = await request(server.port, '/stream');
      await until(() => s.text().includes(': open'), 'a stream');
      streams.push(s);
    }
    // Three streams open, and still both plain connections are served.
    const probes = [];
    for (let i = 0; i < 2; i++) {
      const p = await request(server.port, '/healthz');
      await until(() => p.text().includes('"status":"ok"'), 'a probe');
      probes.push(p);
    }
    // A third plain connection is over maxConnections: closed unanswered.
    const extra = await request(server.port, '/healthz');
    await extra.closed;
    expect(extra.text()).toBe('');
    // A fourth stream is refused with 503 (it arrives as a plain connection, so free one first).
    probes[0]!.socket.destroy();
    await probes[0]!.closed;
    const fourth = await request(server.port, '/stream');
    await until(() => fourth.text().includes('503'), 'the 503');
    expect(fourth.text()).toContain('too many streams (limit 3)');
  });
});

import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { CliError, parseCli } from '../../../src/simulator/cli.js';
import { TRUTH_DEFAULTS, TRUTH_OFF } from '../../../src/simulator/index.js';
import { entryArgs } from '../../helpers/entry.js';
import { makeTestKey } from '../../helpers/keys.js';
import { rawRequest } from '../../helpers/simulator.js';

const children: ChildProcess[] = [];

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
});

/** Starts a command in its own process group and resolves with the URL line it prints. */
async function startCli(
  command: string,
  args: string[],
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(command, args, {
    cwd: process.cwd(),
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  children.push(child);
  let out = '';
  child.stdout?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr?.on('data', (d: Buffer) => {
    out += d.toString();
  });
  const deadline = Date.now() + 30_000;
  for (;;) {
    const match = /http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
    if (match) return { child, url: match[0], output: () => out };
    if (child.exitCode !== null) throw new Error(`simulator exited early: ${out}`);
    if (Date.now() > deadline) throw new Error(`no URL line within 30 s: ${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('standalone simulator command', () => {
  it('npm run simulator -- --port 0 prints its URL, serves signed and public requests, stops on SIGINT', async () => {
    const key = makeTestKey();
    const { child, url } = await startCli('npm', [
      'run',
      '--silent',
      'simulator',
      '--',
      '--port',
      '0',
      '--seed',
      '3',
      '--takers',
      'off',
      '--api-key',
      `${key.keyId}=${key.publicPemPath}`,
      '--confirm-window-ms',
      '5000',
    ]);
    const markets = await rawRequest(url, { path: '/markets?limit=1' });
    expect(markets.status).toBe(200);
    const id = await rawRequest(url, { path: '/communications/id', key });
    expect(id.status).toBe(200);
    expect(id.body).toHaveProperty('communications_id');
    const exited = once(child, 'exit');
    process.kill(-(child.pid as number), 'SIGINT'); // what Ctrl-C does: the whole process group
    await exited;
    await expect(fetch(`${url}/_sim/health`)).rejects.toThrow();
  }, 60_000);

  it('exits 0 on SIGTERM', async () => {
    const { child, url } = await startCli(process.execPath, [
      '--import',
      'tsx',
      'src/simulator/main.ts',
      '--port',
      '0',
      '--takers',
      '5',
      '--tier',
      'advanced',
    ]);
    expect((await fetch(`${url}/_sim/health`)).status).toBe(200);
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
  }, 60_000);

  it('fails with usage on bad arguments', async () => {
    const child = spawn(
      process.execPath,
      [...(await entryArgs('src/simulator/main.ts')), '--tier', 'platinum'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    children.push(child);
    let err = '';
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
    });
    const [code] = (await once(child, 'exit')) as [number | null];
    expect(code).toBe(2);
    expect(err).toContain('--tier must be one of');
    expect(err).toContain('Usage: npm run simulator');
  }, 60_000);
});

describe('simulator command-line parsing', () => {
  it('maps every option', () => {
    const files: Record<string, string> = { '/k1.pem': 'PEM1', '/k2.pem': 'PEM2' };
    const cfg = parseCli(
      [
        '--port',
        '8080',
        '--host',
        '0.0.0.0',
        '--seed',
        '42',
        '--api-key',
        'a=/k1.pem',
        '--api-key',
        'b=/k2.pem',
        '--balance',
        '2500.50',
        '--takers',
        '12',
        '--tier',
        'premier',
        '--confirm-window-ms',
        '1000',
        '--execution-delay-ms',
        '200',
        '--hv-confirm-window-ms',
        '300',
        '--hv-execution-delay-ms',
        '100',
        '--lapsed-quote-status',
        'cancelled',
        '--rfq-ttl-ms',
        '60000',
        '--walk-interval-ms',
        '0',
        '--faults',
        'latency=5',
        '--truth',
        'off',
        '--book-execution',
        'on',
        '--cross-chance',
        '0.5',
        '--cross-limit',
        '2:1000:500',
        '--partial-accepts',
        '0.1',
        '--flushes-per-hour',
        '4',
        '--retention-ms',
        '1000',
        '--obscure-share',
        '0.3',
        '--log-level',
        'warn',
      ],
      (p) => files[p] ?? '',
    );
    expect(cfg.logLevel).toBe('warn');
    expect(cfg.options).toEqual({
      port: 8080,
      host: '0.0.0.0',
      seed: 42,
      users: [
        { keyId: 'a', publicKey: 'PEM1', label: 'a' },
        { keyId: 'b', publicKey: 'PEM2', label: 'b' },
      ],
      startingBalance: 2_500_500_000,
      takers: 12,
      tier: 'premier',
      lifecycle: {
        confirmWindowMs: 1000,
        executionDelayMs: 200,
        hvConfirmWindowMs: 300,
        hvExecutionDelayMs: 100,
        lapsedQuoteStatus: 'cancelled',
        rfqTtlMs: 60_000,
      },
      faults: 'latency=5',
      walkIntervalMs: 0,
      truth: {
        bookExecution: true,
        crossChance: 0.5,
        crossLimit: 2,
        crossWindowMs: 1000,
        crossPenaltyMs: 500,
        partialAcceptShare: 0.1,
        flushesPerHour: 4,
        retentionMs: 1000,
        obscureShare: 0.3,
      },
    });
    expect(parseCli(['--takers', 'off']).options.takers).toBe(false);
    expect(parseCli([]).options.truth).toEqual(TRUTH_DEFAULTS);
    expect(parseCli(['--truth', 'off']).options.truth).toEqual(TRUTH_OFF);
    expect(parseCli(['-h']).help).toBe(true);
  });

  it.each([
    [['--port', 'x']],
    [['--port', '70000']],
    [['--api-key', 'nopath']],
    [['--takers', 'lots']],
    [['--faults', 'boom=1']],
    [['--lapsed-quote-status', 'gone']],
    [['--unknown']],
    [['--balance', 'ten']],
    [['--truth', 'maybe']],
    [['--cross-chance', '1.5']],
    [['--cross-limit', 'x']],
    [['--partial-accepts', '-0.1']],
    [['--flushes-per-hour', 'many']],
    [['--faults', 'flush=later']],
  ])('rejects %j', (args) => {
    expect(() => parseCli(args, () => 'PEM')).toThrow(CliError);
  });
});

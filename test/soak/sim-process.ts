/**
 * The simulator as its own process (`src/simulator/main.ts`, as `npm run simulator` runs it), so
 * the soak's memory figures are the bot's alone: the simulator keeps every RFQ and quote it
 * ever saw and would otherwise hide a leak (or fake one).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { type AdminCall, describeWorld, type World } from '../chaos/world.js';
import { entryArgs } from '../helpers/entry.js';
import { makeTestKey } from '../helpers/keys.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface SimProcessOptions {
  readonly seed: number;
  readonly takersPerMinute: number;
  /** Extra CLI arguments (life cycle, walk interval). */
  readonly args?: readonly string[];
}

export interface SimProcess {
  readonly world: World;
  readonly child: ChildProcess;
  /** Resident memory of the simulator process in bytes (Linux /proc), if readable. */
  rss(): number | undefined;
}

export async function startSimulatorProcess(options: SimProcessOptions): Promise<SimProcess> {
  const key = makeTestKey();
  const child = spawn(
    process.execPath,
    [
      ...(await entryArgs('src/simulator/main.ts')),
      '--port',
      '0',
      '--seed',
      String(options.seed),
      '--api-key',
      `${key.keyId}=${key.publicPemPath}`,
      '--takers',
      String(options.takersPerMinute),
      '--balance',
      '1000000',
      '--log-level',
      'error',
      ...(options.args ?? []),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`the simulator did not start: ${output}`)), 30_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolveUrl(match[1]!);
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the simulator exited (${code}): ${output}`));
    });
  });
  const admin: AdminCall = async <T>(method: string, path: string, body?: unknown) => {
    const res = await fetch(`${url}${path}`, {
      method,
      ...(body !== undefined
        ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }
        : {}),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  };
  const world = await describeWorld(admin, {
    apiBase: `${url}/trade-api/v2`,
    user: { keyId: key.keyId, key, userId: key.keyId },
    stop,
  });
  return {
    world,
    child,
    rss: () => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
        return kb === undefined ? undefined : Number(kb) * 1024;
      } catch {
        return undefined;
      }
    },
  };
}

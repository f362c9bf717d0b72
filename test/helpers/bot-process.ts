import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { botEnv, botRawConfig } from './bot.js';
import { merge } from './config.js';
import type { SimTestUser, TestSimulator } from './simulator.js';

const ROOT = resolve(import.meta.dirname, '../..');

export interface BotProcess {
  readonly child: ChildProcess;
  /** The YAML config file the process reads (edit it to test reloads). */
  readonly configFile: string;
  /** The config as written, YAML-shaped. */
  readonly raw: Record<string, unknown>;
  /** Everything the process wrote (JSON log lines on stdout, problems on stderr). */
  readonly output: () => string;
  /** Resolves with the exit code (or the signal's name) when the process ends. */
  readonly exited: Promise<number | string>;
}

/**
 * Runs the real entry point (`src/main.ts`) as its own process, as a deployment would: a YAML
 * config file, the keys in the environment. `node --import tsx` keeps it a single process, so
 * a SIGKILL really kills the bot.
 */
export function spawnBot(
  ts: TestSimulator,
  user: SimTestUser,
  patch: Record<string, unknown> = {},
  extraArgs: readonly string[] = [],
): BotProcess {
  const { raw, dir } = botRawConfig(ts, merge({ logging: { level: 'info' }, ops: { port: 0 } }, patch));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(raw));
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--config', file, ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, ...botEnv(user), NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, configFile: file, raw, output: () => output, exited };
}

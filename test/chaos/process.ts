/**
 * The bot as its own process (`src/main.ts`, config file, keys in the environment), so a
 * `kill -9` really kills it. Like test/helpers/bot-process.ts, without vitest's hooks.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { stringify } from 'yaml';
import { merge } from '../helpers/config.js';
import { entryArgs } from '../helpers/entry.js';
import { chaosEnv, chaosRawConfig, type World } from './world.js';

const ROOT = resolve(import.meta.dirname, '../..');
/** The bot as plain JS, bundled once (as the tests run it), not through tsx's loader. */
const BOT = await entryArgs('src/main.ts');

export interface ChaosProcess {
  readonly child: ChildProcess;
  readonly output: () => string;
  readonly exited: Promise<number | string>;
  kill(signal: NodeJS.Signals): void;
}

export function spawnChaosBot(world: World, patch: Record<string, unknown> = {}): ChaosProcess {
  const { raw, dir } = chaosRawConfig(world, merge({ logging: { level: 'info' }, ops: { port: 0 } }, patch));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(raw));
  const child = spawn(process.execPath, [...BOT, '--config', file], {
    cwd: ROOT,
    env: { ...process.env, ...chaosEnv(world), NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | string>((resolveExit) => {
    child.on('exit', (code, signal) => resolveExit(code ?? signal ?? 'unknown'));
  });
  return {
    child,
    output: () => output,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}

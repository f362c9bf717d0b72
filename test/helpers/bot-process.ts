import { type ChildProcess, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { onTestFinished } from 'vitest';
import { stringify } from 'yaml';
import { botEnv, botRawConfig } from './bot.js';
import { merge } from './config.js';
import { entryArgs } from './entry.js';
import { killSurvivors, type ProcessInfo, processTree } from './process-tree.js';
import type { SimTestUser, TestSimulator } from './simulator.js';

const ROOT = resolve(import.meta.dirname, '../..');

/** How a test starts the bot: see entryArgs. */
const BOT_MAIN: readonly string[] = await entryArgs('src/main.ts');

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

/** Writes a test bot's config file; `patch` is merged over the defaults of `botRawConfig`. */
function writeBotConfig(
  ts: TestSimulator,
  patch: Record<string, unknown>,
): { file: string; raw: Record<string, unknown> } {
  const { raw, dir } = botRawConfig(ts, merge({ logging: { level: 'info' }, ops: { port: 0 } }, patch));
  const file = join(dir, 'config.yaml');
  writeFileSync(file, stringify(raw));
  return { file, raw };
}

function capture(child: ChildProcess): Pick<BotProcess, 'output' | 'exited'> {
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
  return { output: () => output, exited };
}

/**
 * Runs the real entry point (`src/main.ts`, see BOT_MAIN) as its own process, as a deployment
 * would: a YAML config file, the keys in the environment. A single process, so a SIGKILL really
 * kills the bot.
 */
export function spawnBot(
  ts: TestSimulator,
  user: SimTestUser,
  patch: Record<string, unknown> = {},
  extraArgs: readonly string[] = [],
): BotProcess {
  const { file, raw } = writeBotConfig(ts, patch);
  const child = spawn(process.execPath, [...BOT_MAIN, '--config', file, ...extraArgs], {
    cwd: ROOT,
    env: { ...process.env, ...botEnv(user), NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onTestFinished(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  return { child, configFile: file, raw, ...capture(child) };
}

export interface NpmRun {
  readonly child: ChildProcess;
  /** npm's pid, which is also the process group's id. */
  readonly pid: number;
  readonly output: () => string;
  /** npm's exit code, or the signal's name when it died by one. */
  readonly exited: Promise<number | string>;
  /** npm and every process under it, now; kept so that clean-up finds them after npm is gone. */
  snapshot(): ProcessInfo[];
}

/**
 * `npm run SCRIPT -- ARGS` as an operator types it, in a process group of its own (as a
 * terminal or systemd would start it), so that the test can signal npm alone, the group, or the
 * program under npm. Whatever of the tree is left when the test ends is SIGKILLed.
 */
export function spawnNpmScript(
  script: string,
  args: readonly string[],
  env: Record<string, string> = {},
): NpmRun {
  const child = spawn('npm', ['run', '--silent', script, '--', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env, NODE_ENV: 'test' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const pid = child.pid!;
  const seen = new Map<string, ProcessInfo>();
  const snapshot = (): ProcessInfo[] => {
    const tree = processTree(pid);
    for (const p of tree) seen.set(`${p.pid}/${p.startTime}`, p);
    return tree;
  };
  snapshot();
  onTestFinished(() => {
    snapshot();
    killSurvivors([...seen.values()]);
  });
  return { child, pid, snapshot, ...capture(child) };
}

/** `npm start -- --config FILE` against a test simulator, with the user's keys in the environment. */
export function spawnNpmStart(
  ts: TestSimulator,
  user: SimTestUser,
  patch: Record<string, unknown> = {},
): NpmRun & { readonly configFile: string } {
  const { file } = writeBotConfig(ts, patch);
  return { ...spawnNpmScript('start', ['--config', file], botEnv(user)), configFile: file };
}

import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { entryArgs } from '../../helpers/entry.js';
import { makeTestKey } from '../../helpers/keys.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const key = makeTestKey();
const keyLines = key.privatePem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));
const TOKEN = 'ops-token-0123456789abcdef';

interface Run {
  readonly code: number | string;
  readonly stdout: string;
  readonly stderr: string;
}

/** The real entry point on the shipped config.yaml, with only these secrets in its environment. */
function runMain(env: Record<string, string>, args: readonly string[] = []): Promise<Run> {
  return run('src/main.ts', env, ['--config', 'config.yaml', ...args]);
}

/** A real entry point (the bot's or the simulator's) as its own process, without our secrets. */
async function run(entry: string, env: Record<string, string>, args: readonly string[]): Promise<Run> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(KALSHI_|OPS_TOKEN)/.test(name)),
  );
  const child = spawn(process.execPath, [...(await entryArgs(entry)), ...args], {
    cwd: ROOT,
    env: { ...clean, NODE_ENV: 'test', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  return new Promise((done) => {
    child.on('close', (code, signal) => done({ code: code ?? signal ?? 'unknown', stdout, stderr }));
  });
}

function expectNothingSecret(run: Run, ...secrets: string[]): void {
  for (const stream of [run.stdout, run.stderr]) {
    expect(stream).not.toContain('PRIVATE KEY');
    for (const line of keyLines) expect(stream).not.toContain(line);
    for (const secret of secrets) expect(stream).not.toContain(secret);
  }
}

describe('no secret is ever printed by the process', () => {
  it('a PEM in KALSHI_PRIVATE_KEY_PATH: exit 1 with "holds a key, not a path", no line of the key', async () => {
    const run = await runMain({
      KALSHI_ENV: 'demo',
      KALSHI_API_KEY_ID: key.keyId,
      KALSHI_PRIVATE_KEY_PATH: key.privatePem,
      OPS_TOKEN: TOKEN,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('KALSHI_PRIVATE_KEY_PATH holds a key, not a path');
    expectNothingSecret(run, key.keyId, TOKEN);
  });

  it('a PEM in KALSHI_API_KEY_ID, and a key id in KALSHI_PRIVATE_KEY_PATH: each named, neither shown', async () => {
    const run = await runMain({
      KALSHI_ENV: 'demo',
      KALSHI_API_KEY_ID: key.privatePem,
      KALSHI_PRIVATE_KEY_PATH: key.keyId,
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('KALSHI_API_KEY_ID holds a private key, not an API key id');
    expect(run.stderr).toContain('KALSHI_PRIVATE_KEY_PATH holds what looks like an API key id, not a path');
    expectNothingSecret(run, key.keyId);
  });

  it('--check-config reports the same, redacted', async () => {
    const run = await runMain(
      { KALSHI_ENV: 'demo', KALSHI_API_KEY_ID: key.keyId, KALSHI_PRIVATE_KEY_PATH: key.privatePem },
      ['--check-config'],
    );
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('KALSHI_PRIVATE_KEY_PATH holds a key, not a path');
    expectNothingSecret(run, key.keyId);
  });

  it('--print-config prints the resolved config with its hash and exits 0; the secrets only as set', async () => {
    const run = await runMain(
      {
        KALSHI_ENV: 'demo',
        KALSHI_API_KEY_ID: key.keyId,
        KALSHI_PRIVATE_KEY_PATH: key.privatePemPath,
        OPS_TOKEN: TOKEN,
      },
      ['--print-config'],
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^# kalshi-rfq-maker: the resolved config, secrets redacted\n# config hash [0-9a-f]{12}, environment demo\n/,
    );
    expect(run.stdout).toContain('  apiKeyId: "[REDACTED]"');
    expect(run.stdout).toContain('  opsToken: "[REDACTED]"');
    expect(run.stdout).toContain(`privateKeyPath: ${key.privatePemPath}`);
    expectNothingSecret(run, key.keyId, TOKEN);
  });

  it('an alias bomb is one clear problem with its line: exit 1, no stack trace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bomb-'));
    const file = join(dir, 'config.yaml');
    const lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let level = 1; level < 9; level++) {
      lines.push(`a${level}: &a${level} [${Array.from({ length: 9 }, () => `*a${level - 1}`).join(',')}]`);
    }
    writeFileSync(file, `${lines.join('\n')}\n`);
    const result = await run('src/main.ts', {}, ['--config', file, '--check-config']);
    expect(result.code).toBe(1);
    expect(result.stderr).toBe(
      `${file}:6:10 YAML aliases expand the config to more than 10000 values (an alias bomb?): refused; the alias *a4 here expands to over 10000\n1 problem(s) in ${file}\n`,
    );
  });

  it('the simulator command line does not echo a key pasted where a path belongs', async () => {
    // <keyId>=<PEM> (the PEM where its path belongs), and the PEM alone (split at its first "=").
    for (const entry of [`${key.keyId}=${key.privatePem}`, key.privatePem]) {
      const result = await run('src/simulator/main.ts', {}, [`--api-key=${entry}`]);
      expect(result.code).toBe(2);
      expect(result.stderr).toContain('--api-key');
      expectNothingSecret(result);
    }
  });
});

import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { type Logger, pino } from 'pino';
import { z } from 'zod';
import type { Strategy } from '../../../src/strategy/types.js';

export interface LogLine {
  readonly level: number;
  readonly msg?: string;
  readonly [key: string]: unknown;
}

/** A real pino logger whose lines land in an array. */
export function captureLogger(level: pino.Level = 'debug'): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino({ level }, { write: (line: string) => lines.push(JSON.parse(line) as LogLine) });
  return { logger, lines };
}

export const LEVEL = { debug: 20, info: 30, warn: 40, error: 50 } as const;

/** A temporary ESM package directory, removed by `cleanup`. */
export async function tempPluginDir(
  files: Record<string, string>,
  esm = true,
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'strategies-'));
  if (esm) await writeFile(join(dir, 'package.json'), '{ "type": "module" }\n');
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, text);
  }
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** A minimal valid strategy object for router/runner tests. */
export function fakeStrategy<O = Record<string, never>>(
  name: string,
  overrides: Partial<Strategy<O>> = {},
): Strategy<O> {
  return {
    name,
    apiVersion: 1,
    options: z.strictObject({}) as unknown as Strategy<O>['options'],
    price: () => ({ yesBid: 400_000, noBid: 400_000 }),
    ...overrides,
  };
}

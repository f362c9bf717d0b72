/**
 * The boundaries of DESIGN.md, checked on every import in src/: wire parsing stays in kalshi/
 * (nothing else sees a wire type or a decimal string), domain/ imports nothing of ours, the
 * simulator shares only domain/ and the wire types with the bot, risk/ does not lean on the
 * plugin module, and only the composition root starts the simulator.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const SRC = join(ROOT, 'src');

/** Files that read the exchange's JSON; only kalshi/ (and, for wire.ts, the simulator) may import them. */
const WIRE_FILES = [
  'src/kalshi/wire.ts',
  'src/kalshi/wire-reader.ts',
  'src/kalshi/mappers.ts',
  'src/kalshi/mappers-market.ts',
  'src/kalshi/stream/frames.ts',
  'src/kalshi/stream/mappers.ts',
];

type Imports = ReadonlyMap<string, readonly string[]>;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"]+)['"]/gm;

/** Each file (repo-relative) → the repo-relative files its relative imports resolve to. */
function importsOf(files: readonly string[]): Imports {
  const map = new Map<string, string[]>();
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const targets: string[] = [];
    for (const match of text.matchAll(SPECIFIER)) {
      const specifier = match[1]!;
      if (!specifier.startsWith('.')) continue;
      const target = resolve(dirname(file), specifier).replace(/\.js$/, '.ts');
      targets.push(relative(ROOT, target));
    }
    map.set(relative(ROOT, file), targets);
  }
  return map;
}

const inDir = (file: string, dir: string) => file.startsWith(`${dir}/`);

/** Every import that breaks a boundary, as `file → target: rule`. */
function violations(imports: Imports): string[] {
  const found: string[] = [];
  for (const [file, targets] of imports) {
    for (const target of targets) {
      const report = (rule: string) => found.push(`${file} → ${target}: ${rule}`);
      const isWire = WIRE_FILES.includes(target);
      if (inDir(file, 'src/simulator')) {
        const shared =
          inDir(target, 'src/simulator') || inDir(target, 'src/domain') || target === 'src/kalshi/wire.ts';
        if (!shared) report('the simulator shares only domain/ and the wire types with the bot');
      } else if (isWire && !inDir(file, 'src/kalshi')) {
        report('wire parsing stays in kalshi/: use the client and its domain events');
      }
      if (inDir(file, 'src/domain') && !inDir(target, 'src/domain'))
        report('domain/ imports nothing of ours');
      if (inDir(file, 'src/risk') && inDir(target, 'src/strategy'))
        report('risk/ takes the quoting types from domain/, not from the strategy plugin module');
      const mayStartSimulator =
        inDir(file, 'src/simulator') || inDir(file, 'src/app') || file === 'src/main.ts';
      if (inDir(target, 'src/simulator') && !mayStartSimulator)
        report('only app/ and main.ts may start the simulator');
    }
  }
  return found;
}

describe('layering', () => {
  it('every import in src/ keeps the boundaries', () => {
    const imports = importsOf(sourceFiles(SRC));
    expect(imports.size).toBeGreaterThan(100);
    expect(violations(imports)).toEqual([]);
    expect(imports.get('src/app/app.ts')).toContain('src/kalshi/index.ts');
  });

  it('reports each kind of breach', () => {
    const imports: Imports = new Map([
      ['src/rfq/push-source.ts', ['src/kalshi/wire.ts', 'src/kalshi/index.ts']],
      ['src/quotes/quoter.ts', ['src/kalshi/stream/frames.ts']],
      ['src/kalshi/client.ts', ['src/kalshi/wire.ts']],
      ['src/simulator/ws.ts', ['src/kalshi/wire.ts', 'src/kalshi/mappers.ts']],
      ['src/domain/money.ts', ['src/kalshi/errors.ts']],
      ['src/risk/guard.ts', ['src/strategy/types.ts', 'src/domain/quoting.ts']],
      ['src/rfq/poller.ts', ['src/simulator/index.ts']],
      ['src/app/app.ts', ['src/simulator/index.ts']],
    ]);
    expect(violations(imports)).toEqual([
      'src/rfq/push-source.ts → src/kalshi/wire.ts: wire parsing stays in kalshi/: use the client and its domain events',
      'src/quotes/quoter.ts → src/kalshi/stream/frames.ts: wire parsing stays in kalshi/: use the client and its domain events',
      'src/simulator/ws.ts → src/kalshi/mappers.ts: the simulator shares only domain/ and the wire types with the bot',
      'src/domain/money.ts → src/kalshi/errors.ts: domain/ imports nothing of ours',
      'src/risk/guard.ts → src/strategy/types.ts: risk/ takes the quoting types from domain/, not from the strategy plugin module',
      'src/rfq/poller.ts → src/simulator/index.ts: only app/ and main.ts may start the simulator',
    ]);
  });

  it('reads every form of relative import', () => {
    const dir = join(ROOT, 'src/rfq');
    const text = [
      "import type { WsRfqCreated } from '../kalshi/wire.js';",
      "export { mapRfq } from '../kalshi/mappers.js';",
      "import '../kalshi/wire-reader.js';",
      "const lazy = await import('../kalshi/stream/frames.js');",
      "import pino from 'pino';",
    ].join('\n');
    const targets = [...text.matchAll(SPECIFIER)].map((m) => m[1]).filter((s) => s!.startsWith('.'));
    expect(targets.map((s) => relative(ROOT, resolve(dir, s!)).replace(/\.js$/, '.ts'))).toEqual([
      'src/kalshi/wire.ts',
      'src/kalshi/mappers.ts',
      'src/kalshi/wire-reader.ts',
      'src/kalshi/stream/frames.ts',
    ]);
  });
});

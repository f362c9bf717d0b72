// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these tests write the literal ${VAR} syntax
/**
 * Config loading fuzzed (issue 8 §2): random text, line-level mutations of the shipped
 * config.yaml and single-key mutations of its parsed tree. Loading never throws; a refusal
 * lists problems that each say where (file, key path) and what; an accepted config is frozen
 * and its limits are consistent integers.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse, parseDocument } from 'yaml';
import { riskLimitsFrom } from '../../src/app/options-from-config.js';
import {
  type Config,
  type ConfigProblem,
  formatConfigProblems,
  type LoadConfigResult,
  loadConfigText,
} from '../../src/config/index.js';
import { riskLimitProblems } from '../../src/risk/limits.js';
import { expectAbove, expectEqual, expectIs } from '../helpers/hot-expect.js';
import { anyJson, pathsOf, TRICKY_DECIMALS } from './mutate.js';

const ROOT = resolve(import.meta.dirname, '../..');
const SHIPPED = readFileSync(resolve(ROOT, 'config.yaml'), 'utf8');
const SHIPPED_TREE = parse(SHIPPED) as Record<string, unknown>;
const SHIPPED_DOC = parseDocument(SHIPPED);
const TREE_PATHS = pathsOf(SHIPPED_TREE);
const LINES = SHIPPED.split('\n');
const OPTIONS = { file: 'config.yaml', env: {}, baseDir: ROOT };

/** Values a person might put in a config file by mistake. */
const CONFIG_TOKENS = [
  '',
  '~',
  'null',
  'true',
  'no',
  '-1',
  '0',
  '1e309',
  '0x10',
  'ten',
  '"10"',
  "'0.5'",
  '[]',
  '{}',
  '- a',
  '${UNSET_VARIABLE}',
  '${A:-}',
  '$${X}',
  '*alias',
  '&anchor x',
  '!!binary aGVsbG8=',
  '"\\u0000"',
  '99999999999999999999999',
  '0.0000001',
  '-0.01',
  '1.5',
  '2.5.1',
  'NaN',
  '.inf',
  '"\u202e"',
];

/**
 * Text of any code points but lone surrogates: what `fc.string({ unit: 'binary' })` makes, without
 * the reverse map of all 1.1 million code points that fast-check builds for it (3 s of CPU).
 */
const anyCodePoints = fc
  .array(
    fc.nat({ max: 0x10ffff - 0x800 }).map((n) => (n >= 0xd800 ? n + 0x800 : n)),
    { maxLength: 200 },
  )
  .map((codePoints) => String.fromCodePoint(...codePoints));

/** Each problem names its file and key, says something readable, and has a sane position. */
function everyProblemIsClear(problems: readonly ConfigProblem[]): void {
  expectAbove(problems.length, 0);
  for (const p of problems) if (!isClear(p)) expectClear(p);
  expectIs(formatConfigProblems(problems).split('\n').length, problems.length);
}

/** The check of a hot loop (hot-expect.ts): `expectClear` runs only to name what failed. */
function isClear(p: ConfigProblem): boolean {
  return (
    typeof p.file === 'string' &&
    typeof p.path === 'string' &&
    typeof p.message === 'string' &&
    p.message.trim().length > 3 &&
    !UNCLEAR.test(p.message) &&
    (p.line === undefined || (Number.isInteger(p.line) && p.line >= 1)) &&
    (p.column === undefined || (Number.isInteger(p.column) && p.column >= 1))
  );
}

const UNCLEAR = /\[object Object\]|^undefined|: undefined$/;

function expectClear(p: ConfigProblem): void {
  expect(typeof p.file).toBe('string');
  expect(typeof p.path).toBe('string');
  expect(typeof p.message).toBe('string');
  expect(p.message.trim().length, JSON.stringify(p)).toBeGreaterThan(3);
  expect(p.message).not.toMatch(UNCLEAR);
  if (p.line !== undefined) expect(Number.isInteger(p.line) && p.line >= 1).toBe(true);
  if (p.column !== undefined) expect(Number.isInteger(p.column) && p.column >= 1).toBe(true);
}

function isDeeplyFrozen(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  return Object.isFrozen(value) && Object.values(value).every(isDeeplyFrozen);
}

function usableConfig(config: Config): void {
  expectIs(isDeeplyFrozen(config), true);
  const limits = riskLimitsFrom(config);
  expectEqual(riskLimitProblems(limits), []);
  for (const [key, value] of Object.entries(limits)) {
    if (typeof value === 'number' && !Number.isSafeInteger(value))
      expect(Number.isSafeInteger(value), key).toBe(true);
  }
  expectIs(Number.isSafeInteger(config.quoting.ttlMs) && config.quoting.ttlMs > 0, true);
  expectIs(Number.isSafeInteger(config.poller.intervalMs) && config.poller.intervalMs > 0, true);
}

function check(load: () => LoadConfigResult): LoadConfigResult {
  let result: LoadConfigResult;
  try {
    result = load();
  } catch (error) {
    expect.unreachable(`loading threw: ${error instanceof Error ? error.stack : String(error)}`);
  }
  if (result.ok) usableConfig(result.config);
  else everyProblemIsClear(result.problems);
  return result;
}

const lineEdit = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('value' as const),
    at: fc.nat(),
    token: fc.constantFrom(...CONFIG_TOKENS, ...TRICKY_DECIMALS),
  }),
  fc.record({ kind: fc.constant('indent' as const), at: fc.nat(), by: fc.integer({ min: -4, max: 4 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.string({ maxLength: 30 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('char' as const),
    at: fc.nat(),
    char: fc.constantFrom(':', '-', '"', "'", '#', '\t', '[', '{', '&', '*', '!', '|', '>', '%', '@', '`'),
  }),
);

type LineEdit = typeof lineEdit extends fc.Arbitrary<infer T> ? T : never;

function applyLineEdits(edits: readonly LineEdit[]): string {
  const lines = [...LINES];
  for (const e of edits) {
    const i = e.at % Math.max(1, lines.length);
    const line = lines[i] ?? '';
    switch (e.kind) {
      case 'delete':
        lines.splice(i, 1);
        break;
      case 'duplicate':
        lines.splice(i, 0, line);
        break;
      case 'value': {
        const colon = line.indexOf(':');
        lines[i] = colon >= 0 ? `${line.slice(0, colon + 1)} ${e.token}` : `${line}${e.token}`;
        break;
      }
      case 'indent':
        lines[i] = e.by >= 0 ? ' '.repeat(e.by) + line : line.replace(new RegExp(`^ {0,${-e.by}}`), '');
        break;
      case 'insert':
        lines.splice(i, 0, e.text);
        break;
      case 'truncate':
        return lines.join('\n').slice(0, e.at % (SHIPPED.length + 1));
      case 'char': {
        const at = e.at % (line.length + 1);
        lines[i] = line.slice(0, at) + e.char + line.slice(at);
        break;
      }
    }
  }
  return lines.join('\n');
}

/** Where each key's value is written in config.yaml: [start, end) offsets. */
const VALUE_SPANS = new Map(
  TREE_PATHS.map((path) => {
    const range = (SHIPPED_DOC.getIn(path, true) as { range?: [number, number, number] } | undefined)?.range;
    // a block collection's range runs on to the next line's indentation: keep that
    const end = range && range[0] + SHIPPED.slice(range[0], range[1]).trimEnd().length;
    return [path.join('\0'), range && end !== undefined ? ([range[0], end] as const) : undefined] as const;
  }),
);

/**
 * config.yaml with one key set to `value` (the rest, comments and ${VAR} defaults kept). The
 * value is written in place as JSON, which YAML reads as flow style (3,000 cases parsed to the
 * same data and errors as the yaml library's own printing, at a fraction of its cost).
 */
function withValue(path: readonly (string | number)[], value: unknown): string {
  const span = VALUE_SPANS.get(path.join('\0'));
  if (span === undefined) throw new Error(`no value written at ${path.join('.')} in config.yaml`);
  return `${SHIPPED.slice(0, span[0])} ${JSON.stringify(value) ?? 'null'}${SHIPPED.slice(span[1])}`;
}

describe('config loading under fuzzed input', () => {
  it('loads the shipped file as the baseline', () => {
    expect(check(() => loadConfigText(SHIPPED, OPTIONS)).ok).toBe(true);
  });

  it('never throws on arbitrary text, and explains every refusal', () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 300 }), anyCodePoints, fc.constantFrom(...CONFIG_TOKENS)),
        (text) => {
          check(() => loadConfigText(text, OPTIONS));
        },
      ),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 300), seed: Number(process.env['FUZZ_SEED'] ?? 0xc0f1) },
    );
  });

  it('survives line-level damage to config.yaml', () => {
    fc.assert(
      fc.property(fc.array(lineEdit, { minLength: 1, maxLength: 4 }), (edits) => {
        const text = applyLineEdits(edits);
        check(() => loadConfigText(text, OPTIONS));
      }),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 400), seed: Number(process.env['FUZZ_SEED'] ?? 0xc0f2) },
    );
  });

  it('refuses a wrong value with a problem that names its key', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...TREE_PATHS),
        fc.oneof(anyJson, fc.constantFrom<unknown>(...CONFIG_TOKENS)),
        (path, value) => {
          const result = check(() => loadConfigText(withValue(path, value), OPTIONS));
          if (result.ok) return;
          const dotted = path
            .map((k) => (typeof k === 'number' ? `[${k}]` : `.${k}`))
            .join('')
            .slice(1);
          const key = String(path[path.length - 1]);
          // The problem is on the key, on one of its parents or children, or names it (cross-key rules).
          const related = result.problems.some(
            (p) =>
              p.path === '' ||
              dotted.startsWith(p.path.replace(/\[\d+\]$/, '')) ||
              p.path.startsWith(dotted) ||
              p.message.includes(key),
          );
          expect(
            related,
            `${dotted} = ${JSON.stringify(value)}: ${formatConfigProblems(result.problems)}`,
          ).toBe(true);
        },
      ),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 250), seed: Number(process.env['FUZZ_SEED'] ?? 0xc0f3) },
    );
  });

  it('lists an alias to a missing anchor as a problem, with its line', () => {
    const text = SHIPPED.replace(/^ {2}tier: auto$/m, '  tier: *missing');
    const line = text.split('\n').findIndex((l) => l.includes('*missing')) + 1;
    const result = check(() => loadConfigText(text, OPTIONS));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ line, message: expect.stringMatching(/alias \*missing/) });
  });

  it('refuses a min edge the risk module cannot take, and takes $1 itself', () => {
    const result = check(() => loadConfigText(withValue(['risk', 'minEdge'], '2'), OPTIONS));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(
      /risk\.minEdge: .*at most "1"/,
    );
    expect(check(() => loadConfigText(withValue(['risk', 'minEdge'], '1'), OPTIONS)).ok).toBe(true);
  });
});

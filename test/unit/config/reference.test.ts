import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { isMap, isScalar, isSeq, LineCounter, parseDocument } from 'yaml';
import {
  extractReferenceBlock,
  referenceRows,
  renderConfigReference,
  replaceReferenceBlock,
} from '../../../src/config/reference.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const readme = readFileSync(resolve(root, 'docs/configuration.md'), 'utf8');
const shipped = readFileSync(resolve(root, 'config.yaml'), 'utf8');

describe('the configuration reference in docs/configuration.md', () => {
  it('is what the schema generates (run `npm run config:reference` when this fails)', () => {
    expect(extractReferenceBlock(readme)).toBe(renderConfigReference());
  });

  it('regenerating is idempotent and needs the markers', () => {
    const once = replaceReferenceBlock(readme);
    expect(replaceReferenceBlock(once)).toBe(once);
    expect(() => replaceReferenceBlock('# no markers')).toThrow(/config-reference:start/);
  });

  it('documents every key with a type, a default and a description', () => {
    const rows = referenceRows();
    expect(rows.length).toBeGreaterThan(80);
    for (const row of rows) {
      expect(row.description, row.key).not.toBe('');
      expect(row.type, row.key).not.toBe('');
      expect(row.default, row.key).not.toBe('');
    }
    expect(rows.find((r) => r.key === 'risk.maxOpenQuotes')).toEqual({
      key: 'risk.maxOpenQuotes',
      type: 'integer ≥ 1',
      default: '`200`',
      reload: 'hot',
      description: 'Most live quotes at once.',
    });
    expect(rows.find((r) => r.key === 'exchange.environment')?.reload).toBe('restart');
  });
});

describe('the shipped config.yaml', () => {
  const lineCounter = new LineCounter();
  const doc = parseDocument(shipped, { lineCounter });
  const lines = shipped.split('\n');

  /** Key paths written in the file (list elements excluded), with the line of each key. */
  const written = new Map<string, number>();
  const walk = (node: unknown, prefix: string) => {
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isScalar(pair.key)) continue;
        const key = prefix ? `${prefix}.${String(pair.key.value)}` : String(pair.key.value);
        written.set(key, lineCounter.linePos(pair.key.range?.[0] ?? 0).line);
        walk(pair.value, key);
      }
    } else if (isSeq(node)) {
      for (const item of node.items) walk(item, `${prefix}[]`);
    }
  };
  walk(doc.contents, '');

  it('lists every key of the schema', () => {
    const missing = referenceRows()
      .map((row) => row.key)
      .filter((key) => !key.includes('windows[]') && !written.has(key));
    expect(missing).toEqual([]);
  });

  it('comments every key (route entries are explained above the list)', () => {
    const uncommented = [...written]
      .filter(([key]) => !key.startsWith('strategies.routes[]'))
      .filter(([, line]) => {
        const text = lines[line - 1] ?? '';
        const above = lines[line - 2]?.trim() ?? '';
        return !text.includes(' # ') && !above.startsWith('#');
      })
      .map(([key]) => key);
    expect(uncommented).toEqual([]);
  });
});

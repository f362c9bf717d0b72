import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording, readRecordingBatches } from '../../../src/backtest/reader.js';
import { writeSyntheticRecording } from '../../../src/backtest/synthetic.js';

describe('readRecordingBatches', () => {
  let dir: string;
  let file: string;
  let events: number;
  const start = Date.UTC(2026, 11, 7, 14, 0, 0);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reader-'));
    file = join(dir, 'rec.jsonl');
    // Over a megabyte: more than one block of the file, each handed out in small batches.
    events = await writeSyntheticRecording(file, { rfqs: 1_500, rate: 10, markets: 20, seed: 3, start });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands out every line once, in file order, a few hundred at a time', async () => {
    const sizes: number[] = [];
    const lines: number[] = [];
    for await (const batch of readRecordingBatches(file)) {
      sizes.push(batch.length);
      for (const { line } of batch) lines.push(line);
    }
    expect(lines.length).toBe(events);
    expect(lines).toEqual(lines.map((_, i) => i + 2));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(256);
    expect(sizes.length).toBeGreaterThan(events / 256);
  });

  it('stops at --to inside a batch and skips what comes before --from', async () => {
    const all = [];
    for await (const item of readRecording(file)) all.push(item);
    const from = start + 20_000;
    const to = start + 95_000;
    const cut = [];
    for await (const batch of readRecordingBatches(file, { from, to })) cut.push(...batch);
    expect(cut).toEqual(all.filter(({ event }) => event.at >= from && event.at < to));
    expect(cut.length).toBeGreaterThan(256);
  });
});

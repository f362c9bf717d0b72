/**
 * `npm run backtest` end to end on a synthetic recording: the same input and config give the
 * same bytes, a sweep's runs (in worker threads) equal the same runs made one by one, and a
 * damaged recording fails naming the line it broke on.
 */
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { runBacktestCli } from '../../../src/backtest/cli.js';
import { writeSyntheticRecording } from '../../../src/backtest/synthetic.js';
import { RecordingError } from '../../../src/journal/recording.js';
import { entryArgs } from '../../helpers/entry.js';

const ROOT = resolve(import.meta.dirname, '../../..');
const CONFIG = join(ROOT, 'config.yaml');

let dir: string;
let input: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'backtest-cli-'));
  input = join(dir, 'synthetic.jsonl');
  await writeSyntheticRecording(input, {
    rfqs: 400,
    rate: 4,
    markets: 12,
    seed: 3,
    start: Date.UTC(2026, 11, 7),
  });
});

async function backtest(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runBacktestCli(['--config', CONFIG, '--input', input, ...args], {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
  });
  expect(code).toBe(0);
  return { stdout, stderr };
}

interface JsonRun {
  readonly label: string;
  readonly set: Record<string, string>;
  readonly [key: string]: unknown;
}

const numbersOf = ({ label: _label, set: _set, ...numbers }: JsonRun) => numbers;

describe('npm run backtest', () => {
  it('gives byte-identical JSON for the same input and config', async () => {
    const first = await backtest(['--json', '--parallel', '1']);
    const second = await backtest(['--json', '--parallel', '1']);
    expect(second.stdout).toBe(first.stdout);
    const report = JSON.parse(first.stdout) as { runs: JsonRun[] };
    // Not a vacuous match: the run quoted and traded.
    expect(report.runs[0]?.['quoted']).toBeGreaterThan(50);
    expect(report.runs[0]?.['filledQuotes']).toBeGreaterThan(10);
    expect(first.stdout).not.toMatch(/"(elapsed|wall|startedAt)/);
  }, 120_000);

  it('runs a sweep in worker threads with the numbers of the same runs made alone', async () => {
    const sweep = JSON.parse(
      (await backtest(['--json', '--parallel', '2', '--set', 'strategies.default.options.spread=0.03,0.06']))
        .stdout,
    ) as { runs: JsonRun[] };
    expect(sweep.runs.map((r) => r.label)).toEqual(['config spread=0.03', 'config spread=0.06']);
    for (const [i, spread] of ['0.03', '0.06'].entries()) {
      const alone = JSON.parse(
        (
          await backtest([
            '--json',
            '--parallel',
            '1',
            '--set',
            `strategies.default.options.spread=${spread}`,
          ])
        ).stdout,
      ) as { runs: JsonRun[] };
      expect(alone.runs[0]!.set).toEqual({ 'strategies.default.options.spread': spread });
      expect(numbersOf(sweep.runs[i]!)).toEqual(numbersOf(alone.runs[0]!));
    }
    // The values made a difference: a sweep over a parameter that did nothing proves little.
    expect(sweep.runs[0]!['quoted']).not.toBe(undefined);
    expect(numbersOf(sweep.runs[0]!)).not.toEqual(numbersOf(sweep.runs[1]!));
  }, 180_000);

  it('fails on a corrupt line naming it', async () => {
    const lines = readFileSync(input, 'utf8').split('\n');
    lines[56] =
      '{"kind":"rfq_seen","at":1796601600000,"rfqId":"x","marketTicker":"M","source":"poll","contracts":"ten"}';
    const corrupt = join(dir, 'corrupt.jsonl');
    writeFileSync(corrupt, lines.join('\n'));
    const failure = runBacktestCli(['--config', CONFIG, '--input', corrupt], {
      stdout: { write: () => 0 },
      stderr: { write: () => 0 },
    });
    await expect(failure).rejects.toThrow(RecordingError);
    await expect(failure).rejects.toThrow(
      /^line 57: contracts: expected a contract count decimal string, found "ten"/,
    );
  }, 60_000);

  it('fails on a truncated recording naming the last line, with exit code 1 from the command', async () => {
    const text = readFileSync(input, 'utf8');
    const truncated = join(dir, 'truncated.jsonl');
    const cut = text.indexOf('\n', Math.floor(text.length / 2)) + 30;
    writeFileSync(truncated, text.slice(0, cut));
    const lineNo = text.slice(0, cut).split('\n').length;
    const run = promisify(execFile)(
      process.execPath,
      [...(await entryArgs('src/backtest/main.ts')), '--config', CONFIG, '--input', truncated],
      { cwd: ROOT },
    );
    const error = (await run.then(
      () => undefined,
      (e: unknown) => e,
    )) as { code: number; stderr: string } | undefined;
    expect(error?.code).toBe(1);
    expect(error?.stderr).toContain(
      `backtest: line ${lineNo}: the recording ends inside this line (truncated?)`,
    );
  }, 60_000);
});

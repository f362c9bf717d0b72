import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openJournalDatabase } from '../../../src/journal/database.js';
import { dayKey, dayStart, nextDayKey } from '../../../src/risk/zoned-time.js';
import { entryArgs } from '../../helpers/entry.js';

const ROOT = resolve(import.meta.dirname, '../../..');

async function report(args: string[]): Promise<{ from: string; to: string; timeZone: string }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [...(await entryArgs('src/report/main.ts')), '--json', ...args],
    { cwd: ROOT },
  );
  return JSON.parse(stdout) as { from: string; to: string; timeZone: string };
}

describe('npm run report: whose days', () => {
  it('takes today and YYYY-MM-DD in risk.dayStartTimezone, or in --tz', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'report-cli-'));
    const journal = join(dir, 'journal.db');
    openJournalDatabase(journal).close();
    const config = join(dir, 'config.yaml');
    writeFileSync(config, `journal:\n  path: ${journal}\nrisk:\n  dayStartTimezone: America/New_York\n`);

    const [fromConfig, fromFlag] = await Promise.all([
      report(['--config', config]),
      report(['--journal', journal, '--tz', 'Asia/Kolkata', '--from', '2026-12-05']),
    ]);
    const today = dayKey(Date.now(), 'America/New_York');
    expect(fromConfig).toMatchObject({
      timeZone: 'America/New_York',
      from: new Date(dayStart(today, 'America/New_York')!).toISOString(),
      to: new Date(dayStart(nextDayKey(today), 'America/New_York')!).toISOString(),
    });
    expect(fromFlag).toMatchObject({
      timeZone: 'Asia/Kolkata',
      from: '2026-12-04T18:30:00.000Z',
      to: '2026-12-05T18:30:00.000Z',
    });
    await expect(report(['--journal', journal, '--tz', 'Mars/Olympus'])).rejects.toThrow(
      /--tz: "Mars\/Olympus" is not an IANA time zone/,
    );
  });
});

/**
 * `npm run journal -- <command>`: the journal for people and tools.
 *
 *   export --from DATE --to DATE [--format jsonl|csv] [--kinds fill,decision] [--out FILE]
 *   stats
 *   prune --retain-days N
 *
 * The journal file is `--journal FILE`, else `journal.path` of `--config FILE` (config.yaml).
 * DATE is `YYYY-MM-DD` (UTC midnight) or an RFC 3339 time; `--to` is exclusive.
 */
import { createWriteStream } from 'node:fs';
import { parseArgs } from 'node:util';
import { dayStart } from '../risk/zoned-time.js';
import { integrityCheck, openJournalDatabase } from './database.js';
import { JOURNAL_EVENT_KINDS, type JournalEvent, type JournalEventKind } from './events.js';
import { pruneBefore } from './prune.js';
import { JournalReader } from './queries.js';
import { recordingHeader, toRecordingLine } from './recording.js';

const DAY = 86_400_000;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** A `--from`/`--to` value: YYYY-MM-DD is that day's start in `timeZone` (UTC unless given). */
export function parseWhen(text: string, flag: string, timeZone = 'UTC'): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? dayStart(text, timeZone) : Date.parse(text);
  if (ms === undefined || !Number.isFinite(ms))
    throw new UsageError(`${flag}: expected YYYY-MM-DD or an RFC 3339 time, found "${text}"`);
  return ms;
}

function parseKinds(text: string | undefined): JournalEventKind[] | undefined {
  if (text === undefined) return undefined;
  const kinds = text.split(',').map((k) => k.trim());
  const unknown = kinds.filter((k) => !(JOURNAL_EVENT_KINDS as readonly string[]).includes(k));
  if (unknown.length > 0)
    throw new UsageError(`--kinds: unknown ${unknown.join(', ')} (known: ${JOURNAL_EVENT_KINDS.join(', ')})`);
  return kinds as JournalEventKind[];
}

const CSV_BASE = ['time', 'kind', 'rfqId', 'quoteId', 'marketTicker', 'strategy'] as const;

function csvCell(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A CSV row: the common columns, then the rest of the event (decimal strings) as JSON. */
function csvRow(event: JournalEvent): string {
  const decimal = JSON.parse(toRecordingLine(event)) as Record<string, unknown>;
  const base = CSV_BASE.map((column) =>
    column === 'time' ? new Date(event.at).toISOString() : csvCell(decimal[column]),
  );
  const rest: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(decimal)) {
    if (key !== 'at' && !(CSV_BASE as readonly string[]).includes(key)) rest[key] = value;
  }
  return [...base, csvCell(rest)].join(',');
}

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
}

export async function runJournalCli(
  argv: readonly string[],
  io: CliIo,
  journalPathFromConfig: () => string,
): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      journal: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      format: { type: 'string', default: 'jsonl' },
      kinds: { type: 'string' },
      out: { type: 'string' },
      'retain-days': { type: 'string' },
    },
  });
  const [command] = positionals;
  const path = values.journal ?? journalPathFromConfig();
  if (command === 'export') {
    if (values.format !== 'jsonl' && values.format !== 'csv')
      throw new UsageError(`--format: expected jsonl or csv, found "${values.format}"`);
    const from = values.from ? parseWhen(values.from, '--from') : 0;
    const to = values.to ? parseWhen(values.to, '--to') : Date.now() + DAY;
    const kinds = parseKinds(values.kinds);
    const db = openJournalDatabase(path, { readonly: true });
    const out: NodeJS.WritableStream = values.out ? createWriteStream(values.out) : io.stdout;
    let written = 0;
    const write = (line: string) =>
      out.write(`${line}\n`) ? Promise.resolve() : new Promise<void>((r) => out.once('drain', r));
    await write(
      values.format === 'jsonl'
        ? recordingHeader({ source: 'journal', from, to })
        : [...CSV_BASE, 'data'].join(','),
    );
    for (const event of new JournalReader(db).events(from, to, kinds)) {
      await write(values.format === 'jsonl' ? toRecordingLine(event) : csvRow(event));
      written++;
    }
    db.close();
    if (out !== io.stdout) await new Promise<void>((r) => out.end(r));
    io.stderr.write(`${written} events exported from ${path}\n`);
    return 0;
  }
  if (command === 'stats') {
    const db = openJournalDatabase(path, { readonly: true });
    const reader = new JournalReader(db);
    io.stdout.write(
      `${JSON.stringify({ path, integrity: integrityCheck(db), events: reader.counts() }, null, 2)}\n`,
    );
    db.close();
    return 0;
  }
  if (command === 'prune') {
    const days = Number(values['retain-days']);
    if (!Number.isSafeInteger(days) || days < 1)
      throw new UsageError('--retain-days: expected a whole number of days ≥ 1');
    const db = openJournalDatabase(path);
    const deleted = pruneBefore(db, Date.now() - days * DAY);
    db.close();
    io.stdout.write(`${deleted} rows older than ${days} days deleted from ${path}\n`);
    return 0;
  }
  throw new UsageError(`unknown command "${command ?? ''}": expected export, stats or prune`);
}

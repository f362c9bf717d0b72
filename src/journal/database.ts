/**
 * Opening a journal file: WAL mode, migrations, and errors a person can act on (a missing
 * directory is created; an unwritable one, a full disk, a corrupt or foreign file each say so).
 */
import { accessSync, constants, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { MIGRATIONS, SCHEMA_VERSION } from './schema.js';

export type JournalDatabase = Database.Database;

export class JournalError extends Error {
  override readonly name = 'JournalError';
  constructor(
    message: string,
    readonly code: 'unwritable' | 'corrupt' | 'newer_schema' | 'disk_full' | 'io',
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export interface OpenJournalOptions {
  /** Open for reading only (reports, exports): no migration, no writes. */
  readonly readonly?: boolean;
  /** Largest the file may grow; past it writes fail as on a full disk. @default unlimited */
  readonly maxBytes?: number;
}

const UNWRITABLE_CODES: ReadonlySet<string> = new Set([
  'SQLITE_CANTOPEN',
  'SQLITE_READONLY',
  'SQLITE_PERM',
  'SQLITE_IOERR_WRITE',
  'EACCES',
  'EPERM',
  'EROFS',
  'ENOTDIR',
  'EEXIST',
]);

/** Maps a SQLite error to a JournalError with the path and what to do about it. */
export function journalErrorFrom(error: unknown, path: string): JournalError {
  if (error instanceof JournalError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  if (code === 'SQLITE_FULL' || code === 'ENOSPC')
    return new JournalError(`journal ${path}: the disk is full (${message})`, 'disk_full', path, {
      cause: error,
    });
  if (typeof code === 'string' && UNWRITABLE_CODES.has(code))
    return new JournalError(
      `journal ${path}: cannot write there (${message}); set journal.path to a writable file`,
      'unwritable',
      path,
      { cause: error },
    );
  if (code === 'SQLITE_CORRUPT' || code === 'SQLITE_NOTADB')
    return new JournalError(
      `journal ${path}: the file is not a valid journal (${message}); move it aside to start a new one`,
      'corrupt',
      path,
      { cause: error },
    );
  return new JournalError(`journal ${path}: ${message}`, 'io', path, { cause: error });
}

/** Opens (creating when needed) and migrates a journal file. */
export function openJournalDatabase(path: string, options: OpenJournalOptions = {}): JournalDatabase {
  const full = resolve(path);
  let db: JournalDatabase | undefined;
  try {
    if (!options.readonly) {
      mkdirSync(dirname(full), { recursive: true });
      accessSync(dirname(full), constants.W_OK);
    }
    db = new Database(full, {
      readonly: options.readonly ?? false,
      fileMustExist: options.readonly ?? false,
    });
    db.pragma('busy_timeout = 5000');
    if (!options.readonly) {
      db.pragma('journal_mode = WAL');
      // WAL + NORMAL: a committed batch survives a process crash; only power loss can lose the last.
      db.pragma('synchronous = NORMAL');
      migrate(db, full);
      if (options.maxBytes !== undefined) {
        const pageSize = db.pragma('page_size', { simple: true }) as number;
        db.pragma(`max_page_count = ${Math.max(1, Math.floor(options.maxBytes / pageSize))}`);
      }
    } else {
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) throw newerSchema(full, version);
    }
    return db;
  } catch (error) {
    db?.close();
    throw journalErrorFrom(error, full);
  }
}

function newerSchema(path: string, version: number): JournalError {
  return new JournalError(
    `journal ${path}: schema version ${version} is newer than this bot's ${SCHEMA_VERSION}; upgrade the bot or use another file`,
    'newer_schema',
    path,
  );
}

function migrate(db: JournalDatabase, path: string): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > SCHEMA_VERSION) throw newerSchema(path, version);
  for (const migration of MIGRATIONS) {
    if (migration.version <= version) continue;
    db.transaction(() => {
      db.exec(migration.sql);
      db.pragma(`user_version = ${migration.version}`);
    })();
  }
}

/** `PRAGMA integrity_check`: 'ok' or the problems SQLite found. */
export function integrityCheck(db: JournalDatabase): string {
  const rows = db.pragma('integrity_check') as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('; ');
}

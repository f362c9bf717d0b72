/**
 * The journal and the recording at startup: opened first (a path either cannot use stops startup
 * before anything trades), the run journaled as started, pruning and health on timers.
 */
import { execFileSync } from 'node:child_process';
import type { Logger } from 'pino';
import { repeatEvery } from '../domain/clock.js';
import type { JournalEvent } from '../journal/events.js';
import { Journal } from '../journal/journal.js';
import { RecordingFile } from '../journal/recording-file.js';
import { DEFAULT_LIFECYCLE } from '../simulator/options.js';
import type { App, AppOverrides } from './app.js';

/** The app's parts the journal opens beside; `recording` and `journal` are set here as each opens. */
export type JournalOpenHost = Pick<
  App,
  'config' | 'clock' | 'logger' | 'metrics' | 'runId' | 'exposure' | 'journal' | 'recording' | 'stop'
>;

/** What the opening needs of the app beyond its parts. */
export interface JournalOpening {
  readonly overrides: Pick<AppOverrides, 'record' | 'simulator' | 'onFatal'>;
  /** One event to the journal and the recording, whichever are open. */
  readonly record: (event: JournalEvent) => void;
  /** Hooks the journal to the parts whose events it records, once something records. */
  readonly wire: () => void;
  readonly addCleanup: (cleanup: () => void) => void;
}

/**
 * Opens the recording (`--record`) and the journal first: a path either cannot use stops
 * startup before anything trades.
 */
export async function openJournal(
  host: JournalOpenHost,
  opening: JournalOpening,
  log: Logger,
  hash: string,
): Promise<void> {
  const { overrides, record } = opening;
  const settings = host.config.journal;
  if (overrides.record !== undefined) {
    host.recording = RecordingFile.open({
      path: overrides.record,
      clock: host.clock,
      logger: host.logger.child({ module: 'recording' }),
      meta: { runId: host.runId, configHash: hash, ...embeddedExecutionDelay(host, overrides) },
    });
    log.info({ path: overrides.record }, 'recording to a file');
  }
  const runStarted: JournalEvent = {
    kind: 'run_started',
    at: host.clock.now(),
    runId: host.runId,
    commit: gitCommit(),
    configHash: hash,
    environment: host.config.exchange.environment,
    pid: process.pid,
  };
  if (!settings.enabled) {
    if (!host.recording) return;
    record(runStarted);
    opening.wire();
    return;
  }
  const journal = await Journal.open({
    path: settings.path,
    clock: host.clock,
    logger: host.logger.child({ module: 'journal' }),
    flushIntervalMs: settings.flushIntervalMs,
    maxDeferMs: settings.maxDeferMs,
    ...(settings.maxSizeMb !== undefined ? { maxBytes: settings.maxSizeMb * 1024 * 1024 } : {}),
    onError: (error) => {
      host.metrics.journalErrors.inc();
      if (host.config.journal.onError !== 'stop') return;
      const reason = `journal cannot write: ${error.message}`;
      if (overrides.onFatal) overrides.onFatal(reason);
      else void host.stop(reason);
    },
  });
  host.journal = journal;
  journal.runId = host.runId;
  record(runStarted);
  opening.wire();
  const DAY = 86_400_000;
  const prune = () =>
    void journal
      .prune(host.clock.now() - settings.retainDays * DAY)
      .catch((error: unknown) => log.warn({ err: error }, 'journal prune failed'));
  prune();
  host.metrics.observeJournal(journal.health());
  const timers = [
    repeatEvery(host.clock, DAY, prune, { unref: true }),
    repeatEvery(
      host.clock,
      10_000,
      () => {
        host.metrics.observeJournal(journal.health());
        journalPnl(host, record);
      },
      { unref: true },
    ),
  ];
  opening.addCleanup(() => {
    for (const timer of timers) timer.cancel();
  });
  log.info({ path: settings.path, runId: host.runId }, 'journal open');
}

/** Today's P&L as the risk book has it, for the journal (restored after a restart). */
export function journalPnl(
  host: Pick<App, 'exposure' | 'clock'>,
  record: (event: JournalEvent) => void,
): void {
  const pnl = host.exposure.snapshot().pnl;
  record({
    kind: 'pnl',
    at: host.clock.now(),
    day: pnl.day,
    realized: pnl.realized,
    fees: pnl.fees,
    unrealized: pnl.unrealized,
    total: pnl.total,
    peak: pnl.peak,
  });
}

/** The embedded simulator's confirm → execution delay, which a backtest of the recording replays. */
function embeddedExecutionDelay(
  host: Pick<App, 'config'>,
  overrides: Pick<AppOverrides, 'simulator'>,
): { executionDelayMs?: number; hvExecutionDelayMs?: number } {
  const { exchange, simulator } = host.config;
  if (exchange.environment !== 'simulator' || exchange.baseUrl) return {};
  const lifecycle = overrides.simulator?.lifecycle;
  return {
    executionDelayMs: lifecycle?.executionDelayMs ?? simulator.executionDelayMs,
    hvExecutionDelayMs: lifecycle?.hvExecutionDelayMs ?? DEFAULT_LIFECYCLE.hvExecutionDelayMs,
  };
}

/** The commit this build runs: KALSHI_RFQ_COMMIT (set in the container image), else git's. */
function gitCommit(): string {
  const fromEnv = process.env['KALSHI_RFQ_COMMIT'];
  if (fromEnv) return fromEnv;
  // Asked once per process: the code loaded does not change with a later checkout, and a
  // journal reopened by a reload need not block the event loop on git again.
  loadedCommit ??= askGit();
  return loadedCommit;
}

let loadedCommit: string | undefined;

function askGit(): string {
  try {
    return execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
      timeout: 2_000,
    }).trim();
  } catch {
    return 'unknown';
  }
}

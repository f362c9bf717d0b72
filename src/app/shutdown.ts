/**
 * The app's shutdown: stop finding RFQs, refuse new creates and all confirms, delete every live
 * quote, wait for confirmed ones to execute (the push socket stays up to report them), check at
 * the exchange that nothing of ours is left open, then close everything startup opened, journal
 * last.
 */
import { type Clock, sleepOn } from '../domain/clock.js';
import type { JournalEvent } from '../journal/events.js';
import { deleteStragglers } from '../quotes/shutdown.js';
import type { WindowSchedule } from '../risk/windows.js';
import type { StrategyRunner } from '../strategy/runner.js';
import { STOPPING } from '../throttle/action-queue.js';
import type { App } from './app.js';
import type { EngineParts, ExchangeParts } from './parts.js';

export interface StopReport {
  /** Our quotes still open at the exchange after shutdown (0 is the goal); -1 when it could not be checked. */
  readonly openAtExit: number;
  readonly durationMs: number;
  readonly timedOut: boolean;
}

/** The app's parts a stop closes; those startup sets are read when the stop reaches them. */
export type ShutdownHost = Pick<
  App,
  | 'logger'
  | 'clock'
  | 'config'
  | 'metrics'
  | 'runId'
  | 'push'
  | 'cluster'
  | 'killSwitch'
  | 'windows'
  | 'dashboard'
  | 'ops'
  | 'simulator'
  | 'journal'
  | 'recording'
>;

/**
 * The app's own state, read through functions: a startup given up on at the deadline may still
 * build parts while the stop runs, and each step must see them as they are when it gets there.
 */
export interface ShutdownState {
  /** The startup under way, if start() was called: it quits at its next step. */
  readonly starting: Promise<void> | undefined;
  readonly exchange: () => ExchangeParts | undefined;
  readonly engine: () => EngineParts | undefined;
  readonly runner: () => StrategyRunner<WindowSchedule | undefined> | undefined;
  /** True once the exchange has answered a signed request. */
  readonly authenticated: () => boolean;
  /** When a create_quote attempt last ended in a way that may still land (no answer, 5xx). */
  readonly lastUncertainCreateAt: () => number;
  /** Takes (and forgets) the unhooks of what startup hooked up. */
  readonly takeCleanups: () => readonly (() => void)[];
  readonly disposeJournalWiring: () => void;
  /** Journals today's P&L as the risk book has it. */
  readonly journalPnl: () => void;
  /** One event to the journal and the recording, whichever are open. */
  readonly record: (event: JournalEvent) => void;
}

/** Safe to call once only: App.stop shares the one stop between callers. */
export async function stopApp(host: ShutdownHost, state: ShutdownState, reason: string): Promise<StopReport> {
  const log = host.logger.child({ module: 'app' });
  const startedAt = host.clock.now();
  const deadline = startedAt + host.config.quoting.shutdownTimeoutMs;
  log.info({ reason }, 'stopping: deleting every live quote');
  // Startup quits at its next step; what it had started by then is unwound below.
  if (state.starting) {
    await withDeadline(
      host.clock,
      state.starting.catch(() => undefined),
      deadline - host.clock.now(),
    );
  }
  let openAtExit = 0;
  let timedOut = false;
  host.push?.stopDiscovery();
  const engine = state.engine();
  const exchange = state.exchange();
  if (engine && exchange) {
    await engine.poller.stop();
    // Deletes and every read: the watcher's listing goes at confirm priority and is what
    // reports the executions waited for next (refused, they were never seen: docs/reliability.md).
    exchange.queue.close(STOPPING);
    // Executions of confirmed quotes are waited for, leaving a second for the rest of the stop.
    await withDeadline(host.clock, engine.manager.stop(deadline - 1_000), deadline - host.clock.now());
    // The last fills (of executions that settled as we stopped) into the books and the journal.
    engine.fillSync.stop();
    if (state.authenticated() && !host.config.dryRun) {
      await withDeadline(
        host.clock,
        engine.fillSync.sync('shutdown').then(
          () => undefined,
          () => undefined,
        ),
        deadline - host.clock.now(),
      );
    }
    engine.manager.fills.flush();
  }
  await host.push?.stop();
  if (exchange) {
    const { watcher, client, queue, warmer, books } = exchange;
    warmer?.stop();
    books?.stop();
    await watcher.stop();
    // Before the exchange took our keys this run cannot have placed a quote; one left by an
    // earlier run is found at the next start, as after a kill -9.
    if (!state.authenticated()) log.info('stopped before reaching the exchange: nothing to delete');
    openAtExit =
      host.config.dryRun || !state.authenticated()
        ? 0
        : await deleteStragglers({
            listOpen: () => watcher.listOpen(),
            client,
            clock: host.clock,
            deadline,
            settleAt: state.lastUncertainCreateAt() + host.config.exchange.requestTimeoutMs,
            logger: log,
          });
    timedOut = host.clock.now() >= deadline;
    await queue.drain({ allow: ['delete'], timeoutMs: Math.max(0, deadline - host.clock.now()) });
  }
  engine?.schedules.stop();
  const runner = state.runner();
  if (runner) {
    await runner.stop();
    for (const route of runner.router.table.routes) route.windows?.stop();
  }
  await host.cluster?.close();
  for (const cleanup of state.takeCleanups()) cleanup();
  host.killSwitch.stop();
  host.windows.stop();
  host.dashboard?.close();
  await host.ops?.close();
  host.metrics.close();
  await host.simulator?.stop();
  const durationMs = host.clock.now() - startedAt;
  state.disposeJournalWiring();
  state.journalPnl();
  state.record({
    kind: 'run_stopped',
    at: host.clock.now(),
    runId: host.runId,
    reason,
    openAtExit,
  });
  await host.journal?.close().catch((error: unknown) => log.error({ err: error }, 'journal close failed'));
  await host.recording?.close();
  log.info(
    { openAtExit, durationMs, timedOut },
    openAtExit === 0
      ? 'stopped cleanly'
      : openAtExit < 0
        ? 'stopped without being able to check for open quotes'
        : 'stopped with quotes still open',
  );
  return { openAtExit, durationMs, timedOut };
}

async function withDeadline(clock: Clock, work: Promise<void>, ms: number): Promise<void> {
  const gaveUp = new AbortController();
  await Promise.race([work, sleepOn(clock, ms, gaveUp.signal)]);
  gaveUp.abort();
}

/**
 * A restart must not undo a stop: the kill switch's last change, when it is a trip nothing
 * resumed, trips the switch again at startup — an operator's (POST /kill, SIGUSR2) whenever it
 * was, a daily-loss or drawdown trip when it was today. The fills bring back the realised P&L,
 * but not the marked part of the loss nor the day's peak after a `kill -9`, so the P&L alone
 * would let the bot quote again. The kill file trips again by itself; a trip on exchange errors
 * is not carried over (the restart is the retry).
 */
import type { Logger } from 'pino';
import type { EpochMs } from '../domain/types.js';
import type { KillSwitchChange } from '../journal/events.js';
import type { JournalReader } from '../journal/queries.js';
import type { KillSource, KillSwitch } from '../risk/kill-switch.js';

/** Trips that belong to the day: a new day starts untripped, as its P&L starts at zero. */
const DAY_LIMIT_SOURCES: ReadonlySet<KillSource> = new Set(['loss', 'drawdown']);
/** An operator's trips: they stand until an operator resumes. */
const OPERATOR_SOURCES: ReadonlySet<KillSource> = new Set(['http', 'signal', 'manual']);

export interface KillSwitchRestoreOptions {
  readonly reader: Pick<JournalReader, 'lastKillSwitch'>;
  readonly killSwitch: KillSwitch;
  /** The trading day of an instant (`risk.dayStartTimezone`). */
  readonly dayOf: (at: EpochMs) => string;
  readonly now: EpochMs;
  readonly logger: Logger;
}

/** Trips the switch again when the journal holds a trip that still stands; returns that trip. */
export function restoreKillSwitch(options: KillSwitchRestoreOptions): KillSwitchChange | undefined {
  const { reader, killSwitch, dayOf, now, logger } = options;
  const last = reader.lastKillSwitch(0);
  if (!last?.tripped) return undefined;
  const stands =
    OPERATOR_SOURCES.has(last.source) ||
    (DAY_LIMIT_SOURCES.has(last.source) && dayOf(last.at) === dayOf(now));
  if (!stands) return undefined;
  logger.warn(
    { reason: last.reason, source: last.source, trippedAt: new Date(last.at).toISOString() },
    'the kill switch was tripped before this start and not resumed: it stays tripped (POST /resume to quote again)',
  );
  killSwitch.trip(last.reason, last.source);
  return last;
}

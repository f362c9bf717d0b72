/**
 * A restart must not undo a stop the day's limits made: the kill switch's last change, when it
 * is a daily-loss or drawdown trip of today that nothing resumed, trips the switch again at
 * startup. The fills bring back the realised P&L, but not the marked part of the loss nor the
 * day's peak after a `kill -9`, so the P&L alone would let the bot quote again.
 */
import type { Logger } from 'pino';
import type { EpochMs } from '../domain/types.js';
import type { KillSwitchChange } from '../journal/events.js';
import type { JournalReader } from '../journal/queries.js';
import type { KillSource, KillSwitch } from '../risk/kill-switch.js';

/** Trips that belong to the day: a new day starts untripped, as its P&L starts at zero. */
const DAY_LIMIT_SOURCES: ReadonlySet<KillSource> = new Set(['loss', 'drawdown']);

export interface KillSwitchRestoreOptions {
  readonly reader: Pick<JournalReader, 'lastKillSwitch'>;
  readonly killSwitch: KillSwitch;
  /** The trading day of an instant (`risk.dayStartTimezone`). */
  readonly dayOf: (at: EpochMs) => string;
  readonly now: EpochMs;
  readonly logger: Logger;
}

/** Trips the switch again when the journal says today's limits tripped it; returns that trip. */
export function restoreKillSwitch(options: KillSwitchRestoreOptions): KillSwitchChange | undefined {
  const { reader, killSwitch, dayOf, now, logger } = options;
  const last = reader.lastKillSwitch(0);
  if (!last?.tripped || !DAY_LIMIT_SOURCES.has(last.source)) return undefined;
  if (dayOf(last.at) !== dayOf(now)) return undefined;
  logger.warn(
    { reason: last.reason, source: last.source, trippedAt: new Date(last.at).toISOString() },
    'the kill switch tripped earlier today and was not resumed: it stays tripped (POST /resume to quote again)',
  );
  killSwitch.trip(last.reason, last.source);
  return last;
}

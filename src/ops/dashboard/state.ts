/**
 * Builds the whole dashboard state (`GET /api/state`) from the sources. Called by the
 * dashboard's own timer at most once a second, whatever the number of viewers.
 */
import type { EpochMs } from '../../domain/types.js';
import type { Bucket } from '../../kalshi/gate.js';
import type { KillSwitchState } from '../../risk/kill-switch.js';
import type { TradingWindows, WindowSchedule } from '../../risk/windows.js';
import {
  type BucketView,
  type BudgetsView,
  DASHBOARD_API_VERSION,
  type DashboardState,
  type KillSwitchView,
  type StatusView,
  type WindowView,
} from './api-types.js';
import type { DashboardSources } from './sources.js';
import {
  acceptView,
  DASHBOARD_MAX_ACCEPT_ROWS,
  dollars,
  exposureView,
  fillsView,
  rfqsView,
} from './trading-view.js';

/** Percentiles cover this much of the recent past. */
export const LATENCY_WINDOW_MS = 5 * 60_000;

/** Re-check a schedule that never changes within the horizon this often. */
const NO_CHANGE_RECHECK_MS = 3_600_000;

export interface StateContext {
  readonly dayStart: EpochMs;
  readonly day: string;
}

export class StateBuilder {
  /**
   * `nextChange` scans minutes ahead: computed once per change, not once per second. Keyed by
   * the windows, not the schedule: a reload replaces a schedule's windows.
   */
  readonly #nextChanges = new WeakMap<TradingWindows, { active: boolean; at?: EpochMs; until: EpochMs }>();

  constructor(private readonly sources: DashboardSources) {}

  build(context: StateContext): DashboardState {
    const { sources } = this;
    const now = sources.clock.now();
    const limits = sources.limits();
    const snapshot = sources.exposure.snapshot();
    const pnl = snapshot.pnl;
    return {
      version: DASHBOARD_API_VERSION,
      at: now,
      environment: sources.environment,
      dryRun: sources.dryRun,
      status: this.#status(now),
      counters: { ...sources.counters() },
      rfqs: rfqsView(sources, now),
      accepts: sources.activity
        .accepts(DASHBOARD_MAX_ACCEPT_ROWS)
        .map((record) => acceptView(record, sources.redact)),
      fills: fillsView(sources, context.dayStart, now),
      pnl: {
        day: pnl.day || context.day,
        dayStartedAt: context.dayStart,
        realized: dollars(pnl.realized),
        unrealized: dollars(pnl.unrealized),
        marked: dollars(pnl.total),
        peak: dollars(pnl.peak),
      },
      exposure: exposureView(sources.exposure.riskView(limits), limits, pnl.total),
      budgets: budgetsView(sources),
      latency: {
        rfqToQuote: sources.latency.rfqToQuote.summary(now, LATENCY_WINDOW_MS),
        acceptToConfirm: sources.latency.acceptToConfirm.summary(now, LATENCY_WINDOW_MS),
      },
    };
  }

  #status(now: EpochMs): StatusView {
    const { sources } = this;
    const checks = sources.readiness().map((check) => ({
      ...check,
      ...(check.detail !== undefined ? { detail: sources.redact(check.detail) } : {}),
    }));
    const connection = sources.connection();
    const journal = sources.journal()?.health();
    return {
      ready: checks.every((check) => check.ok),
      checks,
      killSwitch: killSwitchView(sources.killSwitch.state, sources.redact),
      windows: sources.windows().map((schedule) => this.#window(schedule, now)),
      exchange: {
        authenticated: connection.authenticated,
        push: { enabled: connection.pushEnabled, connected: connection.pushConnected },
        ...(connection.books ? { books: connection.books } : {}),
        poller: {
          ...(connection.lastPollAt !== undefined
            ? { lastCycleAt: connection.lastPollAt, ageMs: Math.max(0, now - connection.lastPollAt) }
            : {}),
          intervalMs: connection.pollIntervalMs,
        },
      },
      journal: journal
        ? {
            enabled: true,
            ok: journal.ok,
            ...(journal.error ? { error: sources.redact(journal.error) } : {}),
            pending: journal.pending,
            written: journal.written,
            dropped: journal.dropped,
            ...(journal.lastWriteAt !== undefined ? { lastWriteAt: journal.lastWriteAt } : {}),
          }
        : { enabled: false, ok: true, pending: 0, written: 0, dropped: 0 },
    };
  }

  #window(schedule: WindowSchedule, now: EpochMs): WindowView {
    const { windows } = schedule;
    const active = schedule.active;
    const activeWindow = windows.alwaysActive ? undefined : windows.activeWindow(now);
    let next = this.#nextChanges.get(windows);
    if (!windows.alwaysActive && (!next || next.active !== active || now >= next.until)) {
      const at = windows.nextChange(now);
      next = { active, ...(at !== undefined ? { at } : {}), until: at ?? now + NO_CHANGE_RECHECK_MS };
      this.#nextChanges.set(windows, next);
    }
    return {
      name: schedule.name,
      active,
      alwaysActive: windows.alwaysActive,
      ...(activeWindow ? { activeWindow } : {}),
      ...(next?.at !== undefined ? { nextChangeAt: next.at } : {}),
    };
  }
}

export function killSwitchView(state: KillSwitchState, redact: (text: string) => string): KillSwitchView {
  return {
    active: state.tripped,
    ...(state.reason ? { reason: redact(state.reason) } : {}),
    ...(state.source ? { source: state.source } : {}),
    ...(state.since !== undefined ? { since: state.since } : {}),
    trips: state.trips,
    killFilePresent: state.killFilePresent,
  };
}

const tenth = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : 0);

function bucketView(sources: DashboardSources, bucket: Bucket): BucketView {
  const budget = sources.budget(bucket);
  return {
    available: tenth(budget?.available ?? 0),
    capacity: tenth(budget?.capacity ?? 0),
    refillRate: tenth(budget?.refillRate ?? 0),
    nominalRefillRate: tenth(budget?.nominalRefillRate ?? 0),
    slowdown: Math.round((budget?.slowdown ?? 1) * 1000) / 1000,
    reserve: budget?.reserve ?? 0,
    queued: budget?.queued ?? 0,
    inFlight: budget?.inFlight ?? 0,
    spent: tenth(sources.tokensSpent()?.[bucket] ?? 0),
  };
}

function budgetsView(sources: DashboardSources): BudgetsView {
  return { read: bucketView(sources, 'read'), write: bucketView(sources, 'write') };
}

import pino, { type Logger } from 'pino';
import { type Clock, systemClock, type Timer } from '../domain/clock.js';
import type { EpochMs } from '../domain/types.js';
import { type CronMatcher, compileCron } from './cron-match.js';
import { RiskConfigError } from './limits.js';
import { isValidTimeZone, type ZonedParts, zonedMinutes, zonedParts } from './zoned-time.js';

/** Made once, not per instance: a pino instance costs tens of µs, and tests make thousands. */
const SILENT = pino({ level: 'silent' });

/**
 * A trading window: active during every minute its cron expression matches, read on the wall
 * clock of `timezone`. `* 9-16 * * 1-5` in America/New_York is Monday–Friday 09:00–16:59.
 * @example { cron: '* 9-16 * * 1-5', timezone: 'America/New_York', name: 'us-hours' }
 */
export interface TradingWindowSpec {
  readonly cron: string;
  /** IANA time zone; DST follows the zone. */
  readonly timezone: string;
  readonly name?: string;
}

interface CompiledWindow {
  readonly name: string;
  readonly timezone: string;
  readonly matcher: CronMatcher;
}

const MINUTE = 60_000;
/** A week and a day: every weekly schedule changes state within it. */
export const DEFAULT_TRANSITION_HORIZON_MINUTES = 8 * 24 * 60;

/**
 * A union of windows: active when any one is. No windows means always active.
 * Throws `RiskConfigError` listing every bad expression and time zone.
 */
export class TradingWindows {
  readonly windows: readonly CompiledWindow[];

  constructor(specs: readonly TradingWindowSpec[], path = 'tradingWindows') {
    const problems: string[] = [];
    const windows: CompiledWindow[] = [];
    specs.forEach((spec, index) => {
      const where = `${path}[${index}]`;
      if (!isValidTimeZone(spec.timezone)) {
        problems.push(`${where}.timezone: unknown time zone ${JSON.stringify(spec.timezone)}`);
      }
      try {
        const matcher = compileCron(spec.cron, `${where}.cron`);
        windows.push({
          name: spec.name ?? `${spec.cron} (${spec.timezone})`,
          timezone: spec.timezone,
          matcher,
        });
      } catch (error) {
        if (error instanceof RiskConfigError) problems.push(...error.problems);
        else throw error;
      }
    });
    if (problems.length > 0) throw new RiskConfigError(problems);
    this.windows = Object.freeze(windows);
  }

  get alwaysActive(): boolean {
    return this.windows.length === 0;
  }

  /**
   * The answer for the last minute asked about: the quoting path asks at every RFQ, and each
   * answer reads the wall clock through Intl (~10 µs). Every zone's offset has been whole minutes
   * since 1972, so one UTC minute is one minute of each zone's wall clock.
   */
  #memo: { minute: number; window: string | undefined } | undefined;

  /** The first window active at `at`, or undefined. */
  activeWindow(at: EpochMs): string | undefined {
    const minute = Math.floor(at / MINUTE);
    if (this.#memo?.minute === minute) return this.#memo.window;
    const parts = new Map<string, ZonedParts>();
    const window = this.#firstActive((zone) => {
      let local = parts.get(zone);
      if (!local) {
        local = zonedParts(at, zone);
        parts.set(zone, local);
      }
      return local;
    });
    this.#memo = { minute, window };
    return window;
  }

  /** The first window whose cron matches its zone's wall clock as `localTime` gives it. */
  #firstActive(localTime: (timezone: string) => ZonedParts): string | undefined {
    for (const window of this.windows)
      if (window.matcher.matches(localTime(window.timezone))) return window.name;
    return undefined;
  }

  isActive(at: EpochMs): boolean {
    return this.alwaysActive || this.activeWindow(at) !== undefined;
  }

  /** The start of the first minute after `from` whose state differs from `from`'s, within the horizon. */
  nextChange(from: EpochMs, horizonMinutes = DEFAULT_TRANSITION_HORIZON_MINUTES): EpochMs | undefined {
    if (this.alwaysActive) return undefined;
    const state = this.isActive(from);
    const first = Math.floor(from / MINUTE) * MINUTE + MINUTE;
    const clocks = new Map(this.windows.map((w) => [w.timezone, zonedMinutes(first, w.timezone)]));
    const local = new Map<string, ZonedParts>();
    for (let i = 0; i < horizonMinutes; i++) {
      for (const [zone, clock] of clocks) local.set(zone, clock.next().value);
      const active = this.#firstActive((zone) => local.get(zone) as ZonedParts) !== undefined;
      if (active !== state) return first + i * MINUTE;
    }
    return undefined;
  }
}

function compileWindows(windows: readonly TradingWindowSpec[] | TradingWindows): TradingWindows {
  return windows instanceof TradingWindows ? windows : new TradingWindows(windows);
}

export interface WindowChange {
  readonly active: boolean;
  readonly at: EpochMs;
  /** The schedule's name: 'global' or a strategy's. */
  readonly schedule: string;
  /** The window that opened (undefined on close). */
  readonly window?: string;
}

export type WindowListener = (change: WindowChange) => void;

export interface WindowScheduleOptions {
  readonly windows: readonly TradingWindowSpec[] | TradingWindows;
  /** For logs and change events. @default 'global' */
  readonly name?: string;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/**
 * Watches a set of windows and emits open/close transitions at minute boundaries, so the quote
 * manager can pull every quote when a window ends. `isActive(at)` answers for any instant.
 */
export class WindowSchedule {
  #windows: TradingWindows;
  readonly name: string;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly listeners = new Set<WindowListener>();
  private handle: Timer | undefined;
  #running = false;
  private state: boolean | undefined;

  constructor(options: WindowScheduleOptions) {
    this.#windows = compileWindows(options.windows);
    this.name = options.name ?? 'global';
    this.clock = options.clock ?? systemClock;
    this.log = (options.log ?? SILENT).child({ module: 'windows', schedule: this.name });
  }

  /** Started and not stopped: its minute timer is armed. */
  get running(): boolean {
    return this.#running;
  }

  get windows(): TradingWindows {
    return this.#windows;
  }

  /**
   * A reload's windows: in force at once. A state flip (a window now closed) is emitted as any
   * other, so the quote manager pulls or requotes now rather than at the next minute.
   */
  setWindows(windows: readonly TradingWindowSpec[] | TradingWindows): void {
    this.#windows = compileWindows(windows);
    if (!this.#running) return;
    this.handle?.cancel();
    this.handle = undefined;
    const at = this.clock.now();
    this.log.info({ nextChange: this.#windows.nextChange(at) }, 'trading windows replaced');
    this.check(at);
    this.schedule(at);
  }

  isActive(at: EpochMs = this.clock.now()): boolean {
    return this.windows.isActive(at);
  }

  /** The state as of the last check (evaluated now before `start`). */
  get active(): boolean {
    return this.state ?? this.isActive();
  }

  onChange(listener: WindowListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Evaluates now and starts the minute timer; returns whether a window is active. Idempotent. */
  start(): boolean {
    if (this.#running) return this.active;
    this.#running = true;
    const now = this.clock.now();
    this.state = this.isActive(now);
    this.log.info(
      { active: this.state, nextChange: this.windows.nextChange(now) },
      'trading windows started',
    );
    this.schedule(now);
    return this.state;
  }

  stop(): void {
    this.#running = false;
    this.handle?.cancel();
    this.handle = undefined;
  }

  /** Re-evaluates at `at` (now) and emits a change if the state flipped; returns the state. */
  check(at: EpochMs = this.clock.now()): boolean {
    const window = this.windows.activeWindow(at);
    const active = this.windows.alwaysActive || window !== undefined;
    if (this.state !== undefined && active !== this.state) {
      this.state = active;
      const change: WindowChange = { active, at, schedule: this.name, ...(window ? { window } : {}) };
      // `schedule` is bound to this logger already.
      const { schedule: _bound, ...fields } = change;
      this.log.info(fields, active ? 'trading window opened' : 'trading window closed');
      for (const listener of this.listeners) {
        try {
          listener(change);
        } catch (error) {
          this.log.error({ err: error }, 'window listener threw');
        }
      }
    }
    this.state = active;
    return active;
  }

  /**
   * Arms the timer for the first minute boundary after `checkedAt`, the instant last evaluated.
   * A timer may fire a millisecond early (libuv's cached loop time): the boundary it was meant for
   * is then still ahead and is aimed at again, instead of being skipped for the next minute.
   */
  private schedule(checkedAt: EpochMs): void {
    if (!this.#running || this.windows.alwaysActive) return;
    const boundary = Math.floor(checkedAt / MINUTE) * MINUTE + MINUTE;
    this.handle = this.clock.schedule(
      Math.max(0, boundary - this.clock.now()),
      () => {
        this.handle = undefined;
        const at = this.clock.now();
        this.check(at);
        this.schedule(at);
      },
      { unref: true },
    );
  }
}

import { stat } from 'node:fs/promises';
import pino, { type Logger } from 'pino';
import { type Clock, systemClock, type Timer } from '../domain/clock.js';
import { formatDollarsMinimal, type Micros } from '../domain/money.js';
import type { EpochMs } from '../domain/types.js';
import { DEFAULT_RISK_LIMITS, RiskConfigError } from './limits.js';

/** Made once, not per instance: a pino instance costs tens of µs, and tests make thousands. */
const SILENT = pino({ level: 'silent' });

/** Who or what tripped or resumed the switch. */
export type KillSource =
  | 'file'
  | 'http'
  | 'signal'
  | 'loss'
  | 'drawdown'
  | 'exchange-errors'
  | 'manual'
  | (string & {});

export interface KillSwitchState {
  readonly tripped: boolean;
  /** Why it tripped (present while tripped). */
  readonly reason?: string;
  readonly source?: KillSource;
  readonly since?: EpochMs;
  /** Trips since the process started: a metric. */
  readonly trips: number;
  readonly consecutiveErrors: number;
  /** Whether the kill file was present at the last check. */
  readonly killFilePresent: boolean;
}

export type ResumeResult = { readonly resumed: true } | { readonly resumed: false; readonly reason: string };

export type KillSwitchListener = (state: KillSwitchState, previous: KillSwitchState) => void;

/** What `installSignalTrigger` listens on: `process`, or any emitter in tests. */
export interface SignalEmitter {
  on(event: string, listener: () => void): unknown;
  off(event: string, listener: () => void): unknown;
}

export interface KillSwitchOptions {
  /** Trip while this file exists; resume is refused while it does. */
  readonly killFile?: string | undefined;
  /** How often the kill file is checked (fs.stat). @default 1000 */
  readonly pollMs?: number;
  /** Consecutive failed exchange calls that trip the switch; 0 disables. @default 5 */
  readonly maxConsecutiveErrors?: number;
  /** Daily P&L below minus this trips the switch. @default DEFAULT_RISK_LIMITS.maxDailyLoss ($500) */
  readonly maxDailyLoss?: Micros;
  /** A fall of more than this from the day's peak P&L trips the switch. @default disabled */
  readonly maxDrawdown?: Micros | undefined;
  readonly clock?: Clock;
  readonly log?: Logger;
}

/** The thresholds a config reload may change. */
export type KillSwitchLimits = Pick<
  KillSwitchOptions,
  'maxConsecutiveErrors' | 'maxDailyLoss' | 'maxDrawdown'
>;

export const DEFAULT_KILL_POLL_MS = 1000;
export const DEFAULT_MAX_CONSECUTIVE_ERRORS = 5;

const $ = (micros: Micros) => `$${formatDollarsMinimal(micros)}`;

/** Throws `RiskConfigError` listing every invalid option. */
function checkOptions(options: KillSwitchOptions): void {
  const problems: string[] = [];
  const nonNegative = (key: keyof KillSwitchOptions, value: unknown, positive = false) => {
    if (value === undefined) return;
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < (positive ? 1 : 0)) {
      problems.push(
        `killSwitch.${key}: expected a ${positive ? 'positive' : 'non-negative'} integer, found ${String(value)}`,
      );
    }
  };
  nonNegative('pollMs', options.pollMs, true);
  nonNegative('maxConsecutiveErrors', options.maxConsecutiveErrors);
  nonNegative('maxDailyLoss', options.maxDailyLoss);
  nonNegative('maxDrawdown', options.maxDrawdown);
  if (options.killFile !== undefined && (typeof options.killFile !== 'string' || options.killFile === '')) {
    problems.push('killSwitch.killFile: expected a non-empty path');
  }
  if (problems.length > 0) throw new RiskConfigError(problems);
}

/**
 * Stops all quoting. Tripping is immediate and idempotent; the quote manager listens and deletes
 * every live quote and confirms nothing. Resuming always takes an explicit call
 * (`POST /resume`, the resume signal, or `resume()`), never happens by itself, and is refused
 * while the kill file exists.
 */
export class KillSwitch {
  private current: KillSwitchState = {
    tripped: false,
    trips: 0,
    consecutiveErrors: 0,
    killFilePresent: false,
  };
  private readonly listeners = new Set<KillSwitchListener>();
  private readonly log: Logger;
  private readonly clock: Clock;
  private options: KillSwitchOptions;
  private pollHandle: Timer | undefined;
  private polling = false;

  constructor(options: KillSwitchOptions = {}) {
    checkOptions(options);
    this.options = options;
    this.clock = options.clock ?? systemClock;
    this.log = (options.log ?? SILENT).child({ module: 'kill-switch' });
  }

  /**
   * A reload's trip thresholds: the next exchange result and P&L check use them. Throws
   * `RiskConfigError` (and keeps the current ones) when one is invalid.
   */
  configure(limits: KillSwitchLimits): void {
    checkOptions(limits);
    this.options = { ...this.options, ...limits };
  }

  get isTripped(): boolean {
    return this.current.tripped;
  }

  get state(): KillSwitchState {
    return this.current;
  }

  /** Trips the switch; false when it was already tripped (the first reason is kept). */
  trip(reason: string, source: KillSource): boolean {
    if (this.current.tripped) {
      this.log.warn({ reason, source, trippedBy: this.current.source }, 'kill switch already tripped');
      return false;
    }
    this.update({
      tripped: true,
      reason,
      source,
      since: this.clock.now(),
      trips: this.current.trips + 1,
      consecutiveErrors: this.current.consecutiveErrors,
      killFilePresent: this.current.killFilePresent,
    });
    this.log.error({ reason, source }, 'KILL SWITCH TRIPPED: pulling every quote, confirming nothing');
    return true;
  }

  /** Resumes quoting on an explicit request. Refused while the kill file exists. */
  async resume(source: KillSource): Promise<ResumeResult> {
    if (!this.current.tripped) return { resumed: false, reason: 'the kill switch is not tripped' };
    if (this.options.killFile !== undefined && (await this.checkKillFile())) {
      const reason = `the kill file ${this.options.killFile} still exists; remove it first`;
      this.log.warn({ source }, `resume refused: ${reason}`);
      return { resumed: false, reason };
    }
    // a concurrent resume may have won while the file was checked
    if (!this.current.tripped) return { resumed: false, reason: 'the kill switch is not tripped' };
    const previous = this.current;
    this.update({
      tripped: false,
      trips: previous.trips,
      consecutiveErrors: 0,
      killFilePresent: previous.killFilePresent,
    });
    this.log.warn({ source, trippedBy: previous.source, reason: previous.reason }, 'kill switch resumed');
    return { resumed: true };
  }

  /** Subscribes to trips and resumes; returns the unsubscribe function. */
  onChange(listener: KillSwitchListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Feeds the outcome of an exchange call that should have worked (network failures, 5xx,
   * time-outs; not business refusals such as an expired confirm). Returns true when this call tripped.
   */
  recordExchangeResult(ok: boolean): boolean {
    const consecutiveErrors = ok ? 0 : this.current.consecutiveErrors + 1;
    if (consecutiveErrors !== this.current.consecutiveErrors) {
      this.current = Object.freeze({ ...this.current, consecutiveErrors });
    }
    const limit = this.options.maxConsecutiveErrors ?? DEFAULT_MAX_CONSECUTIVE_ERRORS;
    if (ok || limit === 0 || consecutiveErrors < limit) return false;
    return this.trip(`${consecutiveErrors} consecutive exchange errors`, 'exchange-errors');
  }

  /** Trips on a daily-loss or drawdown breach; returns true when this call tripped. */
  checkPnl(dailyPnl: Micros, peak: Micros): boolean {
    const maxLoss = this.options.maxDailyLoss ?? DEFAULT_RISK_LIMITS.maxDailyLoss;
    if (dailyPnl < -maxLoss) {
      return this.trip(`daily P&L ${$(dailyPnl)} is below the max daily loss of ${$(maxLoss)}`, 'loss');
    }
    const maxDrawdown = this.options.maxDrawdown;
    const drawdown = Math.max(peak, 0) - dailyPnl;
    if (maxDrawdown !== undefined && drawdown > maxDrawdown) {
      return this.trip(
        `drawdown ${$(drawdown)} from the day's peak ${$(Math.max(peak, 0))} exceeds ${$(maxDrawdown)}`,
        'drawdown',
      );
    }
    return false;
  }

  /** Checks the kill file now (trips when present); resolves to whether it exists. */
  async checkKillFile(): Promise<boolean> {
    const path = this.options.killFile;
    if (path === undefined) return false;
    let present: boolean;
    try {
      await stat(path);
      present = true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      present = code !== 'ENOENT' && code !== 'ENOTDIR';
      // cannot tell whether the file is there: fail safe
      if (present) this.log.error({ path, code }, 'cannot check the kill file; treating it as present');
    }
    if (present !== this.current.killFilePresent) {
      this.current = Object.freeze({ ...this.current, killFilePresent: present });
      if (!present && this.current.tripped && this.current.source === 'file') {
        this.log.warn({ path }, 'kill file removed; quoting stays stopped until an explicit resume');
      }
    }
    if (present && !this.current.tripped) this.trip(`kill file ${path} is present`, 'file');
    return present;
  }

  /** Checks the kill file once, then keeps polling it. Idempotent. */
  async start(): Promise<void> {
    if (this.options.killFile === undefined || this.polling) return;
    this.polling = true;
    await this.checkKillFile();
    this.schedulePoll();
  }

  stop(): void {
    this.polling = false;
    this.pollHandle?.cancel();
    this.pollHandle = undefined;
  }

  /**
   * Trips on `trip` (default SIGUSR2) and resumes on `resume` (default SIGHUP; `null` disables).
   * Returns the uninstaller. Note: a SIGHUP listener replaces Node's exit-on-hang-up.
   */
  installSignalTrigger(
    emitter: SignalEmitter,
    signals: { readonly trip?: NodeJS.Signals; readonly resume?: NodeJS.Signals | null } = {},
  ): () => void {
    const tripSignal = signals.trip ?? 'SIGUSR2';
    const resumeSignal = signals.resume === undefined ? 'SIGHUP' : signals.resume;
    const onTrip = () => {
      this.trip(`${tripSignal} received`, 'signal');
    };
    const onResume = () => {
      void this.resume('signal').then((result) => {
        if (!result.resumed)
          this.log.warn({ signal: resumeSignal, reason: result.reason }, 'resume signal ignored');
      });
    };
    emitter.on(tripSignal, onTrip);
    if (resumeSignal) emitter.on(resumeSignal, onResume);
    return () => {
      emitter.off(tripSignal, onTrip);
      if (resumeSignal) emitter.off(resumeSignal, onResume);
    };
  }

  private schedulePoll(): void {
    if (!this.polling) return;
    this.pollHandle = this.clock.schedule(
      this.options.pollMs ?? DEFAULT_KILL_POLL_MS,
      () => {
        void this.checkKillFile()
          .catch((error: unknown) => this.log.error({ err: error }, 'kill file check failed'))
          .finally(() => this.schedulePoll());
      },
      { unref: true },
    );
  }

  private update(next: KillSwitchState): void {
    const previous = this.current;
    this.current = Object.freeze(next);
    for (const listener of this.listeners) {
      try {
        listener(this.current, previous);
      } catch (error) {
        this.log.error({ err: error }, 'kill switch listener threw');
      }
    }
  }
}

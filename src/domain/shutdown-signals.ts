/**
 * How a process learns it must stop: SIGTERM / SIGINT, or its parent going away. Shared by the
 * bot and the standalone simulator (domain/ is the only code both may import).
 *
 * Under `npm start` one signal often arrives twice: a terminal's Ctrl-C or systemd's default
 * KillMode signals the whole process group, and npm forwards the same signal to its child. A
 * repeat within `repeatWindowMs` of the first is therefore the same request; only a later one
 * means "stop now" (docs/operations.md).
 */
import { type Clock, repeatEvery, type Timer } from './clock.js';

/** The part of `process` signals are heard on (injectable for tests). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(signal: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

export interface ShutdownHandlers {
  /** The first request: a signal's name, or `parent exited`. Called once. */
  stop(reason: string): void;
  /** A second signal after the repeat window: the operator insists on stopping now. */
  force(signal: NodeJS.Signals): void;
  /** A repeat inside the window, otherwise ignored. */
  repeated?(signal: NodeJS.Signals, afterMs: number): void;
}

export interface ShutdownSignalsOptions {
  readonly clock: Clock;
  /** @default process */
  readonly source?: SignalSource;
  /** @default ['SIGTERM', 'SIGINT'] */
  readonly signals?: readonly NodeJS.Signals[];
  /** A signal this soon after the first is the same request, not a second one. @default 1000 */
  readonly repeatWindowMs?: number;
}

/** Listens from construction on, so a signal that comes before there is anything to stop is kept. */
export class ShutdownSignals {
  readonly #clock: Clock;
  readonly #source: SignalSource;
  readonly #signals: readonly NodeJS.Signals[];
  readonly #repeatWindowMs: number;
  #handlers: ShutdownHandlers | undefined;
  #reason: string | undefined;
  #firstSignalAt: number | undefined;
  #delivered = false;
  readonly #listener = (signal: NodeJS.Signals): void => this.#onSignal(signal);

  constructor(options: ShutdownSignalsOptions) {
    this.#clock = options.clock;
    this.#source = options.source ?? process;
    this.#signals = options.signals ?? ['SIGTERM', 'SIGINT'];
    this.#repeatWindowMs = options.repeatWindowMs ?? 1_000;
    for (const signal of this.#signals) this.#source.on(signal, this.#listener);
  }

  /** The first request's reason, once there was one. */
  get requested(): string | undefined {
    return this.#reason;
  }

  /** Sets what a request does from now on; a request that came before is handed over at once. */
  handle(handlers: ShutdownHandlers): void {
    this.#handlers = handlers;
    this.#deliver();
  }

  /** A request from elsewhere than a signal (the parent went away); the first request wins. */
  request(reason: string): void {
    if (this.#reason !== undefined) return;
    this.#reason = reason;
    this.#deliver();
  }

  dispose(): void {
    for (const signal of this.#signals) this.#source.off(signal, this.#listener);
  }

  #onSignal(signal: NodeJS.Signals): void {
    // The first signal asks for the stop (or joins one already under way for another reason).
    if (this.#firstSignalAt === undefined) {
      this.#firstSignalAt = this.#clock.now();
      this.request(signal);
      return;
    }
    const afterMs = this.#clock.now() - this.#firstSignalAt;
    if (afterMs < this.#repeatWindowMs) this.#handlers?.repeated?.(signal, afterMs);
    else this.#handlers?.force(signal);
  }

  #deliver(): void {
    if (this.#delivered || this.#reason === undefined || !this.#handlers) return;
    this.#delivered = true;
    this.#handlers.stop(this.#reason);
  }
}

export interface WatchParentOptions {
  readonly clock: Clock;
  readonly onExit: (formerParentPid: number) => void;
  /** @default 1000 */
  readonly intervalMs?: number;
  /** @default () => process.ppid */
  readonly parentPid?: () => number;
}

/**
 * Calls `onExit` once when the parent process is gone (the process was reparented): e.g. npm
 * killed with SIGKILL, which forwards nothing. A process whose parent is init (or that is PID 1)
 * has no parent to lose and is not watched.
 */
export function watchParent(options: WatchParentOptions): Timer {
  const parentPid = options.parentPid ?? (() => process.ppid);
  const original = parentPid();
  if (original <= 1) return { cancel: () => undefined };
  const timer = repeatEvery(
    options.clock,
    options.intervalMs ?? 1_000,
    () => {
      if (parentPid() === original) return;
      timer.cancel();
      options.onExit(original);
    },
    { unref: true },
  );
  return timer;
}

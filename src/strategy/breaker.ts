import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';

/** A strategy failure that counts against its route. */
export type FailureKind = 'threw' | 'timeout' | 'crashed';

export interface BreakerSettings {
  /** Failures within `windowMs` that disable a route; 0 never disables. @default 5 */
  readonly maxFailures?: number;
  /** @default 60000 */
  readonly windowMs?: number;
  /**
   * How long a disabled route stays off before it is tried again on probation (its first failure
   * disables it again, its first success clears it); 0 = until a config reload. @default 300000
   */
  readonly cooldownMs?: number;
}

export interface BreakerEvents {
  /** Every failure blamed on a strategy (excused ones are not). */
  readonly onFailure?: (strategy: string, kind: FailureKind) => void;
  /** The number of disabled routes changed. */
  readonly onDisabledCount?: (count: number) => void;
  /** A route was just disabled (e.g. to pull its live quotes). */
  readonly onDisabled?: (routeLabel: string, reason: string) => void;
}

interface RouteRef {
  readonly label: string;
  readonly strategyName: string;
}

interface State {
  failures: number[];
  disabledAt: number | undefined;
  reason: string | undefined;
  probation: boolean;
}

/**
 * Per-route circuit breaker: a strategy that keeps throwing, timing out or crashing its worker
 * stops being called, with one error line, instead of costing every RFQ of its route a time-out.
 * The rest of the bot keeps quoting. Routes are keyed by their compiled object, so a reload
 * (new routes) starts every route afresh.
 */
export class RouteBreakers {
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #cooldownMs: number;
  readonly #clock: Clock;
  readonly #log: Logger;
  readonly #events: BreakerEvents;
  readonly #states = new Map<RouteRef, State>();
  readonly #disabled = new Set<RouteRef>();

  constructor(settings: BreakerSettings, clock: Clock, log: Logger, events: BreakerEvents = {}) {
    this.#maxFailures = settings.maxFailures ?? 5;
    this.#windowMs = settings.windowMs ?? 60_000;
    this.#cooldownMs = settings.cooldownMs ?? 300_000;
    this.#clock = clock;
    this.#log = log;
    this.#events = events;
  }

  /** Labels of the routes disabled now. */
  get disabled(): string[] {
    return [...this.#disabled].map((route) => route.label);
  }

  /** Why the route is disabled, or undefined when it may be called (after a cool-down: on probation). */
  blocked(route: RouteRef): string | undefined {
    const state = this.#states.get(route);
    if (state?.disabledAt === undefined) return undefined;
    if (this.#cooldownMs > 0 && this.#clock.now() - state.disabledAt >= this.#cooldownMs) {
      state.disabledAt = undefined;
      state.probation = true;
      state.failures = [];
      this.#setDisabled(route, false);
      this.#log.warn(
        { route: route.label, strategy: route.strategyName, cooldownMs: this.#cooldownMs },
        `route ${route.label} re-enabled on probation after its cool-down`,
      );
      return undefined;
    }
    return state.reason;
  }

  succeeded(route: RouteRef): void {
    const state = this.#states.get(route);
    if (state?.probation !== true) return;
    state.probation = false;
    this.#log.info(
      { route: route.label, strategy: route.strategyName },
      `route ${route.label} healthy again`,
    );
  }

  /** Records a failure blamed on the route's strategy; may disable the route. */
  failed(route: RouteRef, kind: FailureKind, reason: string): void {
    this.#events.onFailure?.(route.strategyName, kind);
    if (this.#maxFailures <= 0) return;
    const now = this.#clock.now();
    let state = this.#states.get(route);
    if (state === undefined) {
      state = { failures: [], disabledAt: undefined, reason: undefined, probation: false };
      this.#states.set(route, state);
    }
    if (state.disabledAt !== undefined) return;
    state.failures = state.failures.filter((at) => now - at < this.#windowMs);
    state.failures.push(now);
    if (!state.probation && state.failures.length < this.#maxFailures) return;
    const count = state.failures.length;
    state.disabledAt = now;
    state.reason = state.probation
      ? `failed again on probation (${kind}: ${reason})`
      : `${count} strategy failures within ${this.#windowMs}ms, the last ${kind}: ${reason}`;
    state.probation = false;
    state.failures = [];
    this.#setDisabled(route, true);
    const comeback =
      this.#cooldownMs > 0
        ? `tried again in ${this.#cooldownMs}ms, or at a config reload`
        : 'until a config reload or restart';
    this.#log.error(
      { route: route.label, strategy: route.strategyName, kind, reason: state.reason },
      `route ${route.label} disabled: strategy "${route.strategyName}" ${state.reason}; its RFQs are skipped (${comeback})`,
    );
    this.#events.onDisabled?.(route.label, state.reason);
  }

  /** Clears every route (a config reload). */
  reset(): void {
    const wasDisabled = this.#disabled.size > 0;
    for (const route of this.#disabled) {
      this.#log.warn(
        { route: route.label, strategy: route.strategyName },
        `route ${route.label} re-enabled by a reload`,
      );
    }
    this.#states.clear();
    this.#disabled.clear();
    if (wasDisabled) this.#events.onDisabledCount?.(0);
  }

  #setDisabled(route: RouteRef, disabled: boolean): void {
    if (disabled) this.#disabled.add(route);
    else this.#disabled.delete(route);
    this.#events.onDisabledCount?.(this.#disabled.size);
  }
}

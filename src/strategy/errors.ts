/** Why a strategy plugin could not be loaded. */
export type StrategyLoadErrorCode =
  | 'dir_unreadable'
  | 'import_failed'
  | 'no_strategy_export'
  | 'invalid_shape'
  | 'invalid_name'
  | 'duplicate_name'
  | 'unsupported_api_version';

/** A plugin in `strategies/` (or a built-in) is unusable; startup must fail. */
export class StrategyLoadError extends Error {
  override readonly name = 'StrategyLoadError';
  constructor(
    readonly code: StrategyLoadErrorCode,
    /** The plugin file (absolute path), or `builtin` for a strategy registered in code. */
    readonly file: string,
    readonly problem: string,
    readonly strategyName?: string,
    options?: ErrorOptions,
  ) {
    super(
      strategyName === undefined
        ? `strategy plugin ${file}: ${problem}`
        : `strategy "${strategyName}" in file ${file} ${problem}`,
      options,
    );
  }
}

/** One problem in the `routes` config. */
export interface RouteProblem {
  readonly code: 'unknown_strategy' | 'invalid_options' | 'invalid_route';
  /** Zero-based index in the routes list. */
  readonly index: number;
  readonly routeName?: string;
  readonly strategy?: string;
  readonly message: string;
  /** For invalid options: each issue with its path inside `options`, to point at config lines. */
  readonly issues?: readonly OptionIssue[];
}

export interface OptionIssue {
  readonly path: readonly (string | number)[];
  readonly message: string;
}

/** The routes config is invalid; every problem is listed at once. */
export class RouteConfigError extends Error {
  override readonly name = 'RouteConfigError';
  readonly code = 'invalid_routes';
  constructor(readonly problems: readonly RouteProblem[]) {
    super(
      problems.length === 1
        ? `invalid strategy route: ${problems[0]?.message}`
        : `invalid strategy routes (${problems.length} problems):\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
    );
  }
}

/** A strategy's `setup` threw or timed out (startup or config reload fails). */
export class StrategySetupError extends Error {
  override readonly name = 'StrategySetupError';
  readonly code = 'strategy_setup_failed';
  constructor(
    readonly strategy: string,
    readonly route: string,
    readonly reason: string,
    options?: ErrorOptions,
  ) {
    super(`strategy "${strategy}" (${route}) failed to set up: ${reason}`, options);
  }
}

/** The abort reason a strategy sees on `ctx.signal` when its call ran out of time. */
export class StrategyTimeoutError extends Error {
  override readonly name = 'StrategyTimeoutError';
  readonly code = 'strategy_timeout';
  constructor(
    readonly call: string,
    readonly timeoutMs: number,
  ) {
    super(`${call} timed out after ${timeoutMs}ms`);
  }
}

/** The abort reason on `ctx.signal` when the runner stops (shutdown or the route was removed). */
export class StrategyStoppedError extends Error {
  override readonly name = 'StrategyStoppedError';
  readonly code = 'strategy_stopped';
  constructor() {
    super('strategy runner stopped');
  }
}

/** A short, single-line description of anything thrown, for skip reasons and logs. */
export function describeThrown(error: unknown): string {
  const text =
    error instanceof Error
      ? error.message || error.name
      : typeof error === 'string'
        ? error
        : `non-error value ${safeString(error)}`;
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

function safeString(value: unknown): string {
  try {
    return typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}

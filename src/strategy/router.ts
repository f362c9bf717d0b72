import type { Logger } from 'pino';
import { compileGlobs } from '../domain/glob.js';
import { didYouMean } from '../domain/text.js';

export { didYouMean };

import { describeThrown, type OptionIssue, RouteConfigError, type RouteProblem } from './errors.js';
import { deepFreeze } from './freeze.js';
import { ISOLATIONS, type Isolation } from './host.js';
import type { StrategyRegistry } from './loader.js';
import type { Strategy } from './types.js';

/**
 * One entry of `strategies.routes` in config.yaml. Within `match`, every non-empty list must
 * match (AND); within a list any glob may match (OR); empty or absent lists constrain nothing,
 * so `match: {}` takes every RFQ.
 * @example { name: 'sports', match: { series: ['KXNFL*'] }, strategy: 'fixed-spread', options: { spread: '0.06' } }
 */
export interface RouteConfig<Windows = unknown> {
  readonly name?: string | undefined;
  readonly match?:
    | {
        /** Market ticker globs (`*` any run, `?` one character). */
        readonly markets?: readonly string[] | undefined;
        readonly events?: readonly string[] | undefined;
        readonly series?: readonly string[] | undefined;
      }
    | undefined;
  /** A strategy name from the registry. */
  readonly strategy: string;
  /** Raw options, validated by the strategy's `options.parse`. @default {} */
  readonly options?: unknown;
  /** Active windows; carried through for the risk guard, not interpreted here. */
  readonly windows?: Windows | undefined;
  /** Where the strategy runs: the worker pool, or (trusted code only) the bot's thread. @default 'worker' */
  readonly isolation?: Isolation | undefined;
}

/** What a route is matched against. The engine derives the series from the event. */
export interface RouteMatchInput {
  readonly marketTicker: string;
  readonly eventTicker?: string | undefined;
  readonly seriesTicker?: string | undefined;
}

/**
 * A strategy with one set of parsed options: the unit of setup/teardown and of per-route
 * state. Routes with the same strategy and equal raw options share one instance, and a
 * config reload keeps an instance (and its `options` object) whose key did not change.
 */
export interface StrategyInstance {
  /** Strategy name plus the canonical JSON of the raw options. */
  readonly key: string;
  readonly strategy: Strategy<unknown>;
  /** Parsed by the strategy's schema and deeply frozen: a strategy cannot change its options. */
  readonly options: unknown;
  /** The options as config gave them: a worker parses its own copy. */
  readonly rawOptions: unknown;
  readonly isolation: Isolation;
  /** The first route using it, for logs. */
  readonly label: string;
}

export interface CompiledRoute<Windows = unknown> {
  readonly index: number;
  readonly name?: string;
  /** `routes[2] "sports"` or `routes[2]`: how logs and errors name the route. */
  readonly label: string;
  readonly strategyName: string;
  readonly instance: StrategyInstance;
  readonly windows?: Windows;
  /** Matches every RFQ (no constraints, or only the market glob `*`). */
  readonly catchAll: boolean;
  readonly matches: (input: RouteMatchInput) => boolean;
}

/** An immutable, validated set of routes. */
export interface RouteTable<Windows = unknown> {
  readonly routes: readonly CompiledRoute<Windows>[];
  readonly instances: ReadonlyMap<string, StrategyInstance>;
  /** Some route matches on events: the engine must supply `eventTicker`. */
  readonly needsEvent: boolean;
  /** Some route matches on series: the engine must supply `seriesTicker`. */
  readonly needsSeries: boolean;
  match(input: RouteMatchInput): CompiledRoute<Windows> | undefined;
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** The issues of a zod-like error (path inside the options), else one issue with the message. */
export function optionIssues(error: unknown): OptionIssue[] {
  const issues = (error as { issues?: unknown } | null)?.issues;
  if (Array.isArray(issues) && issues.length > 0) {
    return issues.map((issue: { path?: unknown; message?: unknown }) => ({
      path: Array.isArray(issue.path)
        ? issue.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number')
        : [],
      message: String(issue.message),
    }));
  }
  return [{ path: [], message: describeThrown(error) }];
}

/** zod-like `issues` as `path: message`; anything else by its message. */
export function describeOptionsError(error: unknown): string {
  return optionIssues(error)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(options)'}: ${issue.message}`)
    .join('; ');
}

function checkGlobs(value: unknown, key: string, problems: string[]): readonly string[] | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value) || value.some((g) => typeof g !== 'string' || g === '')) {
    problems.push(`match.${key} must be a list of non-empty glob strings`);
    return undefined;
  }
  // An empty list constrains nothing, like an absent one (the config schema defaults to []).
  return value.length === 0 ? undefined : (value as string[]);
}

/**
 * Validates routes against the registry and compiles them. Options are parsed once here, so
 * bad options fail startup (or a reload) with the route, the plugin and the issue named.
 * `previous` lets a reload keep instances whose strategy and raw options did not change.
 */
export function compileRoutes<Windows = unknown>(
  configs: readonly RouteConfig<Windows>[],
  registry: StrategyRegistry,
  previous?: RouteTable<Windows>,
): RouteTable<Windows> {
  const problems: RouteProblem[] = [];
  const routes: CompiledRoute<Windows>[] = [];
  const instances = new Map<string, StrategyInstance>();
  configs.forEach((config, index) => {
    const name = typeof config.name === 'string' && config.name !== '' ? config.name : undefined;
    const label = name === undefined ? `routes[${index}]` : `routes[${index}] "${name}"`;
    const base = { index, ...(name !== undefined ? { routeName: name } : {}) };
    const shapeProblems: string[] = [];
    const match = config.match ?? {};
    if (typeof match !== 'object' || match === null || Array.isArray(match)) {
      shapeProblems.push('match must be an object with markets, events and/or series lists');
    }
    const isolation = config.isolation ?? 'worker';
    if (!ISOLATIONS.includes(isolation)) {
      shapeProblems.push(
        `isolation must be one of ${ISOLATIONS.join(', ')}, not ${JSON.stringify(isolation)}`,
      );
    }
    const markets = checkGlobs(match.markets, 'markets', shapeProblems);
    const events = checkGlobs(match.events, 'events', shapeProblems);
    const series = checkGlobs(match.series, 'series', shapeProblems);
    for (const problem of shapeProblems) {
      problems.push({ ...base, code: 'invalid_route', message: `${label}: ${problem}` });
    }
    if (typeof config.strategy !== 'string' || config.strategy === '') {
      problems.push({
        ...base,
        code: 'invalid_route',
        message: `${label}: strategy must be a strategy name`,
      });
      return;
    }
    const strategy = registry.get(config.strategy);
    if (strategy === undefined) {
      const available = [...registry.keys()].sort();
      const suggestion = didYouMean(config.strategy, available);
      problems.push({
        ...base,
        code: 'unknown_strategy',
        strategy: config.strategy,
        message:
          `${label}: unknown strategy "${config.strategy}"` +
          (suggestion ? ` (did you mean "${suggestion}"?)` : '') +
          `; available: ${available.length > 0 ? available.join(', ') : '(none loaded)'}`,
      });
      return;
    }
    const rawOptions = config.options ?? {};
    const key = `${strategy.name}:${isolation}:${canonicalJson(rawOptions)}`;
    let instance = instances.get(key) ?? previous?.instances.get(key);
    if (instance === undefined || instance.strategy !== strategy) {
      try {
        const options = deepFreeze(strategy.options.parse(rawOptions));
        instance = Object.freeze({ key, strategy, options, rawOptions, isolation, label });
      } catch (error) {
        problems.push({
          ...base,
          code: 'invalid_options',
          strategy: strategy.name,
          message: `${label}: invalid options for strategy "${strategy.name}": ${describeOptionsError(error)}`,
          issues: optionIssues(error),
        });
        return;
      }
    }
    if (shapeProblems.length > 0) return;
    instances.set(key, instance);
    const tests = [
      markets && { test: compileGlobs(markets), pick: (i: RouteMatchInput) => i.marketTicker },
      events && { test: compileGlobs(events), pick: (i: RouteMatchInput) => i.eventTicker },
      series && { test: compileGlobs(series), pick: (i: RouteMatchInput) => i.seriesTicker },
    ].filter((t) => t !== undefined);
    routes.push(
      Object.freeze({
        index,
        ...(name !== undefined ? { name } : {}),
        label,
        strategyName: strategy.name,
        instance,
        catchAll:
          events === undefined && series === undefined && (markets === undefined || markets.includes('*')),
        ...(config.windows !== undefined ? { windows: config.windows } : {}),
        matches: (input: RouteMatchInput) =>
          tests.every(({ test, pick }) => {
            const value = pick(input);
            return value !== undefined && test(value);
          }),
      }),
    );
  });
  if (problems.length > 0) throw new RouteConfigError(problems);
  const frozen = Object.freeze(routes);
  return Object.freeze({
    routes: frozen,
    instances,
    needsEvent: configs.some((c) => (c.match?.events?.length ?? 0) > 0),
    needsSeries: configs.some((c) => (c.match?.series?.length ?? 0) > 0),
    match: (input: RouteMatchInput) => frozen.find((route) => route.matches(input)),
  });
}

/** Routes after the first catch-all: they can never match. */
export function unreachableRoutes<Windows>(table: RouteTable<Windows>): CompiledRoute<Windows>[] {
  const catchAll = table.routes.findIndex((route) => route.catchAll);
  return catchAll === -1 ? [] : table.routes.slice(catchAll + 1);
}

/**
 * Routes RFQs to strategies: first match wins. `replace` swaps the whole table atomically
 * (a reader sees the old table or the new one, never a mix) and leaves the old one in place
 * when the new config is invalid.
 */
export class StrategyRouter<Windows = unknown> {
  #table: RouteTable<Windows>;
  readonly #registry: StrategyRegistry;
  readonly #log: Logger | undefined;

  constructor(registry: StrategyRegistry, routes: readonly RouteConfig<Windows>[], logger?: Logger) {
    this.#registry = registry;
    this.#log = logger?.child({ module: 'strategy-router' });
    this.#table = this.compile(routes);
  }

  get table(): RouteTable<Windows> {
    return this.#table;
  }

  get registry(): StrategyRegistry {
    return this.#registry;
  }

  /** Validates routes without installing them (reusing unchanged instances). */
  compile(routes: readonly RouteConfig<Windows>[]): RouteTable<Windows> {
    const table = compileRoutes(routes, this.#registry, this.#table as RouteTable<Windows> | undefined);
    for (const route of unreachableRoutes(table)) {
      this.#log?.warn({ route: route.label }, 'route is unreachable: an earlier route matches every RFQ');
    }
    return table;
  }

  /** Installs a compiled table. */
  swap(table: RouteTable<Windows>): RouteTable<Windows> {
    const old = this.#table;
    this.#table = table;
    this.#log?.info(
      { routes: table.routes.map((r) => `${r.label} → ${r.strategyName}`) },
      'strategy routes installed',
    );
    return old;
  }

  /** compile + swap; throws `RouteConfigError` and keeps the current routes when invalid. */
  replace(routes: readonly RouteConfig<Windows>[]): RouteTable<Windows> {
    return this.swap(this.compile(routes));
  }

  match(input: RouteMatchInput): CompiledRoute<Windows> | undefined {
    return this.#table.match(input);
  }
}

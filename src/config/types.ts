/** The frozen, typed config the rest of the app consumes (derived from schema.ts). */
import type { ParsedConfig } from './schema.js';

export type DeepReadonly<T> = T extends (infer U)[]
  ? readonly DeepReadonly<U>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

/**
 * Secrets, read only from the environment or from files, never printed: the property is
 * non-enumerable on `Config` and serialises as `[REDACTED]`.
 */
export interface ConfigSecrets {
  /** From `exchange.apiKeyId` (i.e. `${KALSHI_API_KEY_ID}`) or env `KALSHI_API_KEY_ID`. */
  readonly apiKeyId?: string;
  /** From env `KALSHI_PRIVATE_KEY_PEM`, else the file at `exchange.privateKeyPath` / `KALSHI_PRIVATE_KEY_PATH`. */
  readonly privateKeyPem?: string;
  /** From env `OPS_TOKEN`: the bearer token of POST /kill and /resume. */
  readonly opsToken?: string;
  /** From env `OPS_METRICS_TOKEN`: when set, /metrics and the detailed /readyz need it (or OPS_TOKEN). */
  readonly opsMetricsToken?: string;
  /** From env `REDIS_PASSWORD`: the password of `cluster.redis`. */
  readonly redisPassword?: string;
}

type Parsed = ParsedConfig;

/**
 * `exchange` as loaded: for demo and production `baseUrl`/`wsUrl` are filled with the
 * environment's URLs unless overridden; for the simulator they stay unset unless overridden.
 * `privateKeyPath` is absolute. The key id lives in `Config.secrets`, not here.
 */
export type ExchangeConfig = DeepReadonly<Omit<Parsed['exchange'], 'apiKeyId'>>;
export type RetryConfig = ExchangeConfig['retry'];
export type SimulatorConfig = DeepReadonly<Parsed['simulator']>;
export type PollerConfig = DeepReadonly<Parsed['poller']>;
export type PollerFilters = PollerConfig['filters'];
/** `strategies.dir` is absolute. */
export type StrategiesConfig = DeepReadonly<Parsed['strategies']>;
/** A route; `name` is always set (defaults to `<strategy>#<position>`). */
export type RouteConfig = StrategiesConfig['routes'][number];
export type RouteMatch = RouteConfig['match'];
export type QuotingConfig = DeepReadonly<Parsed['quoting']>;
/** `killSwitch.file` is absolute. */
export type RiskConfig = DeepReadonly<Parsed['risk']>;
export type PositionLimit = RiskConfig['maxPositionPerMarket'];
export type KillSwitchConfig = RiskConfig['killSwitch'];
export type TradingWindow = RiskConfig['windows'][number];
export type OpsConfig = DeepReadonly<Parsed['ops']>;
export type LoggingConfig = DeepReadonly<Parsed['logging']>;
/** `journal.path` is absolute. */
export type JournalConfig = DeepReadonly<Parsed['journal']>;
export type ClusterConfig = DeepReadonly<Parsed['cluster']>;
export type LogLevel = LoggingConfig['level'];
export type LogFormat = LoggingConfig['format'];
export type ExchangeTier = ExchangeConfig['tier'];

export type Config = {
  readonly exchange: ExchangeConfig;
  readonly simulator: SimulatorConfig;
  readonly poller: PollerConfig;
  readonly strategies: StrategiesConfig;
  readonly quoting: QuotingConfig;
  readonly risk: RiskConfig;
  readonly ops: OpsConfig;
  readonly logging: LoggingConfig;
  readonly journal: JournalConfig;
  readonly cluster: ClusterConfig;
  /** Price and log, send nothing. */
  readonly dryRun: boolean;
  /** Reload when the config file changes (as on SIGHUP). */
  readonly watchConfig: boolean;
  readonly secrets: ConfigSecrets;
};

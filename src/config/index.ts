/** The config module's surface: load, validate, diff for reload, print safely, document. */
export { type ConfigChange, type ConfigDiff, diffConfig, restartRequiredMessage } from './diff.js';
export type { Env } from './env.js';
export { substituteEnv } from './env.js';
export {
  EXCHANGE_ENVIRONMENTS,
  EXCHANGE_URLS,
  type ExchangeEnvironment,
  type ExchangeUrls,
  REST_PATH_PREFIX,
  resolveExchangeUrls,
  WS_PATH,
  wsUrlFor,
} from './environments.js';
export type { FieldMeta, Reload } from './fields.js';
export {
  type ConfigOverrides,
  type ConfigTextOptions,
  configFromObject,
  configOrThrow,
  type LoadConfigOptions,
  type LoadConfigResult,
  loadConfig,
  loadConfigOrThrow,
  loadConfigText,
} from './load.js';
export {
  ConfigError,
  type ConfigPath,
  type ConfigProblem,
  formatConfigProblem,
  formatConfigProblems,
  formatPath,
} from './problems.js';
export { configHash, configRedactor, printableConfig, redactedConfig, redactedRoutes } from './redact.js';
export { renderConfigReference, replaceReferenceBlock } from './reference.js';
export { configSchema, LOG_FORMATS, LOG_LEVELS } from './schema.js';
export { MIN_OPS_TOKEN_LENGTH, SECRET_ENV } from './secrets.js';
export type {
  ClusterConfig,
  Config,
  ConfigSecrets,
  DeepReadonly,
  ExchangeConfig,
  ExchangeTier,
  KillSwitchConfig,
  LogFormat,
  LoggingConfig,
  LogLevel,
  OpsConfig,
  PollerConfig,
  PollerFilters,
  PositionLimit,
  QuotingConfig,
  RetryConfig,
  RiskConfig,
  RouteConfig,
  RouteMatch,
  SimulatorConfig,
  StrategiesConfig,
  TradingWindow,
} from './types.js';
export type { ConfigSource, SourcePosition } from './yaml-source.js';

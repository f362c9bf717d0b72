/**
 * Logging: pino, JSON off a terminal and pretty on one, one child per module. Secrets are kept
 * out twice over: pino `redact` censors known key names in structured fields, and every output
 * line passes the process-wide redactor (`domain/redact.ts`) before it is written: PEM blocks,
 * the configured secret values wherever they occur (messages, stacks, nested objects),
 * secret-named fields at any depth, URL query secrets, bearer credentials.
 */
import { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, pino } from 'pino';
import pinoPretty from 'pino-pretty';
import { createRedactor, REDACTED } from '../domain/redact.js';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface CreateLoggerOptions {
  /** @default 'info' */
  readonly level?: LogLevel;
  /** auto = pretty when writing to a terminal, JSON otherwise. @default 'auto' */
  readonly format?: LogFormat;
  /** Values replaced by `[REDACTED]` wherever they occur (API key id, OPS token, the PEM). */
  readonly secrets?: readonly (string | undefined)[];
  /** Where lines go. @default stdout */
  readonly destination?: DestinationStream;
  /** Whether the destination is a terminal. @default stdout's isTTY, false with a destination */
  readonly isTty?: boolean;
  /** Bindings on every line, e.g. `{ app: 'kalshi-rfq-maker' }`. */
  readonly base?: Record<string, unknown>;
}

export { REDACTED };

const HEADER_KEYS = [
  'KALSHI-ACCESS-SIGNATURE',
  'KALSHI-ACCESS-KEY',
  'authorization',
  'Authorization',
  'cookie',
];
const PLAIN_KEYS = [
  'privateKey',
  'privateKeyPem',
  'apiKeyId',
  'token',
  'opsToken',
  'opsMetricsToken',
  'password',
  'signature',
  'secrets',
];

/** pino `redact` paths: structured values (objects too) under known names, two levels deep. */
export const REDACT_PATHS: readonly string[] = [
  ...PLAIN_KEYS.flatMap((key) => [key, `*.${key}`]),
  ...HEADER_KEYS.flatMap((key) => [
    `headers["${key}"]`,
    `*.headers["${key}"]`,
    `*.*.headers["${key}"]`,
    `*.request.headers["${key}"]`,
  ]),
];

/** A function replacing PEM blocks, the given secrets and secret-named fields by `[REDACTED]`. */
export function createScrubber(secrets: readonly (string | undefined)[] = []): (text: string) => string {
  return createRedactor(secrets);
}

export function resolveLogFormat(format: LogFormat, isTty: boolean): 'json' | 'pretty' {
  if (format === 'auto') return isTty ? 'pretty' : 'json';
  return format;
}

type Flushable = DestinationStream & { flush?: (cb?: (err?: Error) => void) => void; flushSync?: () => void };

/** Every line passes the scrubber, then (pretty) the formatter, then the destination. */
function scrubbingStream(
  target: Flushable,
  scrub: (text: string) => string,
  pretty?: (line: string) => string,
) {
  const stream: Flushable = {
    write(chunk: string) {
      const clean = scrub(chunk);
      target.write(pretty ? pretty(clean) : clean);
    },
  };
  if (target.flush) stream.flush = (cb) => target.flush?.(cb);
  if (target.flushSync) stream.flushSync = () => target.flushSync?.();
  return stream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination: Flushable = options.destination ?? pino.destination({ dest: 1, sync: true });
  const isTty = options.isTty ?? (options.destination ? false : process.stdout.isTTY === true);
  const format = resolveLogFormat(options.format ?? 'auto', isTty);
  const scrub = createScrubber(options.secrets);
  const pretty =
    format === 'pretty'
      ? pinoPretty.prettyFactory({
          colorize: isTty,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,module',
          messageFormat: '{if module}[{module}] {end}{msg}',
        })
      : undefined;
  const pinoOptions: PinoOptions = {
    level: options.level ?? 'info',
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    timestamp: pino.stdTimeFunctions.isoTime,
    ...(options.base ? { base: options.base } : {}),
  };
  return pino(pinoOptions, scrubbingStream(destination, scrub, pretty));
}

/** The logger of one module: every line carries `{ module }`. */
export function moduleLogger(logger: Logger, module: string): Logger {
  return logger.child({ module });
}

/** Scrubs one string with the same rules as the log lines (for error bodies shown to operators). */
export function scrubText(text: string, secrets: readonly (string | undefined)[] = []): string {
  return createScrubber(secrets)(text);
}

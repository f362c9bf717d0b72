/**
 * Logging: pino, JSON off a terminal and pretty on one, one child per module. Secrets are kept
 * out twice over: values under secret names are censored in the structured fields and bindings
 * (`log-censor.ts`: objects and numbers too), and every output line passes the process-wide
 * redactor (`domain/redact.ts`) before it is written: PEM blocks, the configured secret values
 * wherever they occur (messages, stacks, nested objects), secret-named fields at any depth, URL
 * query secrets, bearer credentials.
 */
import { createRequire } from 'node:module';
import { type DestinationStream, type Logger, type LoggerOptions as PinoOptions, pino } from 'pino';
import type PinoPretty from 'pino-pretty';
import { createRedactor, REDACTED } from '../domain/redact.js';
import { censorSecrets } from './log-censor.js';

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

/** pino-pretty and its dependencies (~40 ms of CPU to load) only where a terminal gets the lines. */
function prettyModule(): typeof PinoPretty {
  return createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const destination: Flushable = options.destination ?? pino.destination({ dest: 1, sync: true });
  const isTty = options.isTty ?? (options.destination ? false : process.stdout.isTTY === true);
  const format = resolveLogFormat(options.format ?? 'auto', isTty);
  const scrub = createScrubber(options.secrets);
  const pretty =
    format === 'pretty'
      ? prettyModule().prettyFactory({
          colorize: isTty,
          translateTime: 'SYS:HH:MM:ss.l',
          ignore: 'pid,hostname,module',
          messageFormat: '{if module}[{module}] {end}{msg}',
        })
      : undefined;
  const pinoOptions: PinoOptions = {
    level: options.level ?? 'info',
    // Not pino's `redact`: its wildcard paths cost a clone and ~40 path matches per field.
    formatters: { log: censorSecrets },
    timestamp: pino.stdTimeFunctions.isoTime,
    // The cause as a nested `cause`, not appended to the message: our errors already name their
    // cause in their message, which pino's default then repeated ("…: ENOENT …: ENOENT …").
    serializers: { err: pino.stdSerializers.errWithCause },
    ...(options.base ? { base: options.base } : {}),
  };
  return carefulChildren(pino(pinoOptions, scrubbingStream(destination, scrub, pretty)));
}

/**
 * Every child logger is made here (children inherit `child` from their parent):
 * - its bindings are censored too (pino applies `formatters.bindings` to the root's only);
 * - a key its parent already binds is bound once. pino appends a child's bindings to its
 *   parent's, so a `module` child of a module's logger wrote `"module"` twice in every line (a
 *   log store keeps either). Such a child is made from the root with the parent's other
 *   bindings and level.
 */
function carefulChildren(root: Logger): Logger {
  const child = root.child as unknown as (this: Logger, bindings: object, options?: object) => Logger;
  const rootKeys = new Set(Object.keys(root.bindings()));
  const careful = function (this: Logger, bindings: object, options?: object): Logger {
    const own = censorSecrets(bindings) as Record<string, unknown>;
    if (this === root) return child.call(this, own, options);
    const inherited = this.bindings();
    if (!Object.keys(own).some((key) => key in inherited && !rootKeys.has(key)))
      return child.call(this, own, options);
    const merged: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(inherited))
      if (!rootKeys.has(key) && !(key in own)) merged[key] = value;
    return child.call(root, Object.assign(merged, own), { level: this.level, ...options });
  };
  root.child = careful as unknown as Logger['child'];
  return root;
}

/** The logger of one module: every line carries `{ module }`. */
export function moduleLogger(logger: Logger, module: string): Logger {
  return logger.child({ module });
}

/** Scrubs one string with the same rules as the log lines (for error bodies shown to operators). */
export function scrubText(text: string, secrets: readonly (string | undefined)[] = []): string {
  return createScrubber(secrets)(text);
}

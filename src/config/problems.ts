/** Config problems: what went wrong, where (file:line:column and key path), in one line each. */

export type ConfigPath = readonly (string | number)[];

export interface ConfigProblem {
  readonly file: string;
  /** 1-based; absent when the problem has no place in the file (e.g. the file is missing). */
  readonly line?: number;
  readonly column?: number;
  /** Dotted key path, e.g. `risk.maxOpenQuotes` or `strategies.routes[1].strategy`; empty for the file. */
  readonly path: string;
  /** The whole explanation, e.g. `expected a positive integer, found "ten"`. */
  readonly message: string;
  /** Set when the problem is a wrong value: what the key takes. */
  readonly expected?: string;
  /** Set with `expected`: the value found, rendered for humans. */
  readonly found?: string;
}

/** `config.yaml:12:5 risk.maxOpenQuotes: expected a positive integer, found "ten"` */
export function formatConfigProblem(problem: ConfigProblem): string {
  const where =
    problem.line === undefined
      ? problem.file
      : `${problem.file}:${problem.line}${problem.column === undefined ? '' : `:${problem.column}`}`;
  return `${where} ${problem.path ? `${problem.path}: ` : ''}${problem.message}`;
}

/** One problem per line, in file order. */
export function formatConfigProblems(problems: readonly ConfigProblem[]): string {
  return problems.map(formatConfigProblem).join('\n');
}

/** Thrown by `loadConfigOrThrow`; the message lists every problem. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'invalid_config';
  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n${formatConfigProblems(problems)}`,
    );
  }
}

export function formatPath(path: ConfigPath): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out ? `.${key}` : key;
  }
  return out;
}

export { didYouMean, levenshtein } from '../domain/text.js';

/** A found value as a human reads it: strings quoted, maps and lists named. */
export function describeFound(value: unknown): string {
  if (value === undefined || value === null) return 'nothing';
  if (typeof value === 'string') {
    return value === ''
      ? 'an empty string'
      : JSON.stringify(value.length > 60 ? `${value.slice(0, 60)}…` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length}`;
  if (typeof value === 'object') return 'a map';
  return typeof value;
}

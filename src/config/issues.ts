/** Turning zod issues into config problems that point at the YAML and say expected/found. */
import type { z } from 'zod';
import { isSecretName } from '../domain/redact.js';
import { type ConfigPath, type ConfigProblem, describeFound, didYouMean, formatPath } from './problems.js';
import { configSchema } from './schema.js';
import { knownKeys, metaAt } from './walk.js';
import type { ConfigSource, SourcePosition } from './yaml-source.js';

/** Keys people try that the schema refuses on purpose, with what to do instead. */
const REFUSED_KEYS: Readonly<Record<string, string>> = {
  privateKeyPem:
    'private keys are never read from the config file: set the environment variable KALSHI_PRIVATE_KEY_PEM, or exchange.privateKeyPath',
  privateKey:
    'private keys are never read from the config file: set the environment variable KALSHI_PRIVATE_KEY_PEM, or exchange.privateKeyPath',
  opsToken: 'the ops token is never read from the config file: set the environment variable OPS_TOKEN',
  token: 'the ops token is never read from the config file: set the environment variable OPS_TOKEN',
  metricsToken:
    'the metrics token is never read from the config file: set the environment variable OPS_METRICS_TOKEN',
  opsMetricsToken:
    'the metrics token is never read from the config file: set the environment variable OPS_METRICS_TOKEN',
};

export function valueAt(data: unknown, path: ConfigPath): unknown {
  let current = data;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function at(position: SourcePosition | undefined): { line?: number; column?: number } {
  return position ? { line: position.line, column: position.column } : {};
}

function cleanPath(path: readonly PropertyKey[]): (string | number)[] {
  return path.filter((key): key is string | number => typeof key === 'string' || typeof key === 'number');
}

interface IssueParams {
  readonly complete?: boolean;
  readonly hint?: string;
  readonly at?: ConfigPath;
}

function paramsOf(issue: z.core.$ZodIssue): IssueParams {
  return issue.code === 'custom' && issue.params ? (issue.params as IssueParams) : {};
}

export function issueToProblems(
  issue: z.core.$ZodIssue,
  data: unknown,
  source: ConfigSource,
): ConfigProblem[] {
  const path = cleanPath(issue.path);
  const file = source.file;

  if (issue.code === 'unrecognized_keys') {
    const candidates = knownKeys(configSchema, path);
    return issue.keys.map((key) => {
      const suggestion = didYouMean(key, candidates);
      const message =
        REFUSED_KEYS[key] ??
        (suggestion
          ? `unknown key (did you mean "${suggestion}"?)`
          : `unknown key; the keys here are ${candidates.join(', ')}`);
      return { file, ...at(source.locateKey(path, key)), path: formatPath([...path, key]), message };
    });
  }

  const params = paramsOf(issue);
  if (params.complete) {
    return [
      { file, ...at(source.locate(params.at ?? path)), path: formatPath(path), message: issue.message },
    ];
  }

  const value = valueAt(data, path);
  const vars = source.envVarsAt(path);
  const last = path.at(-1);
  const secret =
    metaAt(configSchema, path)?.secret === true ||
    (typeof last === 'string' && isSecretName(last)) ||
    vars.some((name) => isSecretName(name));
  const found = secret && value !== undefined ? 'a value (not shown: it is a secret)' : describeFound(value);
  // Our schemas phrase every message as "what is expected"; zod's own fallbacks start with "Invalid".
  const expected = /^Invalid /.test(issue.message) ? undefined : issue.message;
  const hints: string[] = [];
  if (params.hint) hints.push(params.hint);
  if (issue.code === 'invalid_value' && typeof value === 'string') {
    const suggestion = didYouMean(
      value,
      issue.values.map((v) => String(v)),
    );
    if (suggestion) hints.push(`did you mean "${suggestion}"?`);
  }
  if (vars.length > 0) hints.push(`after substituting ${vars.join(', ')}`);
  const hint = hints.length > 0 ? ` (${hints.join('; ')})` : '';
  const message = expected ? `expected ${expected}, found ${found}${hint}` : `${issue.message}${hint}`;
  return [
    {
      file,
      ...at(source.locate(path)),
      path: formatPath(path),
      message,
      ...(expected ? { expected, found } : {}),
    },
  ];
}

/** File order; problems without a place first; duplicates dropped. */
export function sortProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return unique.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
}

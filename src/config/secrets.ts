/**
 * Secrets come from the environment or from files, never from YAML literals we would have
 * to echo. Problems name the variable or the file, never a secret's value.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import type { Env } from './env.js';
import { EXCHANGE_ENVIRONMENTS, type ExchangeEnvironment } from './environments.js';
import { valueAt } from './issues.js';
import type { ConfigProblem } from './problems.js';
import type { ConfigSecrets } from './types.js';
import type { ConfigSource } from './yaml-source.js';

export const SECRET_ENV = Object.freeze({
  apiKeyId: 'KALSHI_API_KEY_ID',
  privateKeyPem: 'KALSHI_PRIVATE_KEY_PEM',
  privateKeyPath: 'KALSHI_PRIVATE_KEY_PATH',
  opsToken: 'OPS_TOKEN',
  opsMetricsToken: 'OPS_METRICS_TOKEN',
  redisPassword: 'REDIS_PASSWORD',
});

/** Shortest OPS_TOKEN accepted: it guards a kill switch reachable over HTTP. */
export const MIN_OPS_TOKEN_LENGTH = 16;

export interface ResolvedSecrets {
  readonly secrets: ConfigSecrets;
  /** Absolute path of the private key file, when one was used. */
  readonly privateKeyPath?: string;
  readonly problems: readonly ConfigProblem[];
}

function nonEmpty(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** Env vars often carry a PEM with literal `\n`; restore the newlines. */
function normalisePem(pem: string): string {
  return pem.includes('\\n') && !pem.includes('\n') ? pem.replaceAll('\\n', '\n') : pem;
}

/** A private key (or a piece of one), wherever it was put. */
function looksLikePem(value: string): boolean {
  return /-----(?:BEGIN|END)|PRIVATE KEY/.test(value) || /^[A-Za-z0-9+/=\s]{200,}$/.test(value);
}

/** Kalshi key ids are UUIDs. */
function looksLikeKeyId(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value.trim());
}

function looksLikePath(value: string): boolean {
  return !value.includes('\n') && /^(?:[/~.]|[A-Za-z]:\\)|\.(?:pem|key)$/i.test(value.trim());
}

const NOT_SHOWN = '(the value is not shown)';

function checkPrivateKey(pem: string): string | undefined {
  try {
    const key = createPrivateKey(pem);
    if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
      return `expected an RSA private key, found a ${key.asymmetricKeyType ?? 'different'} key`;
    }
    return undefined;
  } catch {
    return 'expected a PEM-encoded RSA private key, found something else (the content is not shown)';
  }
}

export function resolveSecrets(
  data: unknown,
  env: Env,
  baseDir: string,
  source: ConfigSource,
): ResolvedSecrets {
  const problems: ConfigProblem[] = [];
  const file = source.file;
  const envPosition = source.locate(['exchange', 'environment']);
  const place = (path: readonly (string | number)[]) => {
    const at = source.locate(path) ?? envPosition;
    return at ? { line: at.line, column: at.column } : {};
  };

  const rawEnvironment = valueAt(data, ['exchange', 'environment']) ?? 'simulator';
  const environment = (EXCHANGE_ENVIRONMENTS as readonly unknown[]).includes(rawEnvironment)
    ? (rawEnvironment as ExchangeEnvironment)
    : undefined;

  // Where a value came from, for problems: the variable substituted into the key, or the key.
  const nameOf = (path: readonly string[], fallback: string) => {
    const vars = source.envVarsAt(path);
    return vars.length > 0 ? vars.join(', ') : fallback;
  };

  const yamlKeyId = nonEmpty(valueAt(data, ['exchange', 'apiKeyId']));
  let apiKeyId = yamlKeyId ?? nonEmpty(env[SECRET_ENV.apiKeyId]);
  const keyIdMisplaced = apiKeyId !== undefined && looksLikePem(apiKeyId);
  if (keyIdMisplaced) {
    const name = yamlKeyId ? nameOf(['exchange', 'apiKeyId'], 'exchange.apiKeyId') : SECRET_ENV.apiKeyId;
    problems.push({
      file,
      ...place(['exchange', 'apiKeyId']),
      path: 'exchange.apiKeyId',
      message: `${name} holds a private key, not an API key id: put the PEM in ${SECRET_ENV.privateKeyPem} and the key id (a UUID) in ${SECRET_ENV.apiKeyId} ${NOT_SHOWN}`,
    });
    apiKeyId = undefined;
  }

  const yamlPath = nonEmpty(valueAt(data, ['exchange', 'privateKeyPath']));
  const envPath = nonEmpty(env[SECRET_ENV.privateKeyPath]);
  const pathName = yamlPath
    ? nameOf(['exchange', 'privateKeyPath'], 'exchange.privateKeyPath')
    : SECRET_ENV.privateKeyPath;
  const rawPath = yamlPath ?? envPath;
  const before = problems.length;
  if (rawPath && looksLikePem(rawPath)) {
    problems.push({
      file,
      ...place(['exchange', 'privateKeyPath']),
      path: 'exchange.privateKeyPath',
      message: `${pathName} holds a key, not a path: put the PEM in ${SECRET_ENV.privateKeyPem}, or write it to a file (chmod 600) and set ${pathName} to that file's path ${NOT_SHOWN}`,
    });
  }
  const privateKeyPath =
    problems.length > before || !rawPath
      ? undefined
      : yamlPath
        ? isAbsolute(yamlPath)
          ? yamlPath
          : resolve(baseDir, yamlPath)
        : resolve(rawPath);
  const envPem = nonEmpty(env[SECRET_ENV.privateKeyPem]);

  let privateKeyPem: string | undefined;
  if (problems.length > before) {
    // Already reported: the path variable held the key itself.
  } else if (envPem && privateKeyPath) {
    problems.push({
      file,
      ...place(['exchange', 'privateKeyPath']),
      path: 'exchange.privateKeyPath',
      message: `both ${SECRET_ENV.privateKeyPem} and a private key path are set: use one`,
    });
  } else if (envPem) {
    privateKeyPem = normalisePem(envPem);
    const wrong = checkPrivateKey(privateKeyPem);
    if (wrong) {
      const misplaced = looksLikeKeyId(envPem)
        ? `${SECRET_ENV.privateKeyPem} holds what looks like an API key id, not a PEM: the key id goes in ${SECRET_ENV.apiKeyId} ${NOT_SHOWN}`
        : looksLikePath(envPem)
          ? `${SECRET_ENV.privateKeyPem} holds what looks like a file path, not a PEM: set ${SECRET_ENV.privateKeyPath} to the path instead ${NOT_SHOWN}`
          : undefined;
      problems.push({
        file,
        ...place(['exchange', 'environment']),
        path: 'exchange',
        message: misplaced ?? `${SECRET_ENV.privateKeyPem}: ${wrong}`,
      });
    }
  } else if (privateKeyPath) {
    try {
      privateKeyPem = readFileSync(privateKeyPath, 'utf8');
      const wrong = checkPrivateKey(privateKeyPem);
      if (wrong) {
        problems.push({
          file,
          ...place(['exchange', 'privateKeyPath']),
          path: 'exchange.privateKeyPath',
          message: `${privateKeyPath}: ${wrong}`,
        });
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      problems.push({
        file,
        ...place(['exchange', 'privateKeyPath']),
        path: 'exchange.privateKeyPath',
        message:
          rawPath && looksLikeKeyId(rawPath)
            ? `${pathName} holds what looks like an API key id, not a path: the key id goes in ${SECRET_ENV.apiKeyId}, the key file's path here ${NOT_SHOWN}`
            : `cannot read the private key file ${privateKeyPath} (${code})`,
      });
    }
  }

  const keyProblem = problems.length > before;
  if (environment === 'demo' || environment === 'production') {
    if (!apiKeyId && !keyIdMisplaced) {
      problems.push({
        file,
        ...place(['exchange', 'environment']),
        path: 'exchange.apiKeyId',
        message: `${environment} needs an API key id: set the environment variable ${SECRET_ENV.apiKeyId}`,
      });
    }
    if (!privateKeyPem && !keyProblem) {
      problems.push({
        file,
        ...place(['exchange', 'environment']),
        path: 'exchange.privateKeyPath',
        message: `${environment} needs the API key's private key: set ${SECRET_ENV.privateKeyPem} (the PEM) or ${SECRET_ENV.privateKeyPath} / exchange.privateKeyPath (a file)`,
      });
    }
  }

  const opsToken = nonEmpty(env[SECRET_ENV.opsToken]);
  if (opsToken !== undefined && opsToken.length < MIN_OPS_TOKEN_LENGTH) {
    problems.push({
      file,
      path: 'ops',
      message: `${SECRET_ENV.opsToken} is shorter than ${MIN_OPS_TOKEN_LENGTH} characters: use a long random token (e.g. openssl rand -hex 32)`,
    });
  }

  const opsMetricsToken = nonEmpty(env[SECRET_ENV.opsMetricsToken]);
  if (opsMetricsToken !== undefined && opsMetricsToken.length < MIN_OPS_TOKEN_LENGTH) {
    problems.push({
      file,
      path: 'ops',
      message: `${SECRET_ENV.opsMetricsToken} is shorter than ${MIN_OPS_TOKEN_LENGTH} characters: use a long random token (e.g. openssl rand -hex 32)`,
    });
  } else if (opsMetricsToken !== undefined && opsMetricsToken === opsToken) {
    // A scraper's credential must not also stop the bot.
    problems.push({
      file,
      path: 'ops',
      message: `${SECRET_ENV.opsMetricsToken} equals ${SECRET_ENV.opsToken}: the read-only token must differ from the kill token`,
    });
  }

  problems.push(...redisUrlProblems(data, file, place));
  const redisPassword = nonEmpty(env[SECRET_ENV.redisPassword]);

  const secrets: ConfigSecrets = {
    ...(redisPassword ? { redisPassword } : {}),
    ...(apiKeyId ? { apiKeyId } : {}),
    ...(privateKeyPem ? { privateKeyPem } : {}),
    ...(opsToken ? { opsToken } : {}),
    ...(opsMetricsToken ? { opsMetricsToken } : {}),
  };
  return { secrets, ...(privateKeyPath ? { privateKeyPath } : {}), problems };
}

/** A password written into `cluster.redis` would be echoed by --print-config and logs: refused. */
function redisUrlProblems(
  data: unknown,
  file: string,
  place: (path: readonly (string | number)[]) => { line?: number; column?: number },
): ConfigProblem[] {
  const raw = nonEmpty(valueAt(data, ['cluster', 'redis']));
  if (!raw) return [];
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    return []; // the schema reports a malformed URL
  }
  if (parsed.password === '' && parsed.username === '') return [];
  return [
    {
      file,
      ...place(['cluster', 'redis']),
      path: 'cluster.redis',
      message: `cluster.redis carries credentials: put the password in ${SECRET_ENV.redisPassword} (and an ACL user, if any, stays out of the URL too) ${NOT_SHOWN}`,
    },
  ];
}

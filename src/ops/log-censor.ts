/**
 * Structural redaction of log objects: any value under a secret name (`privateKey`, `apiKeyId`,
 * `authorization`, `KALSHI-ACCESS-SIGNATURE`, … as `isSecretName` judges) becomes `[REDACTED]`,
 * objects and numbers included, a few levels deep, through plain objects, arrays and errors.
 *
 * It replaces pino's `redact` option, whose wildcard paths ran a clone-and-match of ~40 paths on
 * every field of every line and every child logger's bindings: half of everything the bot
 * allocated under load. Here a line is walked once, key names are judged from a memo, and only
 * an object that holds a secret is copied (the caller's objects are never changed). The text
 * scrubber on the output stream stays the second line of defence (secret values anywhere).
 */
import { isSecretName, REDACTED } from '../domain/redact.js';

/** Levels below the line's own fields that are searched (`err.request.headers.X` is 3). */
const DEPTH = 4;

function isWalkable(value: unknown): value is object {
  if (value === null || typeof value !== 'object') return false;
  if (Array.isArray(value) || value instanceof Error) return true;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** A shallow copy keeping what the serializers look at (an error stays an error). */
function shallowCopy<T extends object>(value: T): T {
  if (Array.isArray(value)) return [...value] as T;
  const copy = Object.create(Object.getPrototypeOf(value) as object | null) as T;
  Object.defineProperties(copy, Object.getOwnPropertyDescriptors(value));
  return copy;
}

function censorLevel<T extends object>(value: T, depth: number): T {
  let copy: T | undefined;
  for (const key of Object.keys(value)) {
    const inner = (value as Record<string, unknown>)[key];
    let next = inner;
    if (inner === undefined || inner === null || inner === '' || typeof inner === 'boolean') continue;
    if (!Array.isArray(value) && isSecretName(key)) next = REDACTED;
    else if (depth > 0 && isWalkable(inner)) next = censorLevel(inner, depth - 1);
    if (next !== inner) {
      copy ??= shallowCopy(value);
      (copy as Record<string, unknown>)[key] = next;
    }
  }
  return copy ?? value;
}

/** The object itself when it holds nothing secret-named, else a censored copy. */
export function censorSecrets<T extends object>(value: T): T {
  return censorLevel(value, DEPTH);
}

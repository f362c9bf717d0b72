import { constants, verify } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { Clock } from '../../domain/clock.js';
import type { Accounts, SimUser } from '../accounts/accounts.js';
import { SimError } from '../errors.js';

export interface AuthConfig {
  /** How old a request timestamp may be. Kalshi rejected −30 s and accepted −10 s. @default 20000 */
  readonly pastToleranceMs: number;
  /** How far ahead it may be. Kalshi accepted +30 s and rejected +60 s. @default 45000 */
  readonly futureToleranceMs: number;
  /** Wall time for timestamps (not the simulation clock: clients sign with their real clock). */
  readonly wallClock: Clock;
  /** Server clock offset (the `skewMs` fault). */
  readonly skewMs: () => number;
}

const authError = (details: string, message: string): SimError =>
  new SimError(401, 'authentication_error', message, details);

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Whether the request carries any of Kalshi's auth headers (public endpoints then verify too). */
export function hasAuthHeaders(headers: IncomingHttpHeaders): boolean {
  return (
    header(headers, 'kalshi-access-key') !== undefined ||
    header(headers, 'kalshi-access-signature') !== undefined ||
    header(headers, 'kalshi-access-timestamp') !== undefined
  );
}

/**
 * Verifies a signed request as Kalshi does: RSA-PSS/SHA-256, salt length = digest length,
 * over `timestamp + METHOD + path` (path without the query string). Any failure is a 401
 * with Kalshi's body for it.
 */
export function authenticate(
  headers: IncomingHttpHeaders,
  method: string,
  path: string,
  accounts: Accounts,
  config: AuthConfig,
): SimUser {
  const keyId = header(headers, 'kalshi-access-key');
  const signature = header(headers, 'kalshi-access-signature');
  const timestamp = header(headers, 'kalshi-access-timestamp');
  if (!keyId) throw new SimError(401, 'key_is_missing_from_headers', 'key is missing from headers');
  if (!signature) {
    throw new SimError(401, 'signature_is_missing_from_headers', 'signature is missing from headers');
  }
  if (!timestamp) {
    throw new SimError(401, 'timestamp_is_missing_from_headers', 'timestamp is missing from headers');
  }
  if (!/^\d{1,16}$/.test(timestamp)) throw authError('INVALID_TIMESTAMP', 'invalid timestamp header');
  const now = config.wallClock.now() + config.skewMs();
  const ts = Number(timestamp);
  if (ts < now - config.pastToleranceMs || ts > now + config.futureToleranceMs) {
    throw new SimError(401, 'header_timestamp_expired', 'header timestamp expired');
  }
  const user = accounts.byKeyId(keyId);
  if (!user?.publicKey) throw authError('NOT_FOUND', 'api key not found');
  const message = Buffer.from(`${timestamp}${method.toUpperCase()}${path}`, 'utf8');
  let ok = false;
  try {
    ok = verify(
      'sha256',
      message,
      {
        key: user.publicKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
      },
      Buffer.from(signature, 'base64'),
    );
  } catch {
    ok = false;
  }
  if (!ok) throw authError('INCORRECT_API_KEY_SIGNATURE', 'incorrect api key signature');
  return user;
}

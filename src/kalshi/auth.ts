/**
 * Kalshi request signing: RSA-PSS with SHA-256, MGF1-SHA256, salt length = digest length, over
 * `<ms timestamp><METHOD><path>` where path is the URL pathname (with `/trade-api/v2`, without
 * the query). Nothing here ever puts key material, the key id or a signature into a message.
 */
import { constants, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { type Clock, systemClock } from '../domain/clock.js';
import { WS_PATH } from './wire.js';

export const ACCESS_KEY_HEADER = 'KALSHI-ACCESS-KEY';
export const ACCESS_TIMESTAMP_HEADER = 'KALSHI-ACCESS-TIMESTAMP';
export const ACCESS_SIGNATURE_HEADER = 'KALSHI-ACCESS-SIGNATURE';

export interface KalshiCredentials {
  /** The API key id. A secret: never logged. */
  readonly keyId: string;
  readonly privateKey: KeyObject;
}

export interface AuthHeaders {
  readonly 'KALSHI-ACCESS-KEY': string;
  readonly 'KALSHI-ACCESS-TIMESTAMP': string;
  readonly 'KALSHI-ACCESS-SIGNATURE': string;
}

/** The private key could not be loaded. The message names the source, never its content. */
export class KeyLoadError extends Error {
  override readonly name = 'KeyLoadError';
  readonly code = 'invalid_private_key';
  constructor(
    message: string,
    /** `file <path>` or `PEM string`: where the key was looked for. */
    readonly source: string,
  ) {
    super(`Kalshi private key (${source}): ${message}`);
  }
}

/** Where a private key comes from: a PEM file, or PEM text (e.g. env `KALSHI_PRIVATE_KEY_PEM`). */
export type PrivateKeySource = { readonly pemPath: string } | { readonly pem: string };

const PRIVATE_PEM = /-----BEGIN (RSA |ENCRYPTED )?PRIVATE KEY-----/;

/** Parses a PKCS#1 (`RSA PRIVATE KEY`) or PKCS#8 (`PRIVATE KEY`) PEM. */
export function parsePrivateKey(pem: string, source = 'PEM string'): KeyObject {
  if (typeof pem !== 'string' || pem.trim() === '') throw new KeyLoadError('is empty', source);
  // Env files often carry the PEM on one line with literal "\n" escapes.
  const text = pem.includes('-----') && !pem.includes('\n') ? pem.replace(/\\n/g, '\n') : pem;
  if (/-----BEGIN (RSA )?PUBLIC KEY-----|-----BEGIN CERTIFICATE-----/.test(text)) {
    throw new KeyLoadError('is a public key or certificate; the private key is needed', source);
  }
  const header = PRIVATE_PEM.exec(text);
  if (!header) {
    throw new KeyLoadError(
      'is not a PEM private key (expected "-----BEGIN RSA PRIVATE KEY-----" or "-----BEGIN PRIVATE KEY-----")',
      source,
    );
  }
  if (header[1] === 'ENCRYPTED ' || /Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new KeyLoadError('is encrypted; provide an unencrypted PEM', source);
  }
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch {
    // The crypto error text is not echoed: it could quote part of the input.
    throw new KeyLoadError('could not be parsed (corrupt or truncated PEM)', source);
  }
  if (key.asymmetricKeyType !== 'rsa' && key.asymmetricKeyType !== 'rsa-pss') {
    throw new KeyLoadError(`is a ${key.asymmetricKeyType ?? 'non-RSA'} key; Kalshi keys are RSA`, source);
  }
  // A damaged key can still parse; a sign-and-verify round trip catches it now, not as 401s later.
  if (!selfTest(key)) throw new KeyLoadError('failed a sign-and-verify self-test (corrupt key)', source);
  return key;
}

function selfTest(key: KeyObject): boolean {
  const message = Buffer.from('kalshi-rfq-maker key self-test');
  const options = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST };
  try {
    const signature = sign('sha256', message, { key, ...options });
    return verify('sha256', message, { key: createPublicKey(key), ...options }, signature);
  } catch {
    return false;
  }
}

/** Reads and parses a PEM private key file. */
export function loadPrivateKeyFile(path: string): KeyObject {
  const source = `file ${path}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'read error';
    throw new KeyLoadError(`cannot be read (${code})`, source);
  }
  return parsePrivateKey(text, source);
}

export function loadPrivateKey(from: PrivateKeySource): KeyObject {
  return 'pemPath' in from ? loadPrivateKeyFile(from.pemPath) : parsePrivateKey(from.pem);
}

/** Builds credentials, checking the key id is present and the key parses. */
export function makeCredentials(keyId: string, from: PrivateKeySource | KeyObject): KalshiCredentials {
  if (typeof keyId !== 'string' || keyId.trim() === '') {
    throw new KeyLoadError('the API key id is empty', 'key id');
  }
  const privateKey = 'pemPath' in from || 'pem' in from ? loadPrivateKey(from) : from;
  return Object.freeze({ keyId: keyId.trim(), privateKey });
}

/** `<ms timestamp><METHOD><pathname>`; any query string is cut off. */
export function stringToSign(timestampMs: number, method: string, path: string): string {
  const q = path.indexOf('?');
  const pathname = q === -1 ? path : path.slice(0, q);
  return `${timestampMs}${method.toUpperCase()}${pathname}`;
}

/** Base64 RSA-PSS (SHA-256, MGF1-SHA256, salt = digest length) signature of `message`. */
export function signMessage(privateKey: KeyObject, message: string): string {
  return sign('sha256', Buffer.from(message, 'utf8'), {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  }).toString('base64');
}

/**
 * The three auth headers for one request. `path` is the URL pathname, including
 * `/trade-api/v2`; a query string, if passed, is not signed.
 */
export function signRequest(
  credentials: KalshiCredentials,
  method: string,
  path: string,
  timestampMs: number,
): AuthHeaders {
  const ts = Math.trunc(timestampMs);
  return {
    [ACCESS_KEY_HEADER]: credentials.keyId,
    [ACCESS_TIMESTAMP_HEADER]: String(ts),
    [ACCESS_SIGNATURE_HEADER]: signMessage(credentials.privateKey, stringToSign(ts, method, path)),
  } as AuthHeaders;
}

/**
 * Headers for the WebSocket upgrade (`GET /trade-api/ws/v2`; pass the `wss://` URL or its path). Call it on every (re)connect:
 * each handshake needs a fresh timestamp.
 */
export function signWebSocketHandshake(
  credentials: KalshiCredentials,
  clock: Clock = systemClock,
  pathOrUrl: string = WS_PATH,
): AuthHeaders {
  const path = /^wss?:\/\//i.test(pathOrUrl) ? new URL(pathOrUrl).pathname : pathOrUrl;
  return signRequest(credentials, 'GET', path, clock.now());
}

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export interface TestKey {
  /** A fake API key id (UUID-shaped, like Kalshi's). */
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** PKCS#1 "RSA PRIVATE KEY" PEM, the format Kalshi hands out. */
  readonly privatePem: string;
  readonly publicPem: string;
  /** Paths of the PEMs written to a fresh temporary directory. */
  readonly privatePemPath: string;
  readonly publicPemPath: string;
}

let counter = 0;

/**
 * Generating a 2048-bit RSA key costs ~80 ms of CPU; tests take theirs from a pool of this many,
 * kept on disk between runs. Keys are told apart by their ids, so a pool only needs to be larger
 * than the keys one test uses at once.
 */
const POOL_SIZE = 64;
const POOL_DIR = resolve(import.meta.dirname, '../../node_modules/.cache/kalshi-rfq-maker/test-keys');

function pooledKeyPair(index: number): { privateKey: KeyObject; publicKey: KeyObject } {
  const file = join(POOL_DIR, `rsa-${index % POOL_SIZE}.pem`);
  try {
    const privateKey = createPrivateKey(readFileSync(file, 'utf8'));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    mkdirSync(POOL_DIR, { recursive: true });
    const temporary = `${file}.${process.pid}`;
    writeFileSync(temporary, pair.privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    renameSync(temporary, file);
    return pair;
  }
}

/** A 2048-bit RSA key pair (as Kalshi issues) with an id of its own, written to a temp dir. */
export function makeTestKey(): TestKey {
  const { privateKey, publicKey } = pooledKeyPair(counter + process.pid);
  const privatePem = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const dir = mkdtempSync(join(tmpdir(), 'kalshi-key-'));
  const privatePemPath = join(dir, 'private.pem');
  const publicPemPath = join(dir, 'public.pem');
  writeFileSync(privatePemPath, privatePem, { mode: 0o600 });
  writeFileSync(publicPemPath, publicPem);
  counter += 1;
  const keyId = `00000000-0000-4000-8000-${String(counter).padStart(4, '0')}${process.pid.toString(16).padStart(8, '0').slice(-8)}`;
  return { keyId, privateKey, publicKey, privatePem, publicPem, privatePemPath, publicPemPath };
}

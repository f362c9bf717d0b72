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
 * Generating a 2048-bit RSA key costs ~80 ms of CPU; tests take theirs from a pool of this many
 * per size, kept on disk between runs. Keys are told apart by their ids, so a pool only needs to
 * be larger than the keys one test uses at once.
 */
const POOL_SIZE = 64;
const POOL_DIR = resolve(import.meta.dirname, '../../node_modules/.cache/kalshi-rfq-maker/test-keys');

/**
 * Key sizes. Kalshi issues 2048-bit keys: the signing tests use those. Everything else signs with
 * 1024-bit keys, the same code at a third of the cost (0.13 ms a signature against 0.36 ms here):
 * the suite's in-process bots sign ~10,000 requests, 3 s of its CPU at 2048 bits.
 */
export type KeyBits = 1024 | 2048;

function pooledKeyPair(index: number, bits: KeyBits): { privateKey: KeyObject; publicKey: KeyObject } {
  const file = join(
    POOL_DIR,
    bits === 2048 ? `rsa-${index % POOL_SIZE}.pem` : `rsa${bits}-${index % POOL_SIZE}.pem`,
  );
  try {
    const privateKey = createPrivateKey(readFileSync(file, 'utf8'));
    return { privateKey, publicKey: createPublicKey(privateKey) };
  } catch {
    const pair = generateKeyPairSync('rsa', { modulusLength: bits });
    mkdirSync(POOL_DIR, { recursive: true });
    const temporary = `${file}.${process.pid}`;
    writeFileSync(temporary, pair.privateKey.export({ type: 'pkcs1', format: 'pem' }), { mode: 0o600 });
    renameSync(temporary, file);
    return pair;
  }
}

/** An RSA key pair (1024-bit unless asked: see KeyBits) with an id of its own, written to a temp dir. */
export function makeTestKey(bits: KeyBits = 1024): TestKey {
  const { privateKey, publicKey } = pooledKeyPair(counter + process.pid, bits);
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

import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

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

/** A fresh 2048-bit RSA key pair (as Kalshi issues), written to a temp dir. */
export function makeTestKey(): TestKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
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

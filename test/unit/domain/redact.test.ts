import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  createRedactor,
  isSecretName,
  REDACTED,
  redactText,
  redactValue,
  secretValuesOf,
} from '../../../src/domain/redact.js';
import { makeTestKey } from '../../helpers/keys.js';

const key = makeTestKey();
const bodyLines = key.privatePem.split('\n').filter((line) => line.length > 20 && !line.startsWith('-----'));

function expectNoKey(text: string): void {
  expect(text).not.toContain('PRIVATE KEY-----');
  for (const line of bodyLines) expect(text).not.toContain(line);
}

describe('isSecretName', () => {
  it('judges a name by its last word(s)', () => {
    for (const name of [
      'apiKeyId',
      'KALSHI_API_KEY_ID',
      'KALSHI_PRIVATE_KEY_PEM',
      'OPS_TOKEN',
      'METRICS_TOKEN',
      'Authorization',
      'KALSHI-ACCESS-KEY',
      'KALSHI-ACCESS-SIGNATURE',
      'x-api-key',
      'api_key',
      'key_id',
      'privateKey',
      'password',
      'clientSecret',
      'access_token',
      'cookie',
    ]) {
      expect(isSecretName(name), name).toBe(true);
    }
    for (const name of [
      'KALSHI_PRIVATE_KEY_PATH',
      'privateKeyPath',
      'confirmReserveTokens',
      'minReadTokens',
      'token_cost',
      'KALSHI-ACCESS-TIMESTAMP',
      'authenticated',
      'PWD',
      'communicationsId',
      'key',
    ]) {
      expect(isSecretName(name), name).toBe(false);
    }
  });

  it('is terser for URL query parameters: key and sig are credentials there', () => {
    expect(isSecretName('key', 'query')).toBe(true);
    expect(isSecretName('sig', 'query')).toBe(true);
    expect(isSecretName('region', 'query')).toBe(false);
  });
});

describe('redactText', () => {
  it('replaces PEM blocks of any kind, whole, cut short, or with escaped newlines', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const ecPem = privateKey.export({ type: 'sec1', format: 'pem' }).toString().trim();
    const certLike = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUQ\n-----END CERTIFICATE-----';
    for (const text of [
      `cannot read the private key file /srv/${key.privatePem} (ENOENT)`,
      `truncated: ${key.privatePem.slice(0, 300)}`,
      JSON.stringify({ msg: `env held ${key.privatePem}` }),
      `escaped ${key.privatePem.replaceAll('\n', '\\n')}`,
    ]) {
      const out = redactText(text);
      expectNoKey(out);
      expect(out).toContain(REDACTED);
    }
    expect(redactText(`ec ${ecPem}`)).toBe(`ec ${REDACTED}`);
    expect(redactText(`cert ${certLike} end`)).toBe(`cert ${REDACTED} end`);
    expect(redactText('a header alone: -----BEGIN RSA PRIV')).toBe(`a header alone: ${REDACTED}`);
    // A key split at its first "=" (a CLI's key=value): the tail's END line goes too.
    const tail = '==\n-----END RSA PRIVATE KEY-----\n';
    expect(redactText(`cannot read ${tail}`)).toBe(`cannot read ==\n${REDACTED}\n`);
  });

  it('replaces the given secret values wherever they occur, and each line of a given PEM', () => {
    const token = 'ops-token-5f1c2b9a7e';
    const redact = createRedactor([key.keyId, token, key.privatePem, undefined]);
    const fragment = bodyLines[3]!;
    const out = redact(
      `key ${key.keyId} token ${token} url ?t=${encodeURIComponent(token)} fragment ${fragment} end`,
    );
    expect(out).toBe(`key ${REDACTED} token ${REDACTED} url ?t=${REDACTED} fragment ${REDACTED} end`);
  });

  it('replaces bearer and basic credentials, JSON Web Tokens and long random base64', () => {
    expect(redactText('Authorization: Bearer abcdefgh12345678')).toBe(`Authorization: Bearer ${REDACTED}`);
    expect(redactText('authorization: Basic dXNlcjpwYXNzd29yZA==')).toBe(`authorization: Basic ${REDACTED}`);
    const jwt =
      'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U';
    expect(redactText(`jwt ${jwt}`)).toBe(`jwt ${REDACTED}`);
    const signature = Buffer.from(Array.from({ length: 96 }, (_, i) => (i * 37) % 256)).toString('base64');
    expect(redactText(`sig ${signature}`)).toBe(`sig ${REDACTED}`);
  });

  it('replaces JSON fields and URL query parameters by their names', () => {
    expect(
      redactText('{"apiToken":"s3cr3t","clientSecret":"abc","source":"x","confirmReserveTokens":30}'),
    ).toBe(`{"apiToken":"${REDACTED}","clientSecret":"${REDACTED}","source":"x","confirmReserveTokens":30}`);
    expect(
      redactText('GET https://feed.example/fv.json?region=us&token=abc123&api_key=zz9&key=k1&sig=s'),
    ).toBe(
      `GET https://feed.example/fv.json?region=us&token=${REDACTED}&api_key=${REDACTED}&key=${REDACTED}&sig=${REDACTED}`,
    );
    expect(redactText('started with OPS_TOKEN=abcdef0123456789 PORT=9464')).toBe(
      `started with OPS_TOKEN=${REDACTED} PORT=9464`,
    );
  });

  it('leaves ordinary text alone: tickers, ids, hashes, paths, YAML', () => {
    for (const text of [
      '{"rfqId":"r-1","msg":"quote created","token_cost":2,"tier":"basic"}',
      'communications id 7a381ce68398f6ddb076b8abf001ac9929c65fc1604a5424a197a5269fd60404',
      'quote 0ffa9652-6e29-4430-a18b-153f82a3d0a8 on KXMVESPORTSMULTIGAMEEXTENDED-S2026DEC31-48CF3F',
      'simulator:\n  tier: basic\n  confirmWindowMs: 30000\n',
      'Basic confirmation of the quote; bearer of bad news',
      '/work/wt/secrets/strategies/fair-value-feed.ts',
    ]) {
      expect(redactText(text)).toBe(text);
    }
    // Too short to redact by value without mangling ordinary text.
    expect(createRedactor(['abc'])('abc')).toBe('abc');
  });
});

describe('redactValue', () => {
  it('hides values under secret names (whole maps too) and redacts the strings elsewhere', () => {
    expect(
      redactValue({
        source: 'https://x.example/fv?token=abc&x=1',
        apiKey: 'k-123',
        spread: '0.03',
        nested: { password: 1234, enabled: true, list: [`pem ${key.privatePem.trim()}`] },
        auth: { user: 'u', pass: 'p' },
        clientToken: '',
        confirmReserveTokens: 30,
      }),
    ).toEqual({
      source: `https://x.example/fv?token=${REDACTED}&x=1`,
      apiKey: REDACTED,
      spread: '0.03',
      nested: { password: REDACTED, enabled: true, list: [`pem ${REDACTED}`] },
      auth: REDACTED,
      clientToken: '',
      confirmReserveTokens: 30,
    });
  });
});

describe('secretValuesOf', () => {
  it('takes the values of secret-named variables only', () => {
    expect(
      secretValuesOf({
        KALSHI_API_KEY_ID: 'id-1',
        OPS_TOKEN: 'tok',
        KALSHI_PRIVATE_KEY_PATH: '/k.pem',
        PWD: '/home/me',
        UNSET_TOKEN: undefined,
      }),
    ).toEqual(['id-1', 'tok']);
  });
});

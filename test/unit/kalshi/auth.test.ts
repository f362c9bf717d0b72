import { constants, generateKeyPairSync, verify } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import {
  AuthenticationError,
  KalshiClient,
  KeyLoadError,
  loadPrivateKey,
  makeCredentials,
  parsePrivateKey,
  signRequest,
  signWebSocketHandshake,
  stringToSign,
} from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { harness, QUOTE_ID, RFQ_ID, rejection, testKey, wireMarket } from './fixtures.js';

function verifies(message: string, signature: string, publicKey = testKey().publicKey): boolean {
  return verify(
    'sha256',
    Buffer.from(message),
    { key: publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(signature, 'base64'),
  );
}

describe('request signing against a live server', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('signs timestamp + METHOD + pathname (with /trade-api/v2, without the query) and the signature verifies', async () => {
    const ts = 1703123456789;
    const { client } = harness(server, { clock: new ManualClock(ts) });
    server.reply('GET', '/communications/rfqs', { json: { rfqs: [], cursor: '' } });
    await client.rfqsPage({ status: 'open', limit: 100 });

    const [req] = server.requests;
    expect(req?.search).toBe('?status=open&limit=100');
    expect(req?.headers['kalshi-access-key']).toBe(testKey().keyId);
    expect(req?.headers['kalshi-access-timestamp']).toBe('1703123456789');
    const signature = String(req?.headers['kalshi-access-signature']);
    expect(signature).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(signature).toHaveLength(344); // 2048-bit key
    expect(verifies('1703123456789GET/trade-api/v2/communications/rfqs', signature)).toBe(true);
    // The path as the server received it is exactly what was signed.
    expect(verifies(`1703123456789GET${req?.path}`, signature)).toBe(true);
    expect(
      verifies('1703123456789GET/trade-api/v2/communications/rfqs?status=open&limit=100', signature),
    ).toBe(false);
    expect(verifies('1703123456789GET/communications/rfqs', signature)).toBe(false);
  });

  it('signs a PUT confirm on the RFQ-scoped path and sends {} as JSON', async () => {
    const ts = 1703123456789;
    const { client } = harness(server, { clock: new ManualClock(ts) });
    const path = `/communications/rfqs/${RFQ_ID}/quotes/${QUOTE_ID}/confirm`;
    server.reply('PUT', path, { status: 204 });
    await client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: ts + 3000 });
    const [req] = server.requests;
    expect(req?.method).toBe('PUT');
    expect(req?.headers['content-type']).toMatch(/^application\/json/);
    expect(req?.body).toBe('{}');
    expect(verifies(`${ts}PUT/trade-api/v2${path}`, String(req?.headers['kalshi-access-signature']))).toBe(
      true,
    );
  });

  it('re-signs every request with a fresh timestamp', async () => {
    const clock = new ManualClock(1_800_000_000_000);
    const { client } = harness(server, { clock });
    server.reply(
      'GET',
      '/communications/id',
      { json: { communications_id: 'a' } },
      { json: { communications_id: 'a' } },
    );
    await client.getCommunicationsId();
    clock.advance(1234);
    await client.getCommunicationsId();
    const [a, b] = server.requests;
    expect(a?.headers['kalshi-access-timestamp']).toBe('1800000000000');
    expect(b?.headers['kalshi-access-timestamp']).toBe('1800000001234');
    expect(a?.headers['kalshi-access-signature']).not.toBe(b?.headers['kalshi-access-signature']);
    expect(
      verifies(
        '1800000001234GET/trade-api/v2/communications/id',
        String(b?.headers['kalshi-access-signature']),
      ),
    ).toBe(true);
  });

  it('sends public calls unsigned without credentials and fails authenticated ones before sending', async () => {
    const client = new KalshiClient({ baseUrl: server.baseUrl });
    server.reply('GET', '/markets/KXTEST-26JUL06-T50', { json: { market: wireMarket() } });
    const market = await client.getMarket('KXTEST-26JUL06-T50');
    expect(market.ticker).toBe('KXTEST-26JUL06-T50');
    expect(server.requests[0]?.headers['kalshi-access-key']).toBeUndefined();
    expect(server.requests[0]?.headers['kalshi-access-signature']).toBeUndefined();

    const error = await rejection(client.getBalance());
    expect(error).toBeInstanceOf(AuthenticationError);
    expect((error as Error).message).toMatch(/no Kalshi credentials are configured/);
    expect((error as AuthenticationError).status).toBeUndefined();
    expect(server.requests).toHaveLength(1);
    expect(() => client.signWebSocketHandshake()).toThrow(AuthenticationError);
  });
});

describe('signing helpers', () => {
  it('cuts the query string from the signed path', () => {
    expect(stringToSign(5, 'get', '/trade-api/v2/markets?limit=1')).toBe('5GET/trade-api/v2/markets');
    const headers = signRequest(testKey(), 'DELETE', '/trade-api/v2/communications/quotes/q?x=1', 42.9);
    expect(headers['KALSHI-ACCESS-TIMESTAMP']).toBe('42');
    expect(
      verifies('42DELETE/trade-api/v2/communications/quotes/q', headers['KALSHI-ACCESS-SIGNATURE']),
    ).toBe(true);
  });

  it('signs the WebSocket handshake as GET /trade-api/ws/v2, from a path or a wss URL', () => {
    const clock = new ManualClock(1703123456789);
    const fromPath = signWebSocketHandshake(testKey(), clock);
    expect(fromPath['KALSHI-ACCESS-KEY']).toBe(testKey().keyId);
    expect(verifies('1703123456789GET/trade-api/ws/v2', fromPath['KALSHI-ACCESS-SIGNATURE'])).toBe(true);
    const fromUrl = signWebSocketHandshake(
      testKey(),
      clock,
      'wss://external-api-ws.demo.kalshi.co/trade-api/ws/v2',
    );
    expect(verifies('1703123456789GET/trade-api/ws/v2', fromUrl['KALSHI-ACCESS-SIGNATURE'])).toBe(true);
  });
});

describe('private key loading', () => {
  const pemOf = () => testKey().privatePem;

  it('loads PKCS#1 from a file and PKCS#8 from a string; both sign verifiably', () => {
    const key = testKey();
    const pkcs8 = key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    expect(pkcs8).toContain('BEGIN PRIVATE KEY');
    expect(pemOf()).toContain('BEGIN RSA PRIVATE KEY');
    for (const privateKey of [
      loadPrivateKey({ pemPath: key.privatePemPath }),
      loadPrivateKey({ pem: pkcs8 }),
    ]) {
      const headers = signRequest({ keyId: 'k', privateKey }, 'GET', '/trade-api/v2/x', 1);
      expect(verifies('1GET/trade-api/v2/x', headers['KALSHI-ACCESS-SIGNATURE'])).toBe(true);
    }
  });

  it('accepts a one-line PEM with literal \\n escapes, as env files carry it', () => {
    const oneLine = pemOf().trim().replace(/\n/g, '\\n');
    expect(oneLine).not.toContain('\n');
    const privateKey = parsePrivateKey(oneLine);
    const headers = signRequest({ keyId: 'k', privateKey }, 'GET', '/p', 7);
    expect(verifies('7GET/p', headers['KALSHI-ACCESS-SIGNATURE'])).toBe(true);
  });

  it('fails clearly on bad keys without echoing key material', () => {
    const pem = pemOf();
    const body = pem.split('\n').slice(1, -2).join('');
    const truncated = pem.slice(0, pem.length / 2);
    // Damage the modulus (the first body line): damage further in can hit the private exponent,
    // which CRT signing never uses, so such a key still signs correctly (1 key in ~40 did).
    const lines = pem.split('\n');
    lines[1] = `${lines[1]!.slice(0, 20)}${'A'.repeat(20)}${lines[1]!.slice(40)}`;
    const corrupt = lines.join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'kalshi-badkey-'));
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
      type: 'pkcs8',
      format: 'pem',
    });
    const encrypted = testKey()
      .privateKey.export({ type: 'pkcs8', format: 'pem', cipher: 'aes-256-cbc', passphrase: 'pw' })
      .toString();
    const cases: [() => unknown, RegExp][] = [
      [() => parsePrivateKey(''), /is empty/],
      [() => parsePrivateKey('not a key at all'), /is not a PEM private key/],
      [() => parsePrivateKey(testKey().publicPem), /public key/],
      [() => parsePrivateKey(truncated), /could not be parsed|not a PEM/],
      [() => parsePrivateKey(corrupt), /could not be parsed|self-test/],
      [() => parsePrivateKey(ec.toString()), /ec key; Kalshi keys are RSA/],
      [() => parsePrivateKey(encrypted), /encrypted/],
      [() => loadPrivateKey({ pemPath: join(dir, 'missing.pem') }), /cannot be read \(ENOENT\)/],
      [() => makeCredentials('  ', { pem }), /key id is empty/],
    ];
    for (const [load, expected] of cases) {
      let error: unknown;
      try {
        load();
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(KeyLoadError);
      const message = (error as Error).message;
      expect(message).toMatch(expected);
      expect(message).not.toContain(body.slice(0, 40));
      expect(message).not.toMatch(/[A-Za-z0-9+/]{40,}/);
      expect((error as KeyLoadError).code).toBe('invalid_private_key');
    }
    const badFile = join(dir, 'bad.pem');
    writeFileSync(badFile, corrupt);
    expect(() => loadPrivateKey({ pemPath: badFile })).toThrow(`file ${badFile}`);
  });

  it('builds frozen credentials from a key id and a PEM', () => {
    const credentials = makeCredentials(' key-1 ', { pem: pemOf() });
    expect(credentials.keyId).toBe('key-1');
    expect(credentials.privateKey.asymmetricKeyType).toBe('rsa');
    expect(Object.isFrozen(credentials)).toBe(true);
  });
});

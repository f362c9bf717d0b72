import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { KalshiClient, NetworkError, parsePrivateKey } from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { captureLogs, harness, QUOTE_ID, RFQ_ID, rejection, T0, testKey, wireQuote } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

/** Every fragment that must never leave the process through a log line or an error. */
function secrets(): string[] {
  const key = testKey();
  const pemLines = key.privatePem.split('\n').filter((l) => l !== '' && !l.startsWith('-----'));
  const signatures = server.requests
    .map((r) => String(r.headers['kalshi-access-signature'] ?? ''))
    .filter(Boolean);
  return [key.keyId, ...pemLines, ...signatures.map((s) => s.slice(0, 24))];
}

describe('secrets stay secret', () => {
  it('no log line or error message carries the key id, the PEM or a signature', async () => {
    const { client, logs } = harness(server, {
      clock: new ManualClock(T0),
      timeoutMs: 1000,
      retry: { readAttempts: 2 },
    });
    const keyId = testKey().keyId;
    const errors: unknown[] = [];
    const attempt = async (p: Promise<unknown>) => {
      try {
        await p;
      } catch (error) {
        errors.push(error);
      }
    };

    // An exchange that echoes the key id back in its error text.
    server.reply('GET', '/communications/id', {
      status: 401,
      json: { error: { code: 'authentication_error', message: `invalid signature for key ${keyId}` } },
    });
    await attempt(client.getCommunicationsId());
    server.reply(
      'GET',
      '/portfolio/balance',
      { status: 500, body: `oops ${keyId}` },
      { destroy: 'before-response' },
    );
    await attempt(client.getBalance());
    server.reply('GET', '/communications/quotes', { json: { quotes: [wireQuote({ mystery: keyId })] } });
    await attempt(client.quotesPage({ userFilter: 'self' }));
    server.reply('POST', '/communications/quotes', { delayMs: 15_000, status: 201, json: { id: 'q' } });
    server.handle('GET', '/communications/quotes', () => ({ status: 503, body: '' }));
    await attempt(
      client.createQuote({ rfqId: RFQ_ID, yesBid: 400_000, noBid: 400_000, restRemainder: false }),
    );
    server.reply('PUT', `/communications/rfqs/${RFQ_ID}/quotes/${QUOTE_ID}/confirm`, {
      status: 400,
      json: { error: { code: 'expired', service: 'midland' } },
    });
    await attempt(client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: T0 + 1000 }));
    await attempt(client.confirmQuote(RFQ_ID, QUOTE_ID, { deadline: T0 - 1 }));
    await attempt(client.getOrderBook('NOPE'));

    expect(errors.length).toBeGreaterThanOrEqual(6);
    expect(server.requests.length).toBeGreaterThanOrEqual(8);
    const unknownField = logs.lines().find((l) => l['field'] === 'mystery');
    expect(unknownField).toBeDefined();

    // How an app would log these errors: through pino's error serializer.
    for (const error of errors) logs.logger.error({ err: error }, 'request failed');
    const texts = [
      ...logs.raw,
      ...errors.map((e) => `${(e as Error).message}\n${(e as Error).stack ?? ''}`),
      ...errors.map((e) => JSON.stringify(e)),
    ];
    for (const secret of secrets()) {
      expect(secret.length).toBeGreaterThanOrEqual(16);
      for (const text of texts) expect(text).not.toContain(secret);
    }
    expect(errors.map((e) => (e as Error).message).join('\n')).toContain('[redacted]');
  });

  it('a redirect is not followed: the signed request never reaches another origin', async () => {
    const elsewhere = await startTestServer();
    try {
      elsewhere.handle('GET', '/communications/id', () => ({ json: { communications_id: 'c0ffee' } }));
      server.handle('GET', '/communications/id', () => ({
        status: 307,
        headers: { location: `${elsewhere.baseUrl}/communications/id` },
      }));
      const { client } = harness(server, { retry: { readAttempts: 2 } });
      const error = await rejection(client.getCommunicationsId());
      expect(server.requestsTo('GET', '/communications/id')).toHaveLength(2);
      expect(elsewhere.requests).toHaveLength(0);
      expect(error).toBeInstanceOf(NetworkError);
      expect((error as NetworkError).message).toMatch(/redirect, which is not followed/);
    } finally {
      await elsewhere.close();
    }
  });

  it('options errors and key errors do not print key material', () => {
    const pem = testKey().privatePem;
    let message = '';
    try {
      parsePrivateKey(pem.replace('-----END RSA PRIVATE KEY-----', ''));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).not.toBe('');
    for (const line of pem.split('\n').filter((l) => l.length > 20 && !l.startsWith('-----'))) {
      expect(message).not.toContain(line);
    }
    const logs = captureLogs();
    expect(
      () =>
        new KalshiClient({
          baseUrl: server.baseUrl,
          credentials: { keyId: '', privateKey: testKey().privateKey },
          logger: logs.logger,
        }),
    ).toThrow(/credentials: the API key id is empty/);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { makeTestKey } from '../../helpers/keys.js';
import { type SimTestUser, sdkError, signKalshi, startTestSimulator } from '../../helpers/simulator.js';

describe('simulator authentication', () => {
  it('accepts a correctly signed request and rejects every kind of bad one with 401', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const u = t.users[0] as SimTestUser;
    const ok = await u.request({ path: '/communications/id?ignored=1' });
    expect(ok.status).toBe(200);
    expect(ok.body).toEqual({ communications_id: u.communicationsId });
    expect(u.communicationsId).toMatch(/^[0-9a-f]{64}$/);

    const stranger = makeTestKey();
    const cases = [
      [
        'bad signature',
        { signature: signKalshi(stranger.privateKey, Date.now(), 'GET', '/trade-api/v2/communications/id') },
        'authentication_error',
      ],
      ['unknown key', { keyId: '11111111-2222-4333-8444-555555555555' }, 'authentication_error'],
      ['stale timestamp', { timestampMs: Date.now() - 60_000 }, 'header_timestamp_expired'],
      ['future timestamp', { timestampMs: Date.now() + 120_000 }, 'header_timestamp_expired'],
      [
        'query string signed',
        { signedPath: '/trade-api/v2/communications/id?ignored=1' },
        'authentication_error',
      ],
      ['path without prefix signed', { signedPath: '/communications/id' }, 'authentication_error'],
      ['missing signature', { omitHeaders: ['signature'] as const }, 'signature_is_missing_from_headers'],
      ['missing key', { omitHeaders: ['key'] as const }, 'key_is_missing_from_headers'],
      ['missing timestamp', { omitHeaders: ['timestamp'] as const }, 'timestamp_is_missing_from_headers'],
    ] as const;
    for (const [name, override, code] of cases) {
      const res = await u.request({ path: '/communications/id?ignored=1', ...override });
      expect(res.status, name).toBe(401);
      expect((res.body as { error: { code: string } }).error.code, name).toBe(code);
    }
    const bad = await u.request({ path: '/communications/id', signature: 'bm90IGEgc2lnbmF0dXJl' });
    expect((bad.body as { error: { details?: string } }).error.details).toBe('INCORRECT_API_KEY_SIGNATURE');
    const unsigned = await fetch(`${t.url}/trade-api/v2/portfolio/balance`);
    expect(unsigned.status).toBe(401);
    const stats = (await t.admin<Record<string, number>>('GET', '/_sim/stats')).body;
    expect(stats['authFailures']).toBeGreaterThanOrEqual(cases.length + 2);
  });

  it('tolerates small clock differences (-10 s, +30 s) and signs no body', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const u = t.users[0] as SimTestUser;
    expect((await u.request({ path: '/portfolio/balance', timestampMs: Date.now() - 10_000 })).status).toBe(
      200,
    );
    expect((await u.request({ path: '/portfolio/balance', timestampMs: Date.now() + 30_000 })).status).toBe(
      200,
    );
    const created = await u.request({
      method: 'POST',
      path: '/communications/rfqs',
      body: { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false, contracts: 1 },
    });
    expect(created.status).toBe(201);
  });

  it('serves public market data unsigned but verifies a signature when one is sent', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const u = t.users[0] as SimTestUser;
    expect((await fetch(`${t.url}/trade-api/v2/markets?limit=1`)).status).toBe(200);
    expect((await fetch(`${t.url}/trade-api/v2/account/endpoint_costs`)).status).toBe(200);
    const wrong = await u.request({ path: '/markets?limit=1', timestampMs: Date.now() - 600_000 });
    expect(wrong.status).toBe(401);
  });

  it('the skewMs fault offsets the server clock so honest clients look stale', async () => {
    const t = await startTestSimulator({ userCount: 1, faults: 'skewMs=120000' });
    const u = t.users[0] as SimTestUser;
    const res = await u.request({ path: '/portfolio/balance' });
    expect(res.status).toBe(401);
    expect((res.body as { error: { code: string } }).error.code).toBe('header_timestamp_expired');
    expect((await u.request({ path: '/portfolio/balance', timestampMs: Date.now() + 120_000 })).status).toBe(
      200,
    );
    await t.admin('DELETE', '/_sim/faults');
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(200);
  });

  it('embedded mode registers a generated key and returns it; requests still need signatures', async () => {
    const t = await startTestSimulator({ userCount: 0, embeddedUser: true });
    const creds = t.sim.embeddedUser;
    expect(creds?.privateKeyPem).toContain('BEGIN RSA PRIVATE KEY');
    const { createPrivateKey } = await import('node:crypto');
    const key = {
      ...makeTestKey(),
      keyId: creds?.keyId as string,
      privateKey: createPrivateKey(creds?.privateKeyPem as string),
      privatePem: creds?.privateKeyPem as string,
    };
    const { rawRequest } = await import('../../helpers/simulator.js');
    const res = await rawRequest(t.url, { path: '/communications/id', key });
    expect(res.body).toEqual({ communications_id: creds?.communicationsId });
    expect((await fetch(`${t.url}/trade-api/v2/communications/id`)).status).toBe(401);
  });
});

describe('simulator rate limits', () => {
  it('answers 429 {"error":"too many requests"} (no Retry-After) once a bucket is spent; read and write are separate', async () => {
    const t = await startTestSimulator({
      userCount: 2,
      rateLimits: { read: { refillRate: 0.001, capacity: 30 }, write: { refillRate: 0.001, capacity: 20 } },
    });
    const [requester, maker] = t.users as [SimTestUser, SimTestUser];
    // 2 RFQ creates at the default 10 tokens spend the requester's write bucket
    await requester.communications.createRFQ({
      market_ticker: 'KXCPI-26DEC-T0.2',
      rest_remainder: false,
      contracts: 1,
    });
    const rfqId = (
      await requester.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.3',
        rest_remainder: false,
        contracts: 1,
      })
    ).data.id;
    const err = await sdkError(
      requester.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.4',
        rest_remainder: false,
        contracts: 1,
      }),
    );
    expect(err.status).toBe(429);
    expect(err.data).toEqual({ error: 'too many requests' });
    expect(err.headers['retry-after']).toBeUndefined();
    // quote creates cost 2: ten fit in 20 tokens
    for (let i = 0; i < 10; i++) {
      await maker.communications.createQuote({
        rfq_id: rfqId,
        yes_bid: '0.40',
        no_bid: '0.50',
        rest_remainder: false,
      });
    }
    expect(
      (
        await sdkError(
          maker.communications.createQuote({
            rfq_id: rfqId,
            yes_bid: '0.40',
            no_bid: '0.50',
            rest_remainder: false,
          }),
        )
      ).status,
    ).toBe(429);
    // reads come from the read bucket: 3 at 10 tokens
    for (let i = 0; i < 3; i++) expect((await maker.portfolio.getBalance()).status).toBe(200);
    expect((await sdkError(maker.portfolio.getBalance())).status).toBe(429);
    const stats = (await t.admin<Record<string, number>>('GET', '/_sim/stats')).body;
    expect(stats['rateLimited']).toBe(3);
  });

  it('refills over time', async () => {
    // 10 tokens a second: a default-cost read every second. The exchange's clock is stepped
    // (it stays within the signature tolerance of the real one).
    const wallClock = new ManualClock(Date.now());
    const t = await startTestSimulator({
      userCount: 1,
      wallClock,
      rateLimits: { read: { refillRate: 10, capacity: 10 }, write: { refillRate: 10, capacity: 10 } },
    });
    const u = t.users[0] as SimTestUser;
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(200);
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(429);
    wallClock.advance(900);
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(429);
    wallClock.advance(200);
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(200);
  });

  it('reports tier budgets and endpoint costs consistently with what it enforces', async () => {
    const t = await startTestSimulator({ userCount: 1, tier: 'advanced' });
    const u = t.users[0] as SimTestUser;
    const limits = (await u.account.getAccountApiLimits()).data;
    expect(limits).toMatchObject({
      usage_tier: 'advanced',
      read: { refill_rate: 300, bucket_capacity: 600 },
      write: { refill_rate: 300, bucket_capacity: 600 },
    });
    const costs = (await u.account.getAccountEndpointCosts()).data;
    expect(costs.default_cost).toBe(10);
    expect(costs.endpoint_costs).toContainEqual({
      method: 'POST',
      path: '/trade-api/v2/communications/quotes',
      cost: 2,
    });
    expect(costs.endpoint_costs).toContainEqual({
      method: 'DELETE',
      path: '/trade-api/v2/communications/rfqs/{rfq_id}/quotes/{quote_id}',
      cost: 2,
    });
    const basic = await startTestSimulator({ userCount: 1 });
    expect((await (basic.users[0] as SimTestUser).account.getAccountApiLimits()).data).toMatchObject({
      usage_tier: 'basic',
      read: { refill_rate: 200, bucket_capacity: 400 },
      write: { refill_rate: 100, bucket_capacity: 100 },
    });
  });

  it('a 429 storm forces 429s for a while, then lifts', async () => {
    const wallClock = new ManualClock(Date.now());
    const t = await startTestSimulator({ userCount: 1, wallClock });
    const u = t.users[0] as SimTestUser;
    await t.admin('POST', '/_sim/faults/storm', { ms: 1_500 });
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(429);
    expect((await fetch(`${t.url}/trade-api/v2/markets?limit=1`)).status).toBe(200); // unsigned: not limited
    wallClock.advance(1_400);
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(429);
    wallClock.advance(100);
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(200);
  });
});

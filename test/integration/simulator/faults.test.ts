import { describe, expect, it } from 'vitest';
import { FaultSpecError, noFaults, parseFaultSpec } from '../../../src/simulator/index.js';
import { rawRequest, type SimTestUser, startTestSimulator } from '../../helpers/simulator.js';

describe('fault spec grammar', () => {
  it('parses every kind onto the defaults', () => {
    const f = parseFaultSpec(
      'latency=30, jitter=10,error5xx=0.05,error5xxAfter=0.01,drop=0.01,dropAfter=0.02,slow=0.01:15000,rfqCloseRace=0.1,acceptDuringDelete=0.1,malformed=0.02,unknownFields=0.5,unknownEnums=0.25,storm=5000,skewMs=-45000,match=PUT:/communications/*|/portfolio/*',
      1_000,
    );
    expect(f).toEqual({
      ...noFaults(),
      latencyMs: 30,
      jitterMs: 10,
      error5xx: 0.05,
      error5xxAfter: 0.01,
      drop: 0.01,
      dropAfter: 0.02,
      slow: 0.01,
      slowMs: 15_000,
      rfqCloseRace: 0.1,
      acceptDuringDelete: 0.1,
      malformed: 0.02,
      unknownFields: 0.5,
      unknownEnums: 0.25,
      stormUntil: 6_000,
      skewMs: -45_000,
      match: ['PUT:/communications/*', '/portfolio/*'],
    });
    expect(parseFaultSpec('slow=0.5', 0).slowMs).toBe(15_000);
    expect(parseFaultSpec('', 0)).toEqual(noFaults());
  });

  it.each(['bogus=1', 'error5xx=2', 'latency=-1', 'latency', 'drop=x', 'skewMs='])('rejects "%s"', (spec) => {
    expect(() => parseFaultSpec(spec, 0)).toThrow(FaultSpecError);
  });
});

async function sim(faults: string, userCount = 2) {
  const t = await startTestSimulator({ userCount, faults });
  return { t, users: t.users as SimTestUser[] };
}

describe('simulator fault injection', () => {
  it('error5xx answers 500/502/503 without processing', async () => {
    const { t, users } = await sim('error5xx=1');
    const statuses = new Set<number>();
    for (let i = 0; i < 12; i++) {
      const res = await (users[0] as SimTestUser).request({
        method: 'POST',
        path: '/communications/rfqs',
        body: { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false, contracts: 1 },
      });
      statuses.add(res.status);
      if (res.status === 502) expect(res.headers.get('content-type')).toContain('text/html');
    }
    expect([...statuses].every((s) => [500, 502, 503].includes(s))).toBe(true);
    expect(statuses.size).toBeGreaterThan(1);
    expect((await t.admin<{ rfqsCreated: number }>('GET', '/_sim/stats')).body.rfqsCreated).toBe(0);
  });

  it('error5xxAfter processes the request and still answers 5xx', async () => {
    const { t, users } = await sim('error5xxAfter=1,match=POST:/communications/rfqs');
    const u = users[0] as SimTestUser;
    const res = await u.request({
      method: 'POST',
      path: '/communications/rfqs',
      body: { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false, contracts: 1 },
    });
    expect(res.status).toBeGreaterThanOrEqual(500);
    const mine = await u.communications.getRFQs(
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
      'self',
    );
    expect(mine.data.rfqs).toHaveLength(1); // it happened anyway
    expect(
      (await t.admin<{ faults_injected: Record<string, number> }>('GET', '/_sim/stats')).body.faults_injected,
    ).toEqual({ error5xxAfter: 1 });
  });

  it('drop and dropAfter close the connection without a response', async () => {
    const { t, users } = await sim('drop=1');
    await expect((users[0] as SimTestUser).request({ path: '/portfolio/balance' })).rejects.toThrow();
    await t.admin('PUT', '/_sim/faults', { spec: 'dropAfter=1,match=POST:*' });
    const u = users[0] as SimTestUser;
    await expect(
      u.request({
        method: 'POST',
        path: '/communications/rfqs',
        body: { market_ticker: 'KXCPI-26DEC-T0.2', rest_remainder: false, contracts: 1 },
      }),
    ).rejects.toThrow();
    expect(
      (
        await u.communications.getRFQs(
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          undefined,
          'self',
        )
      ).data.rfqs,
    ).toHaveLength(1);
  });

  it('adds latency, and slow responses outlast a client time-out', async () => {
    const { t, users } = await sim('latency=150,jitter=50');
    const u = users[0] as SimTestUser;
    const started = Date.now();
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(145);
    await t.admin('PUT', '/_sim/faults', { spec: 'slow=1:3000' });
    await expect(u.request({ path: '/portfolio/balance', timeoutMs: 300 })).rejects.toThrow();
  });

  it('malformed bodies: empty, truncated or not JSON, with status 200', async () => {
    const { users } = await sim('malformed=1');
    const u = users[0] as SimTestUser;
    const texts = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const res = await u.request({ path: '/communications/id' });
      expect(res.status).toBe(200);
      expect(res.body).toBeUndefined();
      texts.add(res.text);
    }
    expect(texts.size).toBeGreaterThan(1);
  });

  it('unknown fields and unknown enum values', async () => {
    const { t, users } = await sim('unknownFields=1');
    const u = users[0] as SimTestUser;
    const res = await u.markets.getMarkets(2);
    expect(res.data).toHaveProperty('x_sim_unknown_field');
    expect(res.data.markets[0]).toHaveProperty('x_sim_unknown_field');
    const rfqId = (
      await u.communications.createRFQ({
        market_ticker: 'KXCPI-26DEC-T0.2',
        rest_remainder: false,
        contracts: 1,
      })
    ).data.id;
    await u.communications.deleteRFQ(rfqId);
    await t.admin('PUT', '/_sim/faults', { spec: 'unknownEnums=1' });
    expect((await u.communications.getRFQ(rfqId)).data.rfq.status).toBe('archived');
    expect((await u.markets.getMarket('KXCPI-26DEC-T0.2')).data.market.price_level_structure).toBe(
      'sim_future_structure',
    );
  });

  it('rfqCloseRace: the RFQ closes between the read and the quote write', async () => {
    const { t, users } = await sim('rfqCloseRace=1');
    const maker = users[0] as SimTestUser;
    const { id } = (
      await t.admin<{ id: string }>('POST', '/_sim/rfqs', { market_ticker: 'KXCPI-26DEC-T0.2', contracts: 3 })
    ).body;
    expect((await maker.communications.getRFQ(id)).data.rfq.status).toBe('open');
    const res = await maker.request({
      method: 'POST',
      path: '/communications/quotes',
      body: { rfq_id: id, yes_bid: '0.5', no_bid: '0.4', rest_remainder: false },
    });
    expect(res.status).toBe(400);
    expect((res.body as { error: { code: string } }).error.code).toBe('RFQ_CLOSED');
    expect((await maker.communications.getRFQ(id)).data.rfq.status).toBe('closed');
  });

  it('acceptDuringDelete: the requester accepts while the maker deletes', async () => {
    const { t, users } = await sim('acceptDuringDelete=1');
    const maker = users[0] as SimTestUser;
    const { id } = (
      await t.admin<{ id: string }>('POST', '/_sim/rfqs', { market_ticker: 'KXCPI-26DEC-T0.2', contracts: 3 })
    ).body;
    const quoteId = (
      await maker.communications.createQuote({
        rfq_id: id,
        yes_bid: '0.5',
        no_bid: '0',
        rest_remainder: false,
      })
    ).data.id;
    const res = await maker.request({
      method: 'DELETE',
      path: `/communications/rfqs/${id}/quotes/${quoteId}`,
    });
    expect(res.status).toBe(404);
    expect((await maker.communications.getRFQQuote(id, quoteId)).data.quote).toMatchObject({
      status: 'accepted',
      accepted_side: 'yes',
    });
    expect((await maker.communications.confirmRFQQuote(id, quoteId)).status).toBe(204);
  });

  it('match limits HTTP faults to some requests; admin PATCH merges and DELETE clears', async () => {
    const { t, users } = await sim('error5xx=1,match=GET:/portfolio/*');
    const u = users[0] as SimTestUser;
    expect((await u.request({ path: '/portfolio/balance' })).status).toBeGreaterThanOrEqual(500);
    expect((await u.request({ path: '/communications/id' })).status).toBe(200);
    const patched = await t.admin<Record<string, unknown>>('PATCH', '/_sim/faults', { spec: 'latency=5' });
    expect(patched.body).toMatchObject({ error5xx: 1, latencyMs: 5, match: ['GET:/portfolio/*'] });
    const bad = await t.admin('PUT', '/_sim/faults', { spec: 'nonsense=1' });
    expect(bad.status).toBe(400);
    await t.admin('DELETE', '/_sim/faults');
    expect((await u.request({ path: '/portfolio/balance' })).status).toBe(200);
    expect((await rawRequest(t.url, { path: '/markets?limit=1' })).status).toBe(200);
  });

  it('oversized: a 200 body of N MB that is still the real answer, declared or chunked', async () => {
    const { t, users } = await sim('oversized=1:2');
    const u = users[0] as SimTestUser;
    const declared = new Set<boolean>();
    for (let i = 0; i < 6; i++) {
      const res = await u.request({ path: '/markets?limit=2' });
      expect(res.status).toBe(200);
      expect(res.text.length).toBeGreaterThanOrEqual(2 * 1024 * 1024 - 10);
      expect((res.body as { markets: unknown[] }).markets).toHaveLength(2);
      declared.add(res.headers.get('content-length') !== null);
    }
    expect(declared).toEqual(new Set([true, false]));
    const { body } = await t.admin<{ injected: Record<string, number> }>('GET', '/_sim/faults');
    expect(body.injected['oversized']).toBe(6);
  });

  it('oversizedPage: one item more than the limit, or than the maximum without one', async () => {
    const { users } = await sim('oversizedPage=1');
    const u = users[0] as SimTestUser;
    const limited = await u.request({ path: '/markets?limit=3' });
    expect((limited.body as { markets: unknown[] }).markets).toHaveLength(4);
    const unlimited = await u.request({ path: '/markets' });
    expect((unlimited.body as { markets: unknown[] }).markets).toHaveLength(1001);
    // Not a listing: left alone.
    expect((await u.request({ path: '/communications/id' })).status).toBe(200);
  });

  it.each(['oversized=2', 'oversized=0.5:0', 'oversized=0.5:1000'])('rejects "%s"', (spec) => {
    expect(() => parseFaultSpec(spec, 0)).toThrow(FaultSpecError);
  });
});

import { describe, expect, it } from 'vitest';
import { type SimTestUser, sdkError, startTestSimulator } from '../../helpers/simulator.js';

const unlimited = { read: { refillRate: 1e9, capacity: 1e9 }, write: { refillRate: 1e9, capacity: 1e9 } };

describe('simulator cursor pagination', () => {
  it('pages RFQs newest first with an opaque cursor, "" on the last page; filters repeat per page', async () => {
    const t = await startTestSimulator({ userCount: 1, rateLimits: unlimited });
    const u = t.users[0] as SimTestUser;
    const created = await t.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { count: 250, contracts: 5 });
    expect(created.status).toBe(201);
    const seen: string[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const page = (await u.communications.getRFQs(cursor, undefined, undefined, undefined, 100, 'open'))
        .data;
      seen.push(...page.rfqs.map((r) => r.id));
      cursor = page.cursor || undefined;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(new Set(seen).size).toBe(250);
    expect(seen).toEqual([...created.body.ids].reverse());
    const first = (await u.communications.getRFQs(undefined, undefined, undefined, undefined, 100, 'open'))
      .data.rfqs[0];
    expect(first).toMatchObject({ status: 'open', contracts_fp: '5.00', rest_remainder: false });
    expect(first?.creator_user_id).toBeUndefined(); // private to the creator
    expect(first?.created_ts).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    // filters: market and event
    const ticker = first?.market_ticker as string;
    const onMarket = (await u.communications.getRFQs(undefined, undefined, ticker, undefined, 100)).data.rfqs;
    expect(onMarket.length).toBeGreaterThan(0);
    expect(onMarket.every((r) => r.market_ticker === ticker)).toBe(true);
    const byEvent = (await u.communications.getRFQs(undefined, 'KXCPI-26DEC')).data.rfqs;
    expect(byEvent.every((r) => r.market_ticker.startsWith('KXCPI-26DEC-'))).toBe(true);
    expect(
      (
        await u.communications.getRFQs(
          undefined,
          undefined,
          undefined,
          undefined,
          100,
          'open',
          undefined,
          'self',
        )
      ).data.rfqs,
    ).toEqual([]);
  });

  it('rejects malformed cursors, cursors of another list, bad limits and statuses with 400', async () => {
    const t = await startTestSimulator({ userCount: 1, rateLimits: unlimited });
    const u = t.users[0] as SimTestUser;
    await t.admin('POST', '/_sim/rfqs', { count: 3 });
    const quotesCursor = Buffer.from('quotes.5').toString('base64url');
    for (const path of [
      '/communications/rfqs?cursor=%%%',
      '/communications/rfqs?cursor=bm90LWEtY3Vyc29y',
      `/communications/rfqs?cursor=${quotesCursor}`,
      '/communications/rfqs?limit=0',
      '/communications/rfqs?limit=101',
      '/communications/rfqs?limit=ten',
      '/communications/rfqs?status=pending',
      '/communications/rfqs?creator_user_id=not-a-uuid',
      '/portfolio/fills?cursor=zz',
    ]) {
      const res = await u.request({ path });
      expect(res.status, path).toBe(400);
    }
    expect((await sdkError(u.communications.getRFQs('nope!'))).status).toBe(400);
  });

  it('keeps list pages O(page): 10,000 open RFQs page quickly', async () => {
    const t = await startTestSimulator({ userCount: 1, rateLimits: unlimited });
    const u = t.users[0] as SimTestUser;
    const started = Date.now();
    await t.admin('POST', '/_sim/rfqs', { count: 10_000 });
    const createdIn = Date.now() - started;
    expect(createdIn).toBeLessThan(15_000);
    const stats = (await t.admin<{ open_rfqs: number }>('GET', '/_sim/stats')).body;
    expect(stats.open_rfqs).toBe(10_000);
    let cursor: string | undefined;
    let count = 0;
    const pageStart = Date.now();
    do {
      const page = (await u.communications.getRFQs(cursor, undefined, undefined, undefined, 100, 'open'))
        .data;
      count += page.rfqs.length;
      cursor = page.cursor || undefined;
    } while (cursor);
    expect(count).toBe(10_000);
    expect(Date.now() - pageStart).toBeLessThan(20_000);
  });
});

import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/simulator/index.js';
import { makeTestKey } from '../../helpers/keys.js';
import { rawRequest, type SimTestUser, startTestSimulator, waitFor } from '../../helpers/simulator.js';

interface UserView {
  user_id: string;
  communications_id: string;
  key_id: string | null;
  internal: boolean;
  balance_dollars: string;
  open_quotes: number;
  open_rfqs: number;
}

describe('simulator admin API (/_sim/)', () => {
  it('reports counts, users, open quotes and positions per user', async () => {
    const clock = new ManualClock(Date.now());
    const t = await startTestSimulator({ clock, userCount: 1 });
    const maker = t.users[0] as SimTestUser;
    const users = (await t.admin<{ users: UserView[] }>('GET', '/_sim/users?internal=false')).body.users;
    expect(users).toEqual([
      expect.objectContaining({
        user_id: maker.userId,
        communications_id: maker.communicationsId,
        key_id: maker.keyId,
        internal: false,
        balance_dollars: '10000.000000',
      }),
    ]);
    const { ids } = (
      await t.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
        count: 3,
        market_ticker: 'KXCPI-26DEC-T0.2',
        target_cost_dollars: '50.00',
      })
    ).body;
    expect(ids).toHaveLength(3);
    const quoteIds: string[] = [];
    for (const id of ids) {
      quoteIds.push(
        (
          await maker.communications.createQuote({
            rfq_id: id,
            yes_bid: '0.60',
            no_bid: '0.30',
            rest_remainder: false,
          })
        ).data.id,
      );
    }
    const me = (await t.admin<UserView>('GET', `/_sim/users/${maker.keyId}`)).body;
    expect(me.open_quotes).toBe(3);
    const open = (
      await t.admin<{ quotes: { id: string }[] }>(
        'GET',
        `/_sim/users/${maker.communicationsId}/quotes?status=open`,
      )
    ).body.quotes;
    expect(open.map((q) => q.id).sort()).toEqual([...quoteIds].sort());
    // accept as the (synthetic) requester, then the maker confirms
    const acc = await t.admin<{ accepted_side: string }>('POST', `/_sim/quotes/${quoteIds[0]}/accept`, {
      accepted_side: 'yes',
    });
    expect(acc.body.accepted_side).toBe('yes');
    await maker.communications.confirmQuote(quoteIds[0] as string, {});
    clock.advance(15_000);
    const positions = (
      await t.admin<{ market_positions: { ticker: string; position_fp: string }[] }>(
        'GET',
        `/_sim/users/${maker.userId}/positions`,
      )
    ).body.market_positions;
    expect(positions[0]?.ticker).toBe('KXCPI-26DEC-T0.2');
    expect(Number(positions[0]?.position_fp)).toBeGreaterThan(0);
    const fills = (await t.admin<{ fills: unknown[] }>('GET', `/_sim/users/${maker.userId}/fills`)).body
      .fills;
    expect(fills).toHaveLength(1);
    // force-close another RFQ; an accept on a closed RFQ keeps Kalshi's error body
    expect((await t.admin('POST', `/_sim/rfqs/${ids[1]}/close`, { reason: 'expired' })).status).toBe(204);
    const closed = await t.admin<{ error: { code: string } }>(
      'POST',
      `/_sim/quotes/${quoteIds[1]}/accept`,
      {},
    );
    expect(closed.status).toBe(400);
    expect(closed.body.error.code).toBe('RFQ_CLOSED');
    const rfqView = (
      await t.admin<{ rfq: { status: string; cancellation_reason: string }; quotes: unknown[] }>(
        'GET',
        `/_sim/rfqs/${ids[1]}`,
      )
    ).body;
    expect(rfqView.rfq).toMatchObject({ status: 'closed', cancellation_reason: 'expired' });
    const stats = (await t.admin<Record<string, number>>('GET', '/_sim/stats')).body;
    expect(stats).toMatchObject({
      rfqsCreated: 3,
      quotesCreated: 3,
      accepts: 1,
      confirms: 1,
      executions: 1,
      open_rfqs: 1,
      open_quotes: 1,
    });
  });

  it('registers users at run time, changes balances, tiers, markets and the taker rate; 404s unknown paths', async () => {
    const t = await startTestSimulator({ userCount: 0 });
    const key = makeTestKey();
    const created = await t.admin<UserView>('POST', '/_sim/users', {
      key_id: key.keyId,
      public_key_pem: key.publicPem,
      balance_dollars: '123.45',
      tier: 'expert',
    });
    expect(created.status).toBe(201);
    const bal = await rawRequest(t.url, { path: '/portfolio/balance', key });
    expect(bal.body).toMatchObject({ balance: 12_345, balance_dollars: '123.4500' });
    await t.admin('PUT', `/_sim/users/${created.body.user_id}`, { balance_dollars: '1.00', tier: 'prime' });
    expect((await rawRequest(t.url, { path: '/portfolio/balance', key })).body).toMatchObject({
      balance: 100,
    });
    expect((await rawRequest(t.url, { path: '/account/limits', key })).body).toMatchObject({
      usage_tier: 'prime',
    });
    expect(
      (await t.admin('POST', '/_sim/users', { key_id: key.keyId, public_key_pem: key.publicPem })).status,
    ).toBe(400);
    expect(
      (await t.admin('POST', '/_sim/users', { key_id: 'other', public_key_pem: 'not a pem' })).status,
    ).toBe(400);
    const mk = await t.admin<{ fair_dollars: string }>('PUT', '/_sim/markets/KXCPI-26DEC-T0.2', {
      fair_dollars: '0.9',
    });
    expect(mk.body.fair_dollars).toBe('0.900000');
    const market = (await rawRequest(t.url, { path: '/markets/KXCPI-26DEC-T0.2' })).body as {
      market: { yes_bid_dollars: string };
    };
    expect(Number(market.market.yes_bid_dollars)).toBeGreaterThan(0.8);
    expect((await t.admin('POST', '/_sim/takers', { rate_per_minute: 0 })).body).toMatchObject({
      rate_per_minute: 0,
    });
    expect((await t.admin('POST', '/_sim/clock/advance', { ms: 10 })).status).toBe(400);
    expect((await fetch(`${t.url}/_sim/nope`)).status).toBe(404);
    await expect(t.admin('GET', '/_sim/nope')).rejects.toThrow(/no admin route GET \/_sim\/nope/);
    expect((await t.admin('GET', '/_sim/users/nobody')).status).toBe(404);
    expect((await t.admin('POST', '/_sim/rfqs', { count: 0 })).status).toBe(400);
  });
});

describe('simulator admin API errors', () => {
  it('answers malformed fields with a plain {error} naming the field; exchange rules keep Kalshi’s body', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const error = async (method: string, path: string, body?: unknown) => {
      const res = await t.admin<{ error: unknown }>(method, path, body);
      return { status: res.status, error: res.body.error };
    };
    expect(await error('POST', '/_sim/rfqs', { count: 'three' })).toEqual({
      status: 400,
      error: 'count must be a number',
    });
    expect(await error('POST', '/_sim/rfqs', { contracts: 5, target_cost_dollars: '10' })).toEqual({
      status: 400,
      error: 'give contracts or target_cost_dollars, not both',
    });
    expect(await error('PUT', '/_sim/markets/KXCPI-26DEC-T0.2', { fair_dollars: '0.1234567' })).toEqual({
      status: 400,
      error: 'fair_dollars must be a dollar string with up to 6 decimals',
    });
    expect(await error('POST', '/_sim/users', { key_id: 7 })).toEqual({
      status: 400,
      error: 'key_id must be a string',
    });
    expect(await error('POST', '/_sim/faults/storm', [1, 2])).toEqual({
      status: 400,
      error: 'request body must be a JSON object',
    });
    expect((await error('PATCH', '/_sim/faults', { spec: 'nonsense=1' })).status).toBe(400);
    expect(await error('GET', '/_sim/users/nobody/quotes?limit=0')).toEqual({
      status: 404,
      error: 'user not found',
    });
    const user = t.users[0]!;
    expect(await error('GET', `/_sim/users/${user.userId}/quotes?limit=0`)).toEqual({
      status: 400,
      error: 'limit must be between 1 and ∞',
    });
    // A path parameter that cannot be decoded matches no route (it threw a 500 before).
    const undecodable = await fetch(`${t.url}/_sim/users/%E0%A4%A`);
    expect({ status: undecodable.status, body: await undecodable.json() }).toEqual({
      status: 404,
      body: { error: 'no admin route GET /_sim/users/%E0%A4%A' },
    });
    // Parameters are decoded once: a user found by an encoded label.
    const byKey = await t.admin<{ user_id: string }>('GET', `/_sim/users/${encodeURIComponent(user.keyId)}`);
    expect(byKey.body.user_id).toBe(user.userId);

    // PATCH merges a fault spec into the current one.
    await t.admin('PUT', '/_sim/faults', { spec: 'latencyMs=5' });
    const merged = await t.admin<{ spec: string }>('PATCH', '/_sim/faults', { spec: 'error5xx=0.1' });
    expect(merged.status).toBe(200);
    expect(JSON.stringify(merged.body)).toMatch(/latency/);
    expect(JSON.stringify(merged.body)).toMatch(/error5xx/);
    await t.admin('DELETE', '/_sim/faults');

    // An exchange rule broken through the admin API: Kalshi's error body.
    const { id } = (await t.admin<{ id: string }>('POST', '/_sim/rfqs', { contracts: 5 })).body;
    const quote = await user.communications.createQuote({
      rfq_id: id,
      yes_bid: '0.40',
      no_bid: '0.40',
      rest_remainder: false,
    });
    expect(
      (await t.admin('POST', `/_sim/quotes/${quote.data.id}/accept`, { accepted_side: 'yes' })).status,
    ).toBe(200);
    const twice = await t.admin<{ error: { code: string } }>(
      'POST',
      `/_sim/quotes/${quote.data.id}/accept`,
      {},
    );
    expect(twice.status).toBe(400);
    expect(twice.body.error.code).toBe('invalid_parameters');
  });
});

describe('simulator admin API stats', () => {
  it('counts API requests in flight, including one a slow fault holds, until each is answered', async () => {
    const t = await startTestSimulator({ userCount: 1 });
    const inFlight = async () =>
      (await t.admin<{ requests_in_flight: number }>('GET', '/_sim/stats')).body.requests_in_flight;
    expect(await inFlight()).toBe(0);
    await t.admin('PUT', '/_sim/faults', { spec: 'slow=1:300,match=GET:/portfolio/balance' });
    const held = t.users[0]!.request({ path: '/portfolio/balance' });
    await waitFor(async () => (await inFlight()) === 1, { what: 'the held request counted' });
    expect((await held).status).toBe(200);
    expect(await inFlight()).toBe(0);
  });
});

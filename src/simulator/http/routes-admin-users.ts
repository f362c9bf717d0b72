import { USAGE_TIERS, type UsageTier } from '../../domain/rate-limits.js';
import type { SimUser } from '../accounts/accounts.js';
import { fillToWire, positionToWire } from '../accounts/wire.js';
import type { SimContext } from '../context.js';
import { quoteToWire } from '../exchange/wire.js';
import { dollars6 } from '../format.js';
import { type AdminRoute, bad, missing } from './admin-route.js';
import { bodyDollars, bodyString, queryInt, queryString } from './params.js';

function tierOf(body: Record<string, unknown>): UsageTier | undefined {
  const tier = bodyString(body, 'tier', false);
  if (tier !== undefined && !USAGE_TIERS.includes(tier as UsageTier)) throw bad(`unknown tier ${tier}`);
  return tier as UsageTier | undefined;
}

/** `/_sim/users…`: register users at run time, change balances and tiers, read quotes, positions, fills. */
export function adminUserRoutes(sim: SimContext): AdminRoute[] {
  const { accounts, store, ledger } = sim;

  const user = (ref: string | undefined): SimUser => {
    const u = ref === undefined ? undefined : accounts.find(ref);
    if (!u) throw missing('user');
    return u;
  };

  const userView = (u: SimUser) => ({
    user_id: u.id,
    communications_id: u.communicationsId,
    key_id: u.keyId ?? null,
    label: u.label,
    internal: u.internal,
    tier: u.tier,
    balance_dollars: dollars6(u.balance),
    held_dollars: dollars6(u.held),
    open_rfqs: store.openRfqCount(u),
    open_quotes: store.quoteCount('open', u),
    accepted_quotes: store.quoteCount('accepted', u),
  });

  return [
    {
      method: 'GET',
      template: '/_sim/users',
      handler: ({ query }) => {
        const internal = query.get('internal');
        return {
          status: 200,
          body: {
            users: accounts
              .all()
              .filter((u) => internal === null || String(u.internal) === internal)
              .map(userView),
          },
        };
      },
    },
    {
      method: 'POST',
      template: '/_sim/users',
      handler: ({ body }) => {
        const keyId = bodyString(body, 'key_id', false);
        const pem = bodyString(body, 'public_key_pem', false);
        if (!keyId || !pem) throw bad('key_id and public_key_pem are required');
        const tier = tierOf(body);
        const balance = bodyDollars(body, 'balance_dollars', false, 6);
        const u = accounts.register({
          keyId,
          publicKey: pem,
          ...(balance !== undefined ? { balance } : {}),
          ...(tier !== undefined ? { tier } : {}),
        });
        return { status: 201, body: userView(u) };
      },
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}',
      handler: ({ params }) => ({ status: 200, body: userView(user(params['ref'])) }),
    },
    {
      method: 'PUT',
      template: '/_sim/users/{ref}',
      handler: ({ params, body }) => {
        const u = user(params['ref']);
        const balance = bodyDollars(body, 'balance_dollars', false, 6);
        const tier = tierOf(body);
        if (balance !== undefined) accounts.setBalance(u, balance);
        if (tier !== undefined) u.tier = tier;
        return { status: 200, body: userView(u) };
      },
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}/quotes',
      handler: ({ params, query }) => {
        const u = user(params['ref']);
        const status = queryString(query, 'status');
        const page = store.listQuotes({
          creatorId: u.id,
          ...(status !== undefined ? { status } : {}),
          cursor: query.get('cursor'),
          limit: queryInt(query, 'limit', { min: 1, fallback: 1000 }) ?? 1000,
        });
        return {
          status: 200,
          body: { quotes: page.items.map((x) => quoteToWire(x, u)), cursor: page.cursor },
        };
      },
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}/positions',
      handler: ({ params }) => ({
        status: 200,
        body: { market_positions: ledger.positionsOf(user(params['ref'])).map(positionToWire) },
      }),
    },
    {
      method: 'GET',
      template: '/_sim/users/{ref}/fills',
      handler: ({ params }) => ({
        status: 200,
        body: { fills: [...ledger.fillsOf(user(params['ref']))].reverse().map(fillToWire) },
      }),
    },
  ];
}

import type { RfqSize, Side } from '../../domain/types.js';
import type { SimContext } from '../context.js';
import { forbidden, invalidParameters, notFound, requireUuid } from '../errors.js';
import { quoteToWire, rfqToWire } from '../exchange/wire.js';
import {
  bodyBool,
  bodyCount,
  bodyDollars,
  bodyInt,
  bodyObject,
  bodyString,
  queryEnum,
  queryInt,
  queryString,
  requireUser,
} from './params.js';
import type { Route, RouteContext } from './router.js';

function parseRfqSize(body: Record<string, unknown>): RfqSize {
  const contracts = bodyInt(body, 'contracts', { min: 1 });
  const contractsFp = bodyCount(body, 'contracts_fp');
  const targetDollars = bodyDollars(body, 'target_cost_dollars', false);
  const targetCentiCents = bodyInt(body, 'target_cost_centi_cents', { min: 1 });
  const excludesFees = bodyBool(body, 'target_cost_excludes_fees', false);
  if (contracts !== undefined && contractsFp !== undefined && contracts * 100 !== contractsFp) {
    throw invalidParameters('contracts and contracts_fp do not match');
  }
  if (
    targetDollars !== undefined &&
    targetCentiCents !== undefined &&
    targetCentiCents * 100 !== targetDollars
  ) {
    throw invalidParameters('target_cost_dollars and target_cost_centi_cents do not match');
  }
  const byContracts = contracts !== undefined || contractsFp !== undefined;
  const byCost = targetDollars !== undefined || targetCentiCents !== undefined;
  if (byContracts === byCost) {
    throw invalidParameters('specify exactly one of contracts / contracts_fp or target_cost_dollars');
  }
  if (byContracts) {
    if (excludesFees !== undefined) throw invalidParameters('target_cost_excludes_fees needs a target cost');
    const size = contractsFp ?? (contracts as number) * 100;
    if (size <= 0) throw invalidParameters('contracts must be positive');
    return { kind: 'contracts', contracts: size };
  }
  const cost = targetDollars ?? (targetCentiCents as number) * 100;
  if (cost <= 0) throw invalidParameters('target cost must be positive');
  return { kind: 'targetCost', targetCost: cost, excludesFees: excludesFees === true };
}

function subaccount(body: Record<string, unknown>): number | undefined {
  return bodyInt(body, 'subaccount', { min: 0, max: 63 });
}

function acceptedSide(ctx: RouteContext): Side {
  const side = bodyString(bodyObject(ctx), 'accepted_side', true);
  if (side !== 'yes' && side !== 'no') throw invalidParameters('accepted_side must be "yes" or "no"');
  return side;
}

/** Every Communications (RFQ) endpoint, both path families (fact sheet §3). */
export function communicationsRoutes(sim: SimContext): Route[] {
  const { exchange, store, faults } = sim;

  const listQuotes = (ctx: RouteContext) => {
    const user = requireUser(ctx);
    const q = ctx.query;
    const userFilter = queryEnum(q, 'user_filter', ['self'] as const);
    const rfqUserFilter = queryEnum(q, 'rfq_user_filter', ['self'] as const);
    const rfqIdRaw = queryString(q, 'rfq_id');
    const rfqId = rfqIdRaw === undefined ? undefined : requireUuid(rfqIdRaw, 'rfq_id');
    const quoteCreator = queryString(q, 'quote_creator_user_id');
    const rfqCreator = queryString(q, 'rfq_creator_user_id');
    const ownRfq = rfqId !== undefined && store.rfq(rfqId)?.creator === user;
    const scoped =
      userFilter === 'self' ||
      rfqUserFilter === 'self' ||
      ownRfq ||
      quoteCreator === user.id ||
      rfqCreator === user.id;
    if (!scoped)
      throw forbidden('quotes queries must be scoped with user_filter=self or rfq_user_filter=self');
    if (
      (quoteCreator !== undefined && quoteCreator !== user.id) ||
      (rfqCreator !== undefined && rfqCreator !== user.id)
    ) {
      throw forbidden('cannot read other users’ quotes');
    }
    const minTs = queryInt(q, 'min_ts', { min: 0 });
    const maxTs = queryInt(q, 'max_ts', { min: 0 });
    const page = store.listQuotes({
      ...(userFilter === 'self' || quoteCreator !== undefined ? { creatorId: user.id } : {}),
      ...(rfqUserFilter === 'self' || rfqCreator !== undefined || (ownRfq && userFilter === undefined)
        ? { rfqCreatorId: user.id }
        : {}),
      ...(rfqId !== undefined ? { rfqId } : {}),
      ...(queryString(q, 'status') !== undefined ? { status: queryString(q, 'status') as string } : {}),
      ...(minTs !== undefined ? { minUpdated: minTs * 1000 } : {}),
      ...(maxTs !== undefined ? { maxUpdated: maxTs * 1000 + 999 } : {}),
      cursor: queryString(q, 'cursor') ?? null,
      limit: queryInt(q, 'limit', { min: 1, max: 500, fallback: 500 }) as number,
    });
    return {
      status: 200,
      body: { quotes: page.items.map((x) => quoteToWire(x, user)), cursor: page.cursor },
    };
  };

  const getQuote = (ctx: RouteContext) => {
    const user = requireUser(ctx);
    const quoteId = requireUuid(ctx.params['quote_id'], 'quote_id');
    const rfqId =
      ctx.params['rfq_id'] === undefined ? undefined : requireUuid(ctx.params['rfq_id'], 'rfq_id');
    return { status: 200, body: { quote: quoteToWire(exchange.visibleQuote(user, quoteId, rfqId), user) } };
  };

  const deleteQuote = (ctx: RouteContext) => {
    const user = requireUser(ctx);
    const quoteId = requireUuid(ctx.params['quote_id'], 'quote_id');
    const rfqId =
      ctx.params['rfq_id'] === undefined ? undefined : requireUuid(ctx.params['rfq_id'], 'rfq_id');
    const quote = store.quote(quoteId);
    // fault: the requester's accept lands just before this delete
    if (
      quote?.creator === user &&
      quote.status === 'open' &&
      quote.rfq.creator.internal &&
      faults.roll('acceptDuringDelete')
    ) {
      const side: Side = quote.yesBid > 0 && (quote.noBid === 0 || faults.pick([true, false])) ? 'yes' : 'no';
      try {
        exchange.settlement.accept(quote, side);
      } catch (err) {
        sim.logger.debug({ err, quoteId }, 'acceptDuringDelete fault could not accept');
      }
    }
    exchange.deleteQuote(user, quoteId, rfqId);
    return { status: 204 };
  };

  const accept = (ctx: RouteContext) => {
    const user = requireUser(ctx);
    const quoteId = requireUuid(ctx.params['quote_id'], 'quote_id');
    const rfqId =
      ctx.params['rfq_id'] === undefined ? undefined : requireUuid(ctx.params['rfq_id'], 'rfq_id');
    exchange.accept(user, quoteId, acceptedSide(ctx), rfqId);
    return { status: 204 };
  };

  const confirm = (ctx: RouteContext) => {
    const user = requireUser(ctx);
    const quoteId = requireUuid(ctx.params['quote_id'], 'quote_id');
    const rfqId =
      ctx.params['rfq_id'] === undefined ? undefined : requireUuid(ctx.params['rfq_id'], 'rfq_id');
    exchange.confirm(user, quoteId, rfqId);
    return { status: 204 };
  };

  return [
    {
      method: 'GET',
      template: '/communications/id',
      auth: 'required',
      handler: (ctx) => ({ status: 200, body: { communications_id: requireUser(ctx).communicationsId } }),
    },
    {
      method: 'GET',
      template: '/communications/rfqs',
      auth: 'required',
      handler: (ctx) => {
        const user = requireUser(ctx);
        const q = ctx.query;
        const userFilter = queryEnum(q, 'user_filter', ['self'] as const);
        const creatorRaw = queryString(q, 'creator_user_id');
        const creator = creatorRaw === undefined ? undefined : requireUuid(creatorRaw, 'creator_user_id');
        const status = queryEnum(q, 'status', ['open', 'closed'] as const);
        const sub = queryInt(q, 'subaccount', { min: 0, max: 63 });
        const page = store.listRfqs({
          ...(userFilter === 'self'
            ? { creatorId: user.id }
            : creator !== undefined
              ? { creatorId: creator }
              : {}),
          ...(queryString(q, 'market_ticker') !== undefined
            ? { marketTicker: queryString(q, 'market_ticker') as string }
            : {}),
          ...(queryString(q, 'event_ticker') !== undefined
            ? { eventTicker: queryString(q, 'event_ticker') as string }
            : {}),
          ...(status !== undefined ? { status } : {}),
          ...(sub !== undefined ? { subaccount: sub } : {}),
          cursor: queryString(q, 'cursor') ?? null,
          limit: queryInt(q, 'limit', { min: 1, max: 100, fallback: 100 }) as number,
        });
        return {
          status: 200,
          body: { rfqs: page.items.map((r) => rfqToWire(r, user)), cursor: page.cursor },
        };
      },
    },
    {
      method: 'POST',
      template: '/communications/rfqs',
      auth: 'required',
      jsonBody: true,
      handler: (ctx) => {
        const user = requireUser(ctx);
        const body = bodyObject(ctx);
        const marketTicker = bodyString(body, 'market_ticker', true) as string;
        const restRemainder = bodyBool(body, 'rest_remainder', true) as boolean;
        const replaceExisting = bodyBool(body, 'replace_existing', false) === true;
        const obscureCreatorId = bodyBool(body, 'obscure_creator_id', false) === true;
        const sub = subaccount(body);
        const rfq = exchange.createRfq(user, {
          marketTicker,
          size: parseRfqSize(body),
          restRemainder,
          replaceExisting,
          obscureCreatorId,
          ...(sub !== undefined ? { subaccount: sub } : {}),
        });
        return { status: 201, body: { id: rfq.id } };
      },
    },
    {
      method: 'GET',
      template: '/communications/rfqs/{rfq_id}',
      auth: 'required',
      handler: (ctx) => {
        const rfq = store.rfq(requireUuid(ctx.params['rfq_id'], 'rfq_id'));
        if (!rfq) throw notFound('rfq not found');
        return { status: 200, body: { rfq: rfqToWire(rfq, requireUser(ctx)) } };
      },
    },
    {
      method: 'DELETE',
      template: '/communications/rfqs/{rfq_id}',
      auth: 'required',
      handler: (ctx) => {
        exchange.deleteRfq(requireUser(ctx), requireUuid(ctx.params['rfq_id'], 'rfq_id'));
        return { status: 204 };
      },
    },
    {
      method: 'POST',
      template: '/communications/quotes',
      auth: 'required',
      jsonBody: true,
      handler: (ctx) => {
        const user = requireUser(ctx);
        const body = bodyObject(ctx);
        const rfqId = requireUuid(bodyString(body, 'rfq_id', true), 'rfq_id');
        const yesBid = bodyDollars(body, 'yes_bid', true) as number;
        const noBid = bodyDollars(body, 'no_bid', true) as number;
        const restRemainder = bodyBool(body, 'rest_remainder', true) as boolean;
        const postOnly = bodyBool(body, 'post_only', false);
        const sub = subaccount(body);
        const rfq = store.rfq(rfqId);
        // fault: the RFQ closes between the maker's read and this write
        if (
          rfq?.status === 'open' &&
          rfq.creator.internal &&
          rfq.creator !== user &&
          faults.roll('rfqCloseRace')
        ) {
          exchange.closeRfq(rfq, 'deleted_by_creator');
        }
        const quote = exchange.createQuote(user, {
          rfqId,
          yesBid,
          noBid,
          restRemainder,
          ...(postOnly !== undefined ? { postOnly } : {}),
          ...(sub !== undefined ? { subaccount: sub } : {}),
        });
        return { status: 201, body: { id: quote.id } };
      },
    },
    { method: 'GET', template: '/communications/quotes', auth: 'required', handler: listQuotes },
    { method: 'GET', template: '/communications/quotes/{quote_id}', auth: 'required', handler: getQuote },
    {
      method: 'GET',
      template: '/communications/rfqs/{rfq_id}/quotes/{quote_id}',
      auth: 'required',
      handler: getQuote,
    },
    {
      method: 'DELETE',
      template: '/communications/quotes/{quote_id}',
      auth: 'required',
      handler: deleteQuote,
    },
    {
      method: 'DELETE',
      template: '/communications/rfqs/{rfq_id}/quotes/{quote_id}',
      auth: 'required',
      handler: deleteQuote,
    },
    {
      method: 'PUT',
      template: '/communications/quotes/{quote_id}/accept',
      auth: 'required',
      jsonBody: true,
      handler: accept,
    },
    {
      method: 'PUT',
      template: '/communications/rfqs/{rfq_id}/quotes/{quote_id}/accept',
      auth: 'required',
      jsonBody: true,
      handler: accept,
    },
    {
      method: 'PUT',
      template: '/communications/quotes/{quote_id}/confirm',
      auth: 'required',
      jsonBody: true,
      handler: confirm,
    },
    {
      method: 'PUT',
      template: '/communications/rfqs/{rfq_id}/quotes/{quote_id}/confirm',
      auth: 'required',
      jsonBody: true,
      handler: confirm,
    },
  ];
}

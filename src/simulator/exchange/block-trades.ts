import { type Centis, type Micros, notional, ONE_DOLLAR } from '../../domain/money.js';
import type { EpochMs } from '../../domain/types.js';
import type { SimUser } from '../accounts/accounts.js';
import {
  expired,
  insufficientBalance,
  invalidParameters,
  marketInactive,
  notFound,
  SimError,
} from '../errors.js';
import { timestamp } from '../format.js';
import type { SimMarket } from '../world/world.js';
import type { ExchangeDeps } from './exchange.js';
import { IndexMap, type Page, pageFrom } from './index-store.js';

export interface SimBlockProposal {
  readonly seq: number;
  readonly id: string;
  readonly proposer: SimUser;
  readonly buyer: SimUser;
  readonly seller: SimUser;
  readonly market: SimMarket;
  /** YES price in micros. */
  readonly price: Micros;
  readonly count: Centis;
  readonly makerSide: string;
  readonly expiresAt: EpochMs;
  readonly createdAt: EpochMs;
  status: 'pending' | 'executed' | 'expired';
  updatedAt: EpochMs;
  buyerAcceptedAt?: EpochMs;
  sellerAcceptedAt?: EpochMs;
  executedAt?: EpochMs;
  buyerOrderId?: string;
  sellerOrderId?: string;
}

export interface ProposeInput {
  readonly buyerId: string;
  readonly sellerId: string;
  readonly marketTicker: string;
  readonly priceCentiCents: number;
  readonly centicount: number;
  readonly makerSide: string;
  readonly expiresAt: EpochMs;
}

/**
 * Negotiated block trades (not part of the RFQ flow): the buyer buys YES and the seller
 * buys NO at the agreed price once both have accepted. The proposer counts as accepting.
 * No fees are charged on block trades in the simulator.
 */
export class BlockTrades {
  private readonly byId = new Map<string, SimBlockProposal>();
  private readonly bySeq = new Map<number, SimBlockProposal>();
  private readonly index = new IndexMap();

  constructor(private readonly deps: ExchangeDeps) {}

  propose(user: SimUser, input: ProposeInput): SimBlockProposal {
    const { accounts, world, clock, store, ids } = this.deps;
    const buyer = accounts.get(input.buyerId);
    const seller = accounts.get(input.sellerId);
    if (!buyer || !seller) throw invalidParameters('unknown buyer_user_id or seller_user_id');
    if (buyer === seller) throw invalidParameters('buyer and seller must differ');
    if (user !== buyer && user !== seller)
      throw new SimError(403, 'forbidden', 'proposer must be the buyer or the seller');
    const market = world.market(input.marketTicker);
    if (!market) throw new SimError(400, 'market_not_found', `market ${input.marketTicker} not found`);
    if (market.status !== 'active') throw marketInactive(market.ticker);
    if (input.priceCentiCents < 1 || input.priceCentiCents > 9999)
      throw invalidParameters('price_centi_cents out of range');
    if (input.centicount < 1) throw invalidParameters('centicount must be positive');
    if (input.makerSide !== 'yes' && input.makerSide !== 'no')
      throw invalidParameters('maker_side must be yes or no');
    const now = clock.now();
    if (input.expiresAt <= now) throw invalidParameters('expiration_ts must be in the future');
    const proposal: SimBlockProposal = {
      seq: store.nextSeq(),
      id: ids.uuid(),
      proposer: user,
      buyer,
      seller,
      market,
      price: input.priceCentiCents * 100,
      count: input.centicount,
      makerSide: input.makerSide,
      expiresAt: input.expiresAt,
      createdAt: now,
      status: 'pending',
      updatedAt: now,
      ...(user === buyer ? { buyerAcceptedAt: now } : { sellerAcceptedAt: now }),
    };
    this.byId.set(proposal.id, proposal);
    this.bySeq.set(proposal.seq, proposal);
    for (const u of new Set([user, buyer, seller])) this.index.add(`u:${u.id}`, proposal.seq);
    return proposal;
  }

  accept(user: SimUser, id: string): void {
    const p = this.byId.get(id);
    if (!p || (user !== p.buyer && user !== p.seller)) throw notFound('block trade proposal not found');
    this.expireIfDue(p);
    if (p.status === 'expired') throw expired();
    if (p.status !== 'pending') throw invalidParameters(`proposal is ${p.status}`);
    const now = this.deps.clock.now();
    if (user === p.buyer) p.buyerAcceptedAt ??= now;
    else p.sellerAcceptedAt ??= now;
    p.updatedAt = now;
    if (p.buyerAcceptedAt !== undefined && p.sellerAcceptedAt !== undefined) this.execute(p);
  }

  list(
    user: SimUser,
    filter: { market?: string; status?: string; cursor: string | null; limit: number },
  ): Page<SimBlockProposal> {
    return pageFrom(
      'block_trades',
      this.index.get(`u:${user.id}`),
      filter.cursor,
      filter.limit,
      (seq) => {
        const p = this.bySeq.get(seq);
        if (p) this.expireIfDue(p);
        return p;
      },
      (p) =>
        (filter.market === undefined || p.market.ticker === filter.market) &&
        (filter.status === undefined || p.status === filter.status),
    );
  }

  toWire(p: SimBlockProposal, viewer: SimUser): Record<string, unknown> {
    const isBuyer = viewer === p.buyer;
    const isSeller = viewer === p.seller;
    return {
      id: p.id,
      proposer_user_id: p.proposer.id,
      buyer_user_id: isBuyer ? p.buyer.id : '',
      seller_user_id: isSeller ? p.seller.id : '',
      market_ticker: p.market.ticker,
      price_centi_cents: p.price / 100,
      centicount: p.count,
      maker_side: p.makerSide,
      expiration_ts: timestamp(p.expiresAt),
      status: p.status,
      created_ts: timestamp(p.createdAt),
      updated_ts: timestamp(p.updatedAt),
      buyer_accepted: p.buyerAcceptedAt !== undefined,
      seller_accepted: p.sellerAcceptedAt !== undefined,
      ...(p.buyerAcceptedAt !== undefined ? { buyer_accepted_ts: timestamp(p.buyerAcceptedAt) } : {}),
      ...(p.sellerAcceptedAt !== undefined ? { seller_accepted_ts: timestamp(p.sellerAcceptedAt) } : {}),
      ...(p.executedAt !== undefined ? { executed_ts: timestamp(p.executedAt) } : {}),
      ...(isBuyer && p.buyerOrderId ? { buyer_order_id: p.buyerOrderId } : {}),
      ...(isSeller && p.sellerOrderId ? { seller_order_id: p.sellerOrderId } : {}),
    };
  }

  private expireIfDue(p: SimBlockProposal): void {
    if (p.status === 'pending' && this.deps.clock.now() >= p.expiresAt) {
      p.status = 'expired';
      p.updatedAt = p.expiresAt;
    }
  }

  private execute(p: SimBlockProposal): void {
    const { accounts, ledger, clock, ids, world, bus } = this.deps;
    const buyerCost = notional(p.price, p.count, 'ceil');
    const sellerCost = notional(ONE_DOLLAR - p.price, p.count, 'ceil');
    if (p.buyer.balance < buyerCost || p.seller.balance < sellerCost) throw insufficientBalance();
    const now = clock.now();
    accounts.hold(p.buyer, buyerCost);
    accounts.hold(p.seller, sellerCost);
    accounts.spend(p.buyer, buyerCost);
    accounts.spend(p.seller, sellerCost);
    p.buyerOrderId = ids.uuid();
    p.sellerOrderId = ids.uuid();
    const common = { market: p.market, count: p.count, fee: 0, subaccount: 0, now };
    const b = ledger.apply(p.buyer, {
      ...common,
      id: ids.uuid(),
      orderId: p.buyerOrderId,
      clientOrderId: ids.uuid(),
      side: 'yes',
      price: p.price,
      isTaker: p.proposer !== p.buyer,
    });
    const s = ledger.apply(p.seller, {
      ...common,
      id: ids.uuid(),
      orderId: p.sellerOrderId,
      clientOrderId: ids.uuid(),
      side: 'no',
      price: ONE_DOLLAR - p.price,
      isTaker: p.proposer !== p.seller,
    });
    if (b.payout > 0) accounts.credit(p.buyer, b.payout);
    if (s.payout > 0) accounts.credit(p.seller, s.payout);
    world.recordTrade(p.market, p.price, p.count, Math.trunc((b.positionChange + s.positionChange) / 2));
    p.status = 'executed';
    p.executedAt = now;
    p.updatedAt = now;
    bus.emit('fill', b.fill);
    bus.emit('fill', s.fill);
  }
}

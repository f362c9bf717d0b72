import type { Fill, Order } from 'kalshi-typescript';
import { ManualClock, type TruthOptions } from '../../src/simulator/index.js';
import { type SimTestUser, startTestSimulator, type TestSimulator } from './simulator.js';

/**
 * Independent oracle for Kalshi's quadratic fee: rate · C · P · (1 − P) · multiplier,
 * rounded up to $0.0001, in micros (integers only).
 */
export function feeMicros(rateBps: number, priceMicros: number, centis: number, multPpm = 1_000_000): number {
  const num =
    BigInt(rateBps) *
    BigInt(centis) *
    BigInt(priceMicros) *
    BigInt(1_000_000 - priceMicros) *
    BigInt(multPpm);
  const den = 10_000n * 100n * 1_000_000n * 1_000_000n * 100n;
  return Number((num + den - 1n) / den) * 100;
}

/** price × contracts, rounded up to the micro. */
export function notionalMicros(priceMicros: number, centis: number): number {
  return Math.ceil((priceMicros * centis) / 100);
}

export const START_MICROS = 10_000_000_000;

/** "12.345600" → 12_345_600 micros. */
export function micros(dollars: string): number {
  const [whole = '0', frac = ''] = dollars.replace('-', '').split('.');
  const value = Number(whole) * 1_000_000 + Number(frac.padEnd(6, '0').slice(0, 6));
  return dollars.startsWith('-') ? -value : value;
}

export async function balanceOf(user: SimTestUser): Promise<number> {
  return micros((await user.portfolio.getBalance()).data.balance_dollars);
}

export async function fillsOf(user: SimTestUser, ticker?: string): Promise<Fill[]> {
  return (await user.portfolio.getFills(ticker)).data.fills;
}

export async function orderOf(user: SimTestUser, orderId: string): Promise<Order> {
  return (await user.orders.getOrder(orderId)).data.order;
}

export interface TruthSetup {
  readonly t: TestSimulator;
  readonly clock: ManualClock;
  readonly requester: SimTestUser;
  readonly maker: SimTestUser;
}

/** A test simulator on a manual clock with the given truth settings (the rest off). */
export async function truthSimulator(
  truth: Partial<TruthOptions> = {},
  extra: Parameters<typeof startTestSimulator>[0] = {},
): Promise<TruthSetup> {
  const clock = new ManualClock(Date.now());
  const t = await startTestSimulator({ clock, ...extra, truth });
  const [requester, maker] = t.users as [SimTestUser, SimTestUser];
  return { t, clock, requester, maker };
}

export interface Traded {
  readonly rfqId: string;
  readonly quoteId: string;
}

/** An RFQ by `requester` and a quote on it by `maker`. */
export async function rfqAndQuote(
  s: TruthSetup,
  opts: {
    readonly ticker: string;
    readonly contracts: number;
    readonly yesBid: string;
    readonly noBid: string;
    readonly postOnly?: boolean;
    readonly restRemainder?: boolean;
  },
): Promise<Traded> {
  const rfqId = (
    await s.requester.communications.createRFQ({
      market_ticker: opts.ticker,
      rest_remainder: false,
      contracts: opts.contracts,
    })
  ).data.id;
  const quoteId = (
    await s.maker.communications.createQuote({
      rfq_id: rfqId,
      yes_bid: opts.yesBid,
      no_bid: opts.noBid,
      rest_remainder: opts.restRemainder ?? false,
      post_only: opts.postOnly ?? false,
    })
  ).data.id;
  return { rfqId, quoteId };
}

/**
 * A quote with `rest_remainder` that the requester accepts in part and the maker confirms: once
 * the execution delay has passed, the leg's remainder rests as an order of the maker's.
 */
export async function restedRemainder(
  s: TruthSetup,
  quote: Omit<Parameters<typeof rfqAndQuote>[1], 'restRemainder'>,
  accept: { readonly side: 'yes' | 'no'; readonly contracts: number },
): Promise<Traded & { readonly orderId: string }> {
  const traded = await rfqAndQuote(s, { ...quote, restRemainder: true });
  await s.t.admin('POST', `/_sim/quotes/${traded.quoteId}/accept`, {
    accepted_side: accept.side,
    contracts: accept.contracts,
  });
  await s.maker.communications.confirmRFQQuote(traded.rfqId, traded.quoteId, {});
  s.clock.advance(15_000);
  const { quote: confirmed } = (await s.maker.communications.getRFQQuote(traded.rfqId, traded.quoteId)).data;
  if (!confirmed.creator_order_id) throw new Error(`quote ${traded.quoteId} rested no order`);
  return { ...traded, orderId: confirmed.creator_order_id };
}

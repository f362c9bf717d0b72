/**
 * An independent reading of the exchange's record: positions, realised P&L and fees computed
 * straight from `GET /portfolio/fills` (the JSON as the exchange sends it), by the netting rule
 * docs/pnl.md documents. Nothing here calls the bot's risk code: it is what the bot's books are
 * checked against, to the micro-dollar. No vitest import (the chaos suite and the soak use it).
 */
import type { TestKey } from './keys.js';
import { rawRequest } from './simulator.js';

/** A fill as `GET /portfolio/fills` lists it (the fields the rule needs). */
export interface WireFillRecord {
  readonly trade_id?: string;
  readonly fill_id?: string;
  readonly ticker?: string;
  readonly market_ticker?: string;
  readonly outcome_side: string;
  readonly count_fp: string;
  readonly yes_price_dollars: string;
  readonly no_price_dollars: string;
  readonly fee_cost: string;
  readonly created_time?: string;
}

export interface OraclePosition {
  /** Centi-contracts, + YES / − NO. */
  contracts: bigint;
  /** Micros. */
  cost: bigint;
}

export interface OracleBook {
  readonly positions: Map<string, OraclePosition>;
  /** Realised by netting, fees not included (micros), on the fills `counted` accepts. */
  readonly realized: number;
  readonly fees: number;
  readonly fills: number;
}

/** "0.480000" → 480000n: six decimals, exactly. */
export function decimalMicros(text: string, places = 6): bigint {
  const negative = text.startsWith('-');
  const [whole = '0', frac = ''] = text.replace('-', '').split('.');
  const value =
    BigInt(whole) * 10n ** BigInt(places) + BigInt((frac + '0'.repeat(places)).slice(0, places) || '0');
  return negative ? -value : value;
}

const ceilDiv = (a: bigint, b: bigint) => (a + b - 1n) / b;

/**
 * The rule: a fill of `count` at `price` costs ⌈price × count⌉ (micros). Against the opposite
 * side it first closes pairs at $1: the closed part of the position leaves at ⌊cost × closed /
 * held⌋ (all of it when the whole position closes), the closing contracts cost ⌈price × closed⌉,
 * and realised = $1 × closed − both. The rest of the fill opens at its cost minus the closing
 * part. Fees are counted apart.
 */
export function oracleBook(
  /** As the listing gives them: newest first (fills of one instant keep the exchange's order). */
  fills: readonly WireFillRecord[],
  counted: (fill: WireFillRecord) => boolean = () => true,
): OracleBook {
  const positions = new Map<string, OraclePosition>();
  let realized = 0n;
  let fees = 0n;
  let n = 0;
  const ordered = [...fills]
    .reverse()
    .sort((a, b) => Date.parse(a.created_time ?? '') - Date.parse(b.created_time ?? ''));
  for (const fill of ordered) {
    const ticker = fill.ticker ?? fill.market_ticker ?? '';
    const count = decimalMicros(fill.count_fp, 2);
    const yes = fill.outcome_side === 'yes';
    const price = decimalMicros(yes ? fill.yes_price_dollars : fill.no_price_dollars);
    const cost = ceilDiv(price * count, 100n);
    const position = positions.get(ticker) ?? { contracts: 0n, cost: 0n };
    const signed = yes ? count : -count;
    let gained = 0n;
    if (position.contracts === 0n || position.contracts > 0n === signed > 0n) {
      position.contracts += signed;
      position.cost += cost;
    } else {
      const held = position.contracts < 0n ? -position.contracts : position.contracts;
      const closed = count < held ? count : held;
      const released = closed === held ? position.cost : (position.cost * closed) / held;
      const closingCost = ceilDiv(price * closed, 100n);
      gained = closed * 10_000n - released - closingCost;
      if (closed < held) {
        position.contracts += signed;
        position.cost -= released;
      } else if (count > closed) {
        position.contracts = yes ? count - closed : -(count - closed);
        position.cost = cost - closingCost;
      } else {
        position.contracts = 0n;
        position.cost = 0n;
      }
    }
    positions.set(ticker, position);
    if (!counted(fill)) continue;
    realized += gained;
    fees += decimalMicros(fill.fee_cost);
    n++;
  }
  return { positions, realized: Number(realized), fees: Number(fees), fills: n };
}

/** Every fill of the key's user, through the signed `GET /portfolio/fills` (cursor pages). */
export async function listFills(simUrl: string, key: TestKey): Promise<WireFillRecord[]> {
  const out: WireFillRecord[] = [];
  let cursor = '';
  for (let page = 0; page < 1000; page++) {
    const query = new URLSearchParams({ limit: '1000' });
    if (cursor) query.set('cursor', cursor);
    const res = await rawRequest(simUrl, { path: `/portfolio/fills?${query}`, key });
    if (res.status !== 200) throw new Error(`GET /portfolio/fills answered ${res.status}: ${res.text}`);
    const body = res.body as { fills: WireFillRecord[]; cursor?: string };
    out.push(...body.fills);
    cursor = body.cursor ?? '';
    if (!cursor) break;
  }
  return out;
}

/** The UTC day of a fill (the bot's default `risk.dayStartTimezone`). */
export function utcDayOf(fill: WireFillRecord): string {
  return new Date(Date.parse(fill.created_time ?? '')).toISOString().slice(0, 10);
}

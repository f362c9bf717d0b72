/**
 * Kalshi's token-bucket rate limits (fact sheet §7). Every authenticated request costs tokens
 * from the read or the write bucket; the RFQ quote flow draws from write.
 */

export type UsageTier = 'basic' | 'advanced' | 'expert' | 'premier' | 'paragon' | 'prime' | 'prestige';

export interface TokenBudget {
  /** Tokens added per second. */
  readonly refillRate: number;
  /** Most tokens the bucket holds (burst headroom). */
  readonly capacity: number;
}

export interface TierLimits {
  readonly read: TokenBudget;
  readonly write: TokenBudget;
}

/** Basic write holds 1 s of budget; Basic/Advanced read and writes above Basic hold 2 s. */
export const TIER_LIMITS: Readonly<Record<UsageTier, TierLimits>> = Object.freeze({
  basic: { read: { refillRate: 200, capacity: 400 }, write: { refillRate: 100, capacity: 100 } },
  advanced: { read: { refillRate: 300, capacity: 600 }, write: { refillRate: 300, capacity: 600 } },
  expert: { read: { refillRate: 600, capacity: 600 }, write: { refillRate: 600, capacity: 1200 } },
  premier: { read: { refillRate: 1000, capacity: 1000 }, write: { refillRate: 1000, capacity: 2000 } },
  paragon: { read: { refillRate: 2000, capacity: 2000 }, write: { refillRate: 2000, capacity: 4000 } },
  prime: { read: { refillRate: 4000, capacity: 4000 }, write: { refillRate: 4000, capacity: 8000 } },
  prestige: { read: { refillRate: 6000, capacity: 6000 }, write: { refillRate: 8000, capacity: 16000 } },
});

export const USAGE_TIERS = Object.keys(TIER_LIMITS) as UsageTier[];

export const DEFAULT_TOKEN_COST = 10;

/**
 * Endpoints whose cost differs from the default, as `METHOD /path/template` under the API prefix.
 * Accept, confirm and RFQ create/delete are not known to differ (assumed 10; fact sheet open
 * question 8): at startup the bot reads the live table from `GET /account/endpoint_costs`.
 */
export const KNOWN_ENDPOINT_COSTS: Readonly<Record<string, number>> = Object.freeze({
  'POST /communications/quotes': 2,
  'GET /communications/quotes/{quote_id}': 2,
  'DELETE /communications/quotes/{quote_id}': 2,
  'GET /communications/rfqs/{rfq_id}/quotes/{quote_id}': 2,
  'DELETE /communications/rfqs/{rfq_id}/quotes/{quote_id}': 2,
  // an order cancel costs 2 (rate-limits page: 25 batch cancels cost 25 × 2)
  'DELETE /portfolio/events/orders/{order_id}': 2,
});

/** Which bucket a request draws from: GETs read, everything else write. */
export function bucketFor(method: string): 'read' | 'write' {
  return method.toUpperCase() === 'GET' ? 'read' : 'write';
}

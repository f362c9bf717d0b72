/**
 * What a strategy is handed it may read but never change: the bot prices, guards and sends on
 * the same RFQ, options and cached market data (a strategy that lowered `rfq.size.contracts`
 * once got 150-contract RFQs past `maxContractsPerQuote`). Frozen data makes such a write throw
 * (plugins are ES modules, so strict mode) instead of silently reaching the bot.
 */

/** Roots already frozen deeply: cached market data is frozen once, not on every read. */
const frozenRoots = new WeakSet<object>();

/** Freezes a plain-data object graph in place and returns it. Cycles and shared parts are fine. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || frozenRoots.has(value)) return value;
  const pending: object[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (frozenRoots.has(next)) continue;
    frozenRoots.add(next);
    // Typed arrays with elements cannot be frozen; strategies never receive any.
    if (ArrayBuffer.isView(next)) continue;
    for (const key of Reflect.ownKeys(next)) {
      const descriptor = Object.getOwnPropertyDescriptor(next, key);
      const child = descriptor?.value as unknown;
      if (typeof child === 'object' && child !== null) pending.push(child);
    }
    Object.freeze(next);
  }
  return value;
}

/** A deeply frozen structured clone: the strategy's own copy, which cannot reach the bot's object. */
export function frozenCopy<T>(value: T): T {
  return deepFreeze(structuredClone(value));
}

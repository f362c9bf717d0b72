/**
 * What a strategy is handed it may read but never change: the bot prices, guards and sends on
 * the same RFQ, options and cached market data (a strategy that lowered `rfq.size.contracts`
 * once got 150-contract RFQs past `maxContractsPerQuote`). Frozen data makes such a write throw
 * (plugins are ES modules, so strict mode) instead of silently reaching the bot.
 */

/**
 * Roots already frozen deeply: cached market data is frozen once, not on every read. Only roots
 * are remembered: a weak entry for every part cost three times the freezing (and the collector
 * walks them all).
 */
const frozenRoots = new WeakSet<object>();

/** Deeper than plain data goes: past it (a cycle, say) the walk that remembers what it saw takes over. */
const TREE_DEPTH = 64;

/** Freezes a plain-data object graph in place and returns it. Cycles and shared parts are fine. */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || frozenRoots.has(value)) return value;
  if (!freezeTree(value, 0)) freezeGraph(value);
  frozenRoots.add(value);
  return value;
}

/** Freezes a tree depth first (children before parents); false past TREE_DEPTH, some of it frozen. */
function freezeTree(node: object, depth: number): boolean {
  if (depth > TREE_DEPTH) return false;
  // Typed arrays with elements cannot be frozen; strategies never receive any.
  if (ArrayBuffer.isView(node)) return true;
  // Plain data: values read directly (a property descriptor per key cost twice as much).
  const children: unknown[] = Array.isArray(node) ? node : Object.values(node);
  for (const child of children) {
    if (
      typeof child === 'object' &&
      child !== null &&
      !frozenRoots.has(child) &&
      !freezeTree(child, depth + 1)
    )
      return false;
  }
  Object.freeze(node);
  return true;
}

/** Freezes any object graph, cycles included, remembering what it saw. */
function freezeGraph(value: object): void {
  const seen = new Set<object>();
  const pending: object[] = [value];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (seen.has(next)) continue;
    seen.add(next);
    if (ArrayBuffer.isView(next)) continue;
    const children: unknown[] = Array.isArray(next) ? next : Object.values(next);
    for (const child of children) {
      if (typeof child === 'object' && child !== null && !frozenRoots.has(child)) pending.push(child);
    }
    Object.freeze(next);
  }
}

const NOT_PLAIN = Symbol('not plain');
/** Deeper than any argument the bot passes: past it (or a cycle) the structured clone takes over. */
const PLAIN_DEPTH = 16;

/**
 * A frozen copy of JSON-like data (plain objects and arrays of primitives), made directly: what
 * the bot passes strategies (RFQs, quotes, events) is such data, and the structured clone costs
 * more than the pricing. Anything else (a Date, a Map, a class, a cycle) answers NOT_PLAIN.
 */
function plainFrozenCopy(value: unknown, depth: number): unknown {
  if (typeof value !== 'object' || value === null) return typeof value === 'function' ? NOT_PLAIN : value;
  if (depth > PLAIN_DEPTH) return NOT_PLAIN;
  if (Array.isArray(value)) {
    const copy: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return NOT_PLAIN;
      const item = plainFrozenCopy(value[i], depth + 1);
      if (item === NOT_PLAIN) return NOT_PLAIN;
      copy[i] = item;
    }
    return Object.freeze(copy);
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return NOT_PLAIN;
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(value)) {
    const descriptor = Object.getOwnPropertyDescriptor(value, key);
    if (descriptor === undefined || !('value' in descriptor)) return NOT_PLAIN;
    const item = plainFrozenCopy(descriptor.value, depth + 1);
    if (item === NOT_PLAIN) return NOT_PLAIN;
    copy[key] = item;
  }
  return Object.freeze(copy);
}

/** A deeply frozen structured clone: the strategy's own copy, which cannot reach the bot's object. */
export function frozenCopy<T>(value: T): T {
  const plain = plainFrozenCopy(value, 0);
  if (plain !== NOT_PLAIN) return plain as T;
  return deepFreeze(structuredClone(value));
}

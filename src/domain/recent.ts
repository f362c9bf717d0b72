/**
 * Bounded memories that forget their oldest entries first, in constant time. The usual way —
 * `map.delete(map.keys().next().value)` once full — leaves the deleted entries as holes at the
 * front of the Map's table, which every later `keys().next()` walks past until the table is
 * rebuilt: a full 20,000-entry memory then costs ~10 µs per insert instead of ~0.5 µs.
 */

interface Slot<V> {
  value: V;
  /** When it was last set: entries of the order list with another number are stale. */
  seq: number;
}

/** A map of at most `capacity` entries; `set` makes a key the newest, the oldest go first. */
export class RecentMap<K, V> {
  readonly #slots = new Map<K, Slot<V>>();
  /** Keys in the order they were set (with stale repeats), from `#head` on. */
  #keys: K[] = [];
  #seqs: number[] = [];
  #head = 0;
  #nextSeq = 0;

  constructor(
    private readonly capacity: number,
    /** Told of each entry forgotten: to make room, or by `forgetWhile`. */
    private readonly onForget?: (key: K, value: V) => void,
  ) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`RecentMap: capacity must be a positive integer, got ${String(capacity)}`);
    }
  }

  get size(): number {
    return this.#slots.size;
  }

  has(key: K): boolean {
    return this.#slots.has(key);
  }

  get(key: K): V | undefined {
    return this.#slots.get(key)?.value;
  }

  /** Sets the value and makes the key the newest; forgets the oldest past the capacity. */
  set(key: K, value: V): void {
    const seq = this.#nextSeq++;
    const slot = this.#slots.get(key);
    if (slot === undefined) this.#slots.set(key, { value, seq });
    else {
      slot.value = value;
      slot.seq = seq;
    }
    this.#keys.push(key);
    this.#seqs.push(seq);
    while (this.#slots.size > this.capacity) this.#forgetOldest();
    // The order list holds the consumed prefix and stale repeats too: drop them once they are
    // as many as the entries (amortised constant time, memory at most about twice the entries).
    if (this.#keys.length > 2 * this.#slots.size + 1_024) this.#compact();
  }

  /** Keys the order list holds, live or stale (at most about twice the entries, plus 1,024). */
  get orderLength(): number {
    return this.#keys.length;
  }

  delete(key: K): boolean {
    return this.#slots.delete(key);
  }

  /** The keys held (in no particular order). */
  keys(): IterableIterator<K> {
    return this.#slots.keys();
  }

  /**
   * Forgets entries from the oldest set on while `stale` says so, stopping at the first it does
   * not: with values that grow as they are set (a time of last use), those older than a bound.
   */
  forgetWhile(stale: (value: V, key: K) => boolean): void {
    while (this.#head < this.#keys.length) {
      const key = this.#keys[this.#head]!;
      const slot = this.#slots.get(key);
      if (slot !== undefined && slot.seq === this.#seqs[this.#head]) {
        if (!stale(slot.value, key)) return;
        this.#slots.delete(key);
        this.onForget?.(key, slot.value);
      }
      this.#head++;
    }
  }

  clear(): void {
    this.#slots.clear();
    this.#keys = [];
    this.#seqs = [];
    this.#head = 0;
  }

  #forgetOldest(): void {
    while (this.#head < this.#keys.length) {
      const key = this.#keys[this.#head]!;
      const seq = this.#seqs[this.#head]!;
      this.#head++;
      const slot = this.#slots.get(key);
      if (slot !== undefined && slot.seq === seq) {
        this.#slots.delete(key);
        this.onForget?.(key, slot.value);
        return;
      }
    }
  }

  /** Drops the order list's stale entries (keys set again, deleted or forgotten). */
  #compact(): void {
    const keys: K[] = [];
    const seqs: number[] = [];
    for (let i = this.#head; i < this.#keys.length; i++) {
      const key = this.#keys[i]!;
      if (this.#slots.get(key)?.seq === this.#seqs[i]) {
        keys.push(key);
        seqs.push(this.#seqs[i]!);
      }
    }
    this.#keys = keys;
    this.#seqs = seqs;
    this.#head = 0;
  }
}

/** A set of at most `capacity` items that forgets the oldest added first: de-duplication in bounded memory. */
export class RecentSet<T> {
  readonly #items = new Set<T>();
  /** Items in the order they were added, from `#head` on (an item is never added twice). */
  #order: T[] = [];
  #head = 0;

  constructor(private readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`RecentSet: capacity must be a positive integer, got ${String(capacity)}`);
    }
  }

  get size(): number {
    return this.#items.size;
  }

  has(item: T): boolean {
    return this.#items.has(item);
  }

  /** Adds; true when it was not there (an item already there keeps its place). */
  add(item: T): boolean {
    if (this.#items.has(item)) return false;
    this.#items.add(item);
    this.#order.push(item);
    if (this.#items.size > this.capacity) this.#items.delete(this.#order[this.#head++]!);
    if (this.#head >= this.capacity) {
      this.#order = this.#order.slice(this.#head);
      this.#head = 0;
    }
    return true;
  }
}

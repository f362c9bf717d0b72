import type { Clock } from '../domain/clock.js';
import { RecentMap } from '../domain/recent.js';

/** One key's state. Every field always present: one object shape, changed in place. */
interface Entry<V> {
  value: V | undefined;
  hasValue: boolean;
  expiresAt: number;
  pending: Promise<V> | undefined;
  /** Whether the load in flight was started by an urgent reader (it goes first at the exchange). */
  pendingUrgent: boolean;
  /** The load the value came from: an older load that ends later does not replace it. */
  loadSeq: number;
  /** The value as a settled promise, handed to every reader while it is fresh. */
  resolved: Promise<V> | undefined;
}

/**
 * A small read-through cache: one load in flight per key (concurrent callers share it),
 * values kept for `ttlMs`, failures not cached. Bounded: the oldest entries go first.
 */
export class TtlCache<V> {
  /** Bounded: the oldest entries (by first load) go first. */
  readonly #entries: RecentMap<string, Entry<V>>;
  #loads = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    maxEntries = 20_000,
    /**
     * Whether the caller is urgent (a read on behalf of a confirm): it does not wait on a load
     * that was started at the ordinary priority and may still be queued behind others.
     */
    private readonly urgent: () => boolean = () => false,
  ) {
    this.#entries = new RecentMap(maxEntries);
  }

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const entry = this.#entries.get(key);
    // Asked only where it matters: a fresh value serves every reader alike.
    if (entry?.pending && (entry.pendingUrgent || !this.urgent())) return entry.pending;
    if (entry?.hasValue && entry.expiresAt > now) {
      entry.resolved ??= Promise.resolve(entry.value as V);
      return entry.resolved;
    }
    const urgent = this.urgent();
    const seq = ++this.#loads;
    const pending = load().then(
      (value) => {
        const current = this.#entries.get(key);
        // A newer load (an urgent one) already gave its value.
        if (current !== undefined && current.loadSeq > seq) return value;
        // Expired or invalidated while loading: the value is kept (`peek`) but not as fresh.
        const fresh = current?.pending === pending;
        if (fresh || current?.pending === undefined) {
          this.#store(key, current, value, fresh ? this.clock.now() + this.ttlMs : 0, seq);
        }
        return value;
      },
      (error: unknown) => {
        const current = this.#entries.get(key);
        if (current?.pending === pending) {
          if (current.hasValue) {
            current.pending = undefined;
            current.pendingUrgent = false;
          } else this.#entries.delete(key);
        }
        throw error;
      },
    );
    if (entry === undefined) {
      this.#entries.set(key, {
        value: undefined,
        hasValue: false,
        expiresAt: 0,
        pending,
        pendingUrgent: urgent,
        loadSeq: 0,
        resolved: undefined,
      });
    } else {
      entry.pending = pending;
      entry.pendingUrgent = urgent;
    }
    return pending;
  }

  /**
   * Stores a value read by other means (a batch read) as fresh for `ttlMs`. A load already in
   * flight still answers its own callers, but does not replace this value when it ends.
   */
  set(key: string, value: V): void {
    // Readers from now on get this value; a load's own callers still get the load's.
    this.#store(key, this.#entries.get(key), value, this.clock.now() + this.ttlMs, ++this.#loads);
  }

  /** Puts `value` in place of whatever `current` held, with no load pending. */
  #store(key: string, current: Entry<V> | undefined, value: V, expiresAt: number, seq: number): void {
    if (current === undefined) {
      this.#entries.set(key, {
        value,
        hasValue: true,
        expiresAt,
        pending: undefined,
        pendingUrgent: false,
        loadSeq: seq,
        resolved: undefined,
      });
      return;
    }
    current.value = value;
    current.hasValue = true;
    current.expiresAt = expiresAt;
    current.pending = undefined;
    current.pendingUrgent = false;
    current.loadSeq = seq;
    current.resolved = undefined;
  }

  /** Milliseconds the cached value stays fresh (0 when stale or absent). */
  freshForMs(key: string): number {
    const entry = this.#entries.get(key);
    return entry?.hasValue ? Math.max(0, entry.expiresAt - this.clock.now()) : 0;
  }

  /** Whether a fresh value or a load in flight is there (a `get` would not start one). */
  has(key: string): boolean {
    const entry = this.#entries.get(key);
    return entry !== undefined && (entry.pending !== undefined || entry.expiresAt > this.clock.now());
  }

  /** The cached value, fresh or stale, without loading. */
  peek(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }

  invalidate(key: string): void {
    this.#entries.delete(key);
  }

  /** The next `get` loads again; `peek` still has the value until then. A load in flight is not shared. */
  expire(key: string): void {
    const entry = this.#entries.get(key);
    if (entry === undefined) return;
    entry.expiresAt = 0;
    entry.pending = undefined;
    entry.pendingUrgent = false;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }
}

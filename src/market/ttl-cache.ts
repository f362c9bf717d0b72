import type { Clock } from '../domain/clock.js';

interface Entry<V> {
  value?: V;
  expiresAt: number;
  pending?: Promise<V>;
}

/**
 * A small read-through cache: one load in flight per key (concurrent callers share it),
 * values kept for `ttlMs`, failures not cached. Bounded: the oldest entries go first.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, Entry<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly clock: Clock,
    private readonly maxEntries = 20_000,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const now = this.clock.now();
    const entry = this.#entries.get(key);
    if (entry?.pending) return entry.pending;
    if (entry && 'value' in entry && entry.expiresAt > now) return Promise.resolve(entry.value as V);
    const pending = load().then(
      (value) => {
        const current = this.#entries.get(key);
        // Expired or invalidated while loading: the value is kept (`peek`) but not as fresh.
        const fresh = current?.pending === pending;
        if (fresh || current?.pending === undefined) {
          this.#entries.set(key, { value, expiresAt: fresh ? this.clock.now() + this.ttlMs : 0 });
          this.#evict();
        }
        return value;
      },
      (error: unknown) => {
        const current = this.#entries.get(key);
        if (current?.pending === pending) {
          if (current && 'value' in current) delete current.pending;
          else this.#entries.delete(key);
        }
        throw error;
      },
    );
    this.#entries.set(key, { ...(entry ?? { expiresAt: 0 }), pending });
    return pending;
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
    delete entry.pending;
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    while (this.#entries.size > this.maxEntries) {
      const oldest = this.#entries.keys().next();
      if (oldest.done) return;
      this.#entries.delete(oldest.value);
    }
  }
}

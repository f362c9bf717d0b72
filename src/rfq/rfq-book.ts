import type { Clock } from '../domain/clock.js';
import { systemClock } from '../domain/clock.js';
import type { EpochMs, Rfq } from '../domain/types.js';

/** Where the book learnt of an RFQ: a listing, a push, or our own startup reconciliation. */
export type RfqSource = 'poll' | 'push' | 'startup';

export interface RfqBookListener {
  /** An open RFQ we had not seen, and which source told us. */
  added?(rfq: Rfq, source: RfqSource): void;
  /** A known RFQ whose fields changed (size, status, legs). */
  changed?(rfq: Rfq, previous: Rfq): void;
  /** A known RFQ that is no longer open. */
  removed?(rfq: Rfq): void;
}

export interface SnapshotResult {
  readonly added: number;
  readonly changed: number;
  readonly removed: number;
  readonly total: number;
}

/** How long a removal is remembered, so a listing read before it cannot resurrect the RFQ. */
const REMOVAL_MEMORY_MS = 120_000;

/**
 * The set of open RFQs we know of, fed by two sources: poll snapshots and push events.
 *
 * A snapshot reports what is new, changed and gone. An incomplete snapshot (a page failed,
 * max pages hit) adds and changes but never removes: absence from a partial list proves
 * nothing. A snapshot is also only as fresh as the moment its listing started (`asOf`): it
 * does not remove an RFQ first seen after that moment (pushed while the pages were read),
 * nor re-add one removed after it.
 */
export class RfqBook {
  readonly #rfqs = new Map<string, Rfq>();
  readonly #seenAt = new Map<string, EpochMs>();
  readonly #removedAt = new Map<string, EpochMs>();
  readonly #listeners: RfqBookListener[] = [];

  constructor(private readonly clock: Clock = systemClock) {}

  subscribe(listener: RfqBookListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  get size(): number {
    return this.#rfqs.size;
  }

  get(id: string): Rfq | undefined {
    return this.#rfqs.get(id);
  }

  has(id: string): boolean {
    return this.#rfqs.has(id);
  }

  all(): IterableIterator<Rfq> {
    return this.#rfqs.values();
  }

  /**
   * Applies a listing of the open RFQs. `asOf` is when the listing started (defaults to now,
   * i.e. a listing that cannot race anything).
   */
  applySnapshot(open: Iterable<Rfq>, complete: boolean, asOf: EpochMs = this.clock.now()): SnapshotResult {
    this.#forgetOldRemovals();
    const seen = new Set<string>();
    let added = 0;
    let changed = 0;
    let removed = 0;
    for (const rfq of open) {
      if (rfq.status !== 'open' || seen.has(rfq.id)) continue;
      seen.add(rfq.id);
      const removedAt = this.#removedAt.get(rfq.id);
      if (removedAt !== undefined && removedAt >= asOf) continue;
      const outcome = this.#put(rfq, 'poll');
      if (outcome === 'added') added++;
      else if (outcome === 'changed') changed++;
    }
    if (complete) {
      for (const [id, rfq] of this.#rfqs) {
        if (seen.has(id) || (this.#seenAt.get(id) ?? 0) >= asOf) continue;
        this.#delete(id, rfq);
        removed++;
      }
    }
    return { added, changed, removed, total: this.#rfqs.size };
  }

  /** One RFQ learnt from a push source (or our own writes); a closed one is removed. */
  upsert(rfq: Rfq, source: RfqSource = 'push'): void {
    if (rfq.status !== 'open') {
      this.remove(rfq.id);
      return;
    }
    if (this.#removedAt.has(rfq.id)) return;
    this.#put(rfq, source);
  }

  remove(id: string): void {
    const rfq = this.#rfqs.get(id);
    this.#removedAt.set(id, this.clock.now());
    if (rfq) this.#delete(id, rfq);
  }

  #put(rfq: Rfq, source: RfqSource): 'added' | 'changed' | 'same' {
    const previous = this.#rfqs.get(rfq.id);
    this.#rfqs.set(rfq.id, rfq);
    if (!previous) {
      this.#seenAt.set(rfq.id, this.clock.now());
      this.#emit((l) => l.added?.(rfq, source));
      return 'added';
    }
    if (rfqChanged(previous, rfq)) {
      this.#emit((l) => l.changed?.(rfq, previous));
      return 'changed';
    }
    return 'same';
  }

  #delete(id: string, rfq: Rfq): void {
    this.#rfqs.delete(id);
    this.#seenAt.delete(id);
    this.#emit((l) => l.removed?.(rfq));
  }

  #forgetOldRemovals(): void {
    const cutoff = this.clock.now() - REMOVAL_MEMORY_MS;
    for (const [id, at] of this.#removedAt) {
      if (at < cutoff) this.#removedAt.delete(id);
    }
  }

  #emit(call: (listener: RfqBookListener) => void): void {
    for (const listener of this.#listeners) call(listener);
  }
}

function rfqChanged(a: Rfq, b: Rfq): boolean {
  if (a.status !== b.status || a.marketTicker !== b.marketTicker) return true;
  if (a.size.kind !== b.size.kind) return true;
  if (a.size.kind === 'contracts' && b.size.kind === 'contracts')
    return a.size.contracts !== b.size.contracts;
  if (a.size.kind === 'targetCost' && b.size.kind === 'targetCost') {
    return a.size.targetCost !== b.size.targetCost || a.size.excludesFees !== b.size.excludesFees;
  }
  return false;
}

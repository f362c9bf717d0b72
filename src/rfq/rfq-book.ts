import type { Rfq } from '../domain/types.js';

export interface RfqBookListener {
  /** An open RFQ we had not seen. */
  added?(rfq: Rfq): void;
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

/**
 * The set of open RFQs we know of. A poll cycle hands it a snapshot; it reports what is new,
 * changed and gone. An incomplete snapshot (a page failed, max pages hit) adds and changes but
 * never removes: absence from a partial list proves nothing.
 */
export class RfqBook {
  readonly #rfqs = new Map<string, Rfq>();
  readonly #listeners: RfqBookListener[] = [];

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

  applySnapshot(open: Iterable<Rfq>, complete: boolean): SnapshotResult {
    const seen = new Set<string>();
    let added = 0;
    let changed = 0;
    let removed = 0;
    for (const rfq of open) {
      if (rfq.status !== 'open' || seen.has(rfq.id)) continue;
      seen.add(rfq.id);
      const previous = this.#rfqs.get(rfq.id);
      this.#rfqs.set(rfq.id, rfq);
      if (!previous) {
        added++;
        this.#emit((l) => l.added?.(rfq));
      } else if (rfqChanged(previous, rfq)) {
        changed++;
        this.#emit((l) => l.changed?.(rfq, previous));
      }
    }
    if (complete) {
      for (const [id, rfq] of this.#rfqs) {
        if (seen.has(id)) continue;
        this.#rfqs.delete(id);
        removed++;
        this.#emit((l) => l.removed?.(rfq));
      }
    }
    return { added, changed, removed, total: this.#rfqs.size };
  }

  /** Push sources (and our own failed writes) may learn of one RFQ at a time. */
  upsert(rfq: Rfq): void {
    if (rfq.status !== 'open') {
      this.remove(rfq.id);
      return;
    }
    this.applyOne(rfq);
  }

  remove(id: string): void {
    const rfq = this.#rfqs.get(id);
    if (!rfq) return;
    this.#rfqs.delete(id);
    this.#emit((l) => l.removed?.(rfq));
  }

  private applyOne(rfq: Rfq): void {
    const previous = this.#rfqs.get(rfq.id);
    this.#rfqs.set(rfq.id, rfq);
    if (!previous) this.#emit((l) => l.added?.(rfq));
    else if (rfqChanged(previous, rfq)) this.#emit((l) => l.changed?.(rfq, previous));
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

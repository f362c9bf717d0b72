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

interface Entry {
  rfq: Rfq;
  /** The object came from a listing (a pushed one lacks some fields, e.g. the creator). */
  listed: boolean;
  readonly seenAt: EpochMs;
  /** The listing that last reported it (compared with the listing's number). */
  listedIn: number;
}

/**
 * A listing of the open RFQs applied page by page: each page adds and changes at once (nothing
 * collects every page first), and `finish` removes what a complete listing did not report.
 */
export interface RfqListing {
  /** Applies one listed RFQ. */
  add(rfq: Rfq): void;
  /** Ends the listing; only a complete one removes RFQs it did not report. Once. */
  finish(complete: boolean): SnapshotResult;
}

/**
 * The set of open RFQs we know of, fed by two sources: poll listings and push events.
 *
 * A listing reports what is new, changed and gone. An incomplete listing (a page failed,
 * max pages hit) adds and changes but never removes: absence from a partial list proves
 * nothing. A listing is also only as fresh as the moment it started (`asOf`): it does not
 * remove an RFQ first seen after that moment (pushed while the pages were read), nor re-add
 * one removed after it. An RFQ listed again unchanged keeps its object (no churn per cycle).
 */
export class RfqBook {
  readonly #entries = new Map<string, Entry>();
  readonly #removedAt = new Map<string, EpochMs>();
  readonly #listeners: RfqBookListener[] = [];
  #listings = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  subscribe(listener: RfqBookListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const index = this.#listeners.indexOf(listener);
      if (index >= 0) this.#listeners.splice(index, 1);
    };
  }

  get size(): number {
    return this.#entries.size;
  }

  get(id: string): Rfq | undefined {
    return this.#entries.get(id)?.rfq;
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  *all(): IterableIterator<Rfq> {
    for (const entry of this.#entries.values()) yield entry.rfq;
  }

  /**
   * Applies a whole listing of the open RFQs. `asOf` is when the listing started (defaults to
   * now, i.e. a listing that cannot race anything).
   */
  applySnapshot(open: Iterable<Rfq>, complete: boolean, asOf: EpochMs = this.clock.now()): SnapshotResult {
    const listing = this.beginListing(asOf);
    for (const rfq of open) listing.add(rfq);
    return listing.finish(complete);
  }

  /**
   * Starts a listing that began at `asOf` (before its first page was requested). A `partial` one
   * (the newest pages only) adds and changes but can never remove, and leaves no mark on what it
   * lists: a complete listing running meanwhile still judges by its own pages alone.
   */
  beginListing(asOf: EpochMs = this.clock.now(), partial = false): RfqListing {
    this.#forgetOldRemovals();
    const id = partial ? -1 : ++this.#listings;
    let added = 0;
    let changed = 0;
    let finished = false;
    return {
      add: (rfq) => {
        if (finished || rfq.status !== 'open') return;
        const entry = this.#entries.get(rfq.id);
        if (entry?.listedIn === id) return;
        const removedAt = this.#removedAt.get(rfq.id);
        if (removedAt !== undefined && removedAt >= asOf) return;
        const outcome = this.#put(rfq, 'poll', entry);
        if (!partial) this.#entries.get(rfq.id)!.listedIn = id;
        if (outcome === 'added') added++;
        else if (outcome === 'changed') changed++;
      },
      finish: (complete) => {
        let removed = 0;
        if (!finished && complete && !partial) {
          for (const [rfqId, entry] of this.#entries) {
            if (entry.listedIn === id || entry.seenAt >= asOf) continue;
            this.#delete(rfqId, entry.rfq);
            removed++;
          }
        }
        finished = true;
        return { added, changed, removed, total: this.#entries.size };
      },
    };
  }

  /** One RFQ learnt from a push source (or our own writes); a closed one is removed. */
  upsert(rfq: Rfq, source: RfqSource = 'push'): void {
    if (rfq.status !== 'open') {
      this.remove(rfq.id);
      return;
    }
    if (this.#removedAt.has(rfq.id)) return;
    this.#put(rfq, source, this.#entries.get(rfq.id));
  }

  remove(id: string): void {
    const entry = this.#entries.get(id);
    this.#removedAt.set(id, this.clock.now());
    if (entry) this.#delete(id, entry.rfq);
  }

  #put(rfq: Rfq, source: RfqSource, entry: Entry | undefined): 'added' | 'changed' | 'same' {
    const listed = source === 'poll';
    if (!entry) {
      this.#entries.set(rfq.id, { rfq, listed, seenAt: this.clock.now(), listedIn: 0 });
      this.#emit((l) => l.added?.(rfq, source));
      return 'added';
    }
    const previous = entry.rfq;
    if (!rfqChanged(previous, rfq)) {
      // The first listing of a pushed RFQ brings its full record; after that the object stays.
      if (listed && !entry.listed) {
        entry.rfq = rfq;
        entry.listed = true;
      }
      return 'same';
    }
    entry.rfq = rfq;
    entry.listed ||= listed;
    this.#emit((l) => l.changed?.(rfq, previous));
    return 'changed';
  }

  #delete(id: string, rfq: Rfq): void {
    this.#entries.delete(id);
    this.#emit((l) => l.removed?.(rfq));
  }

  #forgetOldRemovals(): void {
    const cutoff = this.clock.now() - REMOVAL_MEMORY_MS;
    // forEach: no [id, at] pair made per entry (every listing walks two minutes of removals).
    const removedAt = this.#removedAt;
    removedAt.forEach((at, id) => {
      if (at < cutoff) removedAt.delete(id);
    });
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

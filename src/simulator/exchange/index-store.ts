import { invalidParameters } from '../errors.js';

/**
 * Sequence numbers in ascending order. Items get increasing seqs as they are created, so
 * adds append; removals binary-search. Listing newest-first from a cursor is O(log n + page).
 */
export class SeqIndex {
  private readonly seqs: number[] = [];

  get size(): number {
    return this.seqs.length;
  }

  add(seq: number): void {
    const last = this.seqs[this.seqs.length - 1];
    if (last === undefined || last < seq) {
      this.seqs.push(seq);
      return;
    }
    const at = this.lowerBound(seq);
    if (this.seqs[at] !== seq) this.seqs.splice(at, 0, seq);
  }

  remove(seq: number): void {
    const at = this.lowerBound(seq);
    if (this.seqs[at] === seq) this.seqs.splice(at, 1);
  }

  /** Seqs strictly below `before`, newest first. */
  *descending(before: number): Generator<number> {
    for (let i = this.lowerBound(before) - 1; i >= 0; i--) yield this.seqs[i] as number;
  }

  private lowerBound(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.seqs[mid] as number) < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Named `SeqIndex`es ("s:open", "c:<user>", ...), created on first use. */
export class IndexMap {
  private readonly indexes = new Map<string, SeqIndex>();

  add(key: string, seq: number): void {
    let index = this.indexes.get(key);
    if (!index) {
      index = new SeqIndex();
      this.indexes.set(key, index);
    }
    index.add(seq);
  }

  remove(key: string, seq: number): void {
    const index = this.indexes.get(key);
    if (!index) return;
    index.remove(seq);
    if (index.size === 0) this.indexes.delete(key);
  }

  get(key: string): SeqIndex | undefined {
    return this.indexes.get(key);
  }

  size(key: string): number {
    return this.indexes.get(key)?.size ?? 0;
  }
}

/** Cursors are opaque to clients: base64url of "<kind>.<position>". */
export function encodeCursor(kind: string, position: number): string {
  return Buffer.from(`${kind}.${position}`, 'utf8').toString('base64url');
}

/** The position a cursor points at, `undefined` for the first page; a malformed cursor is a 400. */
export function decodeCursor(kind: string, cursor: string | null | undefined): number | undefined {
  if (cursor === null || cursor === undefined || cursor === '') return undefined;
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidParameters('invalid cursor');
  const text = Buffer.from(cursor, 'base64url').toString('utf8');
  const match = /^([a-z_]+)\.(\d{1,15})$/.exec(text);
  if (!match || match[1] !== kind) throw invalidParameters('invalid cursor');
  return Number(match[2]);
}

export interface Page<T> {
  readonly items: T[];
  /** Empty when there is nothing after this page. */
  readonly cursor: string;
}

/**
 * One newest-first page from an index: items below the cursor that pass `keep`, and a
 * cursor only when another matching item exists (so the last page says "").
 */
export function pageFrom<T>(
  kind: string,
  index: SeqIndex | undefined,
  cursor: string | null | undefined,
  limit: number,
  lookup: (seq: number) => T | undefined,
  keep: (item: T) => boolean,
): Page<T> {
  const before = decodeCursor(kind, cursor) ?? Number.MAX_SAFE_INTEGER;
  const items: T[] = [];
  if (!index) return { items, cursor: '' };
  let lastSeq = 0;
  for (const seq of index.descending(before)) {
    const item = lookup(seq);
    if (item === undefined || !keep(item)) continue;
    if (items.length === limit) return { items, cursor: encodeCursor(kind, lastSeq) };
    items.push(item);
    lastSeq = seq;
  }
  return { items, cursor: '' };
}

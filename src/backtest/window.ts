/**
 * The recording as the replay reads it: a FIFO of the next events, filled from the stream only as
 * far ahead of the clock as the taker model may look. Memory holds that window, never the file.
 */
import type { Micros } from '../domain/money.js';
import { RecentMap } from '../domain/recent.js';
import type { EpochMs } from '../domain/types.js';
import type { RecordedLine } from './reader.js';

/** RFQs whose recorded decisions are kept while they wait to enter (oldest forgotten first). */
const DECISIONS_KEPT = 100_000;

interface BufferedMark {
  readonly at: EpochMs;
  readonly mid: Micros;
}

/** A FIFO with O(1) shift: an array and a head index, compacted now and then. */
class Queue<T> {
  #items: T[] = [];
  #head = 0;

  get length(): number {
    return this.#items.length - this.#head;
  }

  push(item: T): void {
    this.#items.push(item);
  }

  peek(): T | undefined {
    return this.#items[this.#head];
  }

  at(index: number): T | undefined {
    return this.#items[this.#head + index];
  }

  shift(): T | undefined {
    const item = this.#items[this.#head];
    if (item === undefined) return undefined;
    this.#head++;
    if (this.#head > 4096 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

interface Buffered {
  readonly item: RecordedLine;
  /** Handed out early (market data ahead of its time stamp); skipped when it reaches the head. */
  taken: boolean;
}

export class EventWindow {
  readonly #source: AsyncIterator<readonly RecordedLine[]>;
  readonly #buffer = new Queue<Buffered>();
  /** Buffered events before this many from the head were looked at by `takeEarly`. */
  #scanned = 0;
  readonly #marks = new Map<string, Queue<BufferedMark>>();
  /** The recorded bot's decisions on each RFQ (the first few), as buffered. */
  readonly #decided = new RecentMap<string, { at: EpochMs; quote: boolean }[]>(DECISIONS_KEPT);
  #exhausted = false;
  #lastBufferedAt = Number.NEGATIVE_INFINITY;
  /** Most events held at once: the window's memory, reported with the results. */
  peak = 0;

  constructor(source: AsyncIterable<readonly RecordedLine[]>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Whether `fill(until)` has anything to read (the replay skips the await when not). */
  needsFill(until: EpochMs): boolean {
    return !this.#exhausted && this.#lastBufferedAt <= until;
  }

  /** Reads ahead until an event later than `until` is buffered, or the recording ends. */
  async fill(until: EpochMs): Promise<void> {
    while (!this.#exhausted && this.#lastBufferedAt <= until) {
      const next = await this.#source.next();
      if (next.done) {
        this.#exhausted = true;
        break;
      }
      for (const item of next.value) this.#push(item);
      if (this.#buffer.length > this.peak) this.peak = this.#buffer.length;
    }
  }

  #push(item: RecordedLine): void {
    this.#buffer.push({ item, taken: false });
    this.#lastBufferedAt = Math.max(this.#lastBufferedAt, item.event.at);
    if (item.event.kind === 'decision')
      this.#noteDecision(item.event.rfqId, item.event.at, item.event.outcome);
    if (item.event.kind === 'mark') {
      let marks = this.#marks.get(item.event.marketTicker);
      if (!marks) {
        marks = new Queue();
        this.#marks.set(item.event.marketTicker, marks);
      }
      marks.push({ at: item.event.at, mid: item.event.mid });
    }
  }

  #noteDecision(rfqId: string, at: EpochMs, outcome: string): void {
    const known = this.#decided.get(rfqId);
    if (known === undefined) {
      // Bounded: an RFQ's entry goes when it is read or closes; the bound only guards against leaks.
      this.#decided.set(rfqId, [{ at, quote: outcome === 'quote' }]);
    } else if (known.length < 8) known.push({ at, quote: outcome === 'quote' });
  }

  /**
   * When the recorded bot decided on `rfqId` by `limit`: its first quote decision, else its first
   * decision. The limit keeps the answer independent of how far the reader happened to buffer.
   * Forgets the RFQ's decisions.
   */
  takeDecidedAt(rfqId: string, limit: EpochMs): EpochMs | undefined {
    const known = this.#decided.get(rfqId);
    this.#decided.delete(rfqId);
    const inTime = known?.filter((d) => d.at <= limit) ?? [];
    return (inTime.find((d) => d.quote) ?? inTime[0])?.at;
  }

  /** The next event not yet handed out. */
  peek(): RecordedLine | undefined {
    this.#dropTaken();
    return this.#buffer.peek()?.item;
  }

  shift(): RecordedLine | undefined {
    this.#dropTaken();
    return this.#remove();
  }

  /**
   * Hands out, ahead of the others, buffered events of `kinds` stamped at or before `until`
   * (each once): market data the live bot read a moment after the RFQ that made it read.
   */
  takeEarly(until: EpochMs, kinds: ReadonlySet<string>): RecordedLine[] {
    const taken: RecordedLine[] = [];
    for (; this.#scanned < this.#buffer.length; this.#scanned++) {
      const buffered = this.#buffer.at(this.#scanned)!;
      if (buffered.item.event.at > until) break;
      if (!buffered.taken && kinds.has(buffered.item.event.kind)) {
        buffered.taken = true;
        taken.push(buffered.item);
      }
    }
    return taken;
  }

  get done(): boolean {
    this.#dropTaken();
    return this.#exhausted && this.#buffer.length === 0;
  }

  #dropTaken(): void {
    while (this.#buffer.peek()?.taken) this.#remove();
  }

  #remove(): RecordedLine | undefined {
    const buffered = this.#buffer.shift();
    if (buffered === undefined) return undefined;
    if (this.#scanned > 0) this.#scanned--;
    const item = buffered.item;
    if (item.event.kind === 'mark') {
      const marks = this.#marks.get(item.event.marketTicker);
      marks?.shift();
      if (marks?.length === 0) this.#marks.delete(item.event.marketTicker);
    }
    return item;
  }

  /**
   * The first buffered (future) mid of the market in [at, limit]. The limit keeps answers
   * independent of how far the reader happened to buffer (a whole block of the file at a time).
   */
  midAfter(ticker: string, at: EpochMs, limit: EpochMs): BufferedMark | undefined {
    const marks = this.#marks.get(ticker);
    if (!marks) return undefined;
    for (let i = 0; i < marks.length; i++) {
      const mark = marks.at(i)!;
      if (mark.at > limit) return undefined;
      if (mark.at >= at) return mark;
    }
    return undefined;
  }

  /** The last buffered (future) mid of the market at or before `at`. */
  lastMidBy(ticker: string, at: EpochMs): BufferedMark | undefined {
    const marks = this.#marks.get(ticker);
    let found: BufferedMark | undefined;
    if (!marks) return undefined;
    for (let i = 0; i < marks.length; i++) {
      const mark = marks.at(i)!;
      if (mark.at > at) break;
      found = mark;
    }
    return found;
  }
}

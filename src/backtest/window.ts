/**
 * The recording as the replay reads it: a FIFO of the next events, filled from the stream only as
 * far ahead of the clock as the taker model may look. Memory holds that window, never the file.
 */
import type { Micros } from '../domain/money.js';
import type { EpochMs } from '../domain/types.js';
import type { RecordedLine } from './reader.js';

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

export class EventWindow {
  readonly #source: AsyncIterator<RecordedLine>;
  readonly #buffer = new Queue<RecordedLine>();
  readonly #marks = new Map<string, Queue<BufferedMark>>();
  #exhausted = false;
  #lastBufferedAt = Number.NEGATIVE_INFINITY;
  /** Most events held at once: the window's memory, reported with the results. */
  peak = 0;

  constructor(source: AsyncIterable<RecordedLine>) {
    this.#source = source[Symbol.asyncIterator]();
  }

  /** Reads ahead until an event later than `until` is buffered, or the recording ends. */
  async fill(until: EpochMs): Promise<void> {
    while (!this.#exhausted && this.#lastBufferedAt <= until) {
      const next = await this.#source.next();
      if (next.done) {
        this.#exhausted = true;
        break;
      }
      const item = next.value;
      this.#buffer.push(item);
      this.#lastBufferedAt = Math.max(this.#lastBufferedAt, item.event.at);
      if (item.event.kind === 'mark') {
        let marks = this.#marks.get(item.event.marketTicker);
        if (!marks) {
          marks = new Queue();
          this.#marks.set(item.event.marketTicker, marks);
        }
        marks.push({ at: item.event.at, mid: item.event.mid });
      }
      if (this.#buffer.length > this.peak) this.peak = this.#buffer.length;
    }
  }

  peek(): RecordedLine | undefined {
    return this.#buffer.peek();
  }

  shift(): RecordedLine | undefined {
    const item = this.#buffer.shift();
    if (item?.event.kind === 'mark') {
      const marks = this.#marks.get(item.event.marketTicker);
      marks?.shift();
      if (marks?.length === 0) this.#marks.delete(item.event.marketTicker);
    }
    return item;
  }

  get done(): boolean {
    return this.#exhausted && this.#buffer.length === 0;
  }

  /** The first buffered (future) mid of the market at or after `at`. */
  midAfter(ticker: string, at: EpochMs): BufferedMark | undefined {
    const marks = this.#marks.get(ticker);
    if (!marks) return undefined;
    for (let i = 0; i < marks.length; i++) {
      const mark = marks.at(i)!;
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

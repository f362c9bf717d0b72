/**
 * The dashboard's memory of the last minutes and of the day: token use per second and P&L
 * points, sampled once a second by the dashboard's own timer (never by the quoting path), in
 * fixed-size rings. Also where "today" starts in the configured time zone.
 */
import type { EpochMs } from '../../domain/types.js';
import { dayKey } from '../../risk/zoned-time.js';

/** A fixed-capacity ring of samples, oldest first when read. */
export class SampleRing<T> {
  readonly #items: (T | undefined)[];
  #next = 0;
  #size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`SampleRing capacity must be a positive integer, got ${capacity}`);
    }
    this.#items = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.#size;
  }

  push(item: T): void {
    this.#items[this.#next] = item;
    this.#next = (this.#next + 1) % this.capacity;
    this.#size = Math.min(this.#size + 1, this.capacity);
  }

  last(): T | undefined {
    return this.#size === 0 ? undefined : this.#items[(this.#next - 1 + this.capacity) % this.capacity];
  }

  clear(): void {
    this.#items.fill(undefined);
    this.#next = 0;
    this.#size = 0;
  }

  toArray(): T[] {
    const out: T[] = [];
    const start = (this.#next - this.#size + this.capacity) % this.capacity;
    for (let i = 0; i < this.#size; i++) out.push(this.#items[(start + i) % this.capacity] as T);
    return out;
  }
}

/** At most `max` items, evenly spread, the newest always kept (chart points). */
export function downsample<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  const out: T[] = [];
  const step = items.length / max;
  for (let i = 0; i < max - 1; i++) out.push(items[Math.floor(i * step)]!);
  out.push(items.at(-1)!);
  return out;
}

const HOUR = 3_600_000;

/**
 * The first instant of `at`'s day in `timeZone` (midnight, or whenever a DST change makes the
 * day start). A day lasts at most 25 hours, so 27 hours back is always an earlier day: the
 * boundary is found by bisection on the day key.
 */
export function dayStartOf(at: EpochMs, timeZone: string): EpochMs {
  const today = dayKey(at, timeZone);
  let earlier = at - 27 * HOUR;
  let sameDay = at;
  while (sameDay - earlier > 1) {
    const middle = Math.floor((earlier + sameDay) / 2);
    if (dayKey(middle, timeZone) === today) sameDay = middle;
    else earlier = middle;
  }
  return sameDay;
}

/** `dayStartOf`, remembered for the day it was asked about. */
export function dayStartCache(timeZone: string): (at: EpochMs) => { day: string; start: EpochMs } {
  let cached: { day: string; start: EpochMs } | undefined;
  return (at) => {
    const day = dayKey(at, timeZone);
    if (cached?.day !== day) cached = { day, start: dayStartOf(at, timeZone) };
    return cached;
  };
}

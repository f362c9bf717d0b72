/**
 * The most recent latency samples in a fixed ring, for exact percentiles over the last minutes
 * (a Prometheus histogram only knows its buckets). Recording is two array writes: cheap enough
 * for the quoting path; the percentiles are computed by the reader, at most once a second.
 */

export interface LatencySummary {
  /** Samples recorded since start (the histogram's `_count`). */
  readonly count: number;
  /** Samples inside the window the percentiles cover. */
  readonly samples: number;
  readonly windowMs: number;
  /** Nearest-rank percentiles and the maximum, in milliseconds (absent without samples). */
  readonly p50Ms?: number;
  readonly p90Ms?: number;
  readonly p99Ms?: number;
  readonly maxMs?: number;
}

export class LatencyWindow {
  readonly #values: Float64Array;
  readonly #times: Float64Array;
  #next = 0;
  #count = 0;

  /** @param capacity most samples kept (the oldest are overwritten) @default 4096 */
  constructor(capacity = 4096) {
    if (!Number.isSafeInteger(capacity) || capacity < 1) {
      throw new RangeError(`LatencyWindow capacity must be a positive integer, got ${capacity}`);
    }
    this.#values = new Float64Array(capacity);
    this.#times = new Float64Array(capacity);
  }

  get count(): number {
    return this.#count;
  }

  record(ms: number, at: number): void {
    if (!Number.isFinite(ms)) return;
    this.#values[this.#next] = ms;
    this.#times[this.#next] = at;
    this.#next = (this.#next + 1) % this.#values.length;
    this.#count++;
  }

  /** Percentiles of the samples recorded in (now − windowMs, now]. */
  summary(now: number, windowMs: number): LatencySummary {
    const kept = Math.min(this.#count, this.#values.length);
    const recent: number[] = [];
    for (let i = 0; i < kept; i++) {
      if (this.#times[i]! > now - windowMs) recent.push(this.#values[i]!);
    }
    const base = { count: this.#count, samples: recent.length, windowMs };
    if (recent.length === 0) return base;
    recent.sort((a, b) => a - b);
    const rank = (p: number) => recent[Math.max(0, Math.ceil((p / 100) * recent.length) - 1)]!;
    return {
      ...base,
      p50Ms: round(rank(50)),
      p90Ms: round(rank(90)),
      p99Ms: round(rank(99)),
      maxMs: round(recent.at(-1)!),
    };
  }
}

/** Tenths of a millisecond are as fine as a dashboard needs. */
function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

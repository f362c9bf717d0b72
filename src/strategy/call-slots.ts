/**
 * A first-come first-served limit on concurrent calls. Pricing goes through it so that a burst of
 * RFQs does not start every strategy clock at once: with a thousand calls in flight the last ones
 * time out waiting behind the first (and a worker's market-data reads pile up), whereas queued
 * calls start their clock only when they run.
 */
interface Waiter {
  readonly grant: (release: () => void) => void;
  abandoned: boolean;
}

export class CallSlots {
  readonly #limit: number;
  #running = 0;
  #waiting: Waiter[] = [];
  #head = 0;
  #abandoned = 0;

  constructor(limit: number) {
    if (!Number.isSafeInteger(limit) || limit < 1) {
      throw new RangeError(`CallSlots: limit must be a positive integer, got ${String(limit)}`);
    }
    this.#limit = limit;
  }

  /** Calls running now. */
  get running(): number {
    return this.#running;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length - this.#head - this.#abandoned;
  }

  /**
   * Resolves with a release function once a slot is free (at once when one is), or with
   * undefined when `signal` aborts first. Call the release exactly once (more calls are ignored).
   */
  acquire(signal?: AbortSignal): Promise<(() => void) | undefined> {
    if (signal?.aborted) return Promise.resolve(undefined);
    if (this.#running < this.#limit && this.waiting === 0) {
      this.#running++;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve) => {
      const waiter: Waiter = {
        grant: (release) => {
          signal?.removeEventListener('abort', onAbort);
          resolve(release);
        },
        abandoned: false,
      };
      const onAbort = () => {
        waiter.abandoned = true;
        this.#abandoned++;
        resolve(undefined);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#running--;
      this.#grantNext();
    };
  }

  /** Gives the free slot to the oldest waiter still waiting. */
  #grantNext(): void {
    while (this.#running < this.#limit && this.#head < this.#waiting.length) {
      const waiter = this.#waiting[this.#head++]!;
      if (waiter.abandoned) {
        this.#abandoned--;
        continue;
      }
      this.#running++;
      waiter.grant(this.#releaser());
    }
    // Drop the served prefix now and then, so a long queue does not keep its head alive.
    if (this.#head > 1024 && this.#head * 2 > this.#waiting.length) {
      this.#waiting = this.#waiting.slice(this.#head);
      this.#head = 0;
    }
  }
}

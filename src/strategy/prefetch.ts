import type { Market, Rfq } from '../domain/types.js';
import type { HookCall } from './host.js';
import type { LiveQuote, MarketData, QuoteEvent } from './types.js';
import { type DataMethod, prefetchKey } from './worker/protocol.js';

const ASYNC_READS = ['market', 'orderBook', 'fees'] as const;

export interface Subject {
  readonly ticker: string;
  readonly event: string | undefined;
}

/** The market (and event, when known) a hook call is about. */
export function subjectOf(call: HookCall): Subject | undefined {
  const [arg] = call.args;
  const ofRfq = (rfq: Rfq): Subject => ({ ticker: rfq.marketTicker, event: rfq.eventTicker });
  switch (call.hook) {
    case 'price':
      return ofRfq(arg as Rfq);
    case 'lastLook':
      return ofRfq((arg as LiveQuote).rfq);
    case 'onEvent':
      return ofRfq((arg as QuoteEvent).quote.rfq);
    case 'fairValue':
      return typeof arg === 'string' ? { ticker: arg, event: undefined } : undefined;
  }
}

/**
 * Saves a worker call its market-data round trips: the reads an instance made of the market its
 * call was about (the RFQ's book, market, fees, positions) are learned, and from then on read
 * here and sent along with the call. Values are the cache's, read at dispatch.
 */
export class Prefetcher {
  readonly #learned = new Map<string, Set<DataMethod>>();

  constructor(private readonly data: MarketData) {}

  /** Records that an instance read `method` of its call's own market (or event). */
  learner(instanceKey: string): (method: DataMethod) => void {
    return (method) => {
      let methods = this.#learned.get(instanceKey);
      if (methods === undefined) {
        methods = new Set();
        this.#learned.set(instanceKey, methods);
      }
      methods.add(method);
    };
  }

  forget(instanceKey: string): void {
    this.#learned.delete(instanceKey);
  }

  /** What is at hand of the learned reads, keyed for the worker; also the subject's event when found. */
  async fetch(
    instanceKey: string,
    subject: Subject,
  ): Promise<{ values: Record<string, unknown>; event: string | undefined }> {
    const values: Record<string, unknown> = {};
    let event = subject.event;
    const methods = this.#learned.get(instanceKey);
    if (methods === undefined) return { values, event };
    const reads: Promise<void>[] = [];
    for (const method of ASYNC_READS) {
      if (!methods.has(method)) continue;
      reads.push(
        this.data[method](subject.ticker).then(
          (value) => {
            values[prefetchKey(method, subject.ticker)] = value;
            if (method === 'market') event ??= (value as Market).eventTicker;
          },
          () => undefined, // the strategy's own read reports it
        ),
      );
    }
    if (reads.length > 0) await settledThisTurn(reads);
    const sync = (method: 'position' | 'eventPosition', ticker: string | undefined) => {
      if (ticker === undefined || !methods.has(method)) return;
      try {
        values[prefetchKey(method, ticker)] = this.data[method](ticker);
      } catch {
        // likewise
      }
    };
    sync('position', subject.ticker);
    sync('eventPosition', event);
    // A late read must not change what was already sent.
    return { values: { ...values }, event };
  }
}

/**
 * Waits for the reads that settle without I/O (cached data: microtasks), never for one that must
 * go to the exchange (the strategy's own read then joins it in the cache).
 */
async function settledThisTurn(work: Promise<unknown>[]): Promise<void> {
  let immediate: ReturnType<typeof setImmediate> | undefined;
  await Promise.race([
    Promise.all(work),
    new Promise<void>((resolve) => (immediate = setImmediate(resolve))),
  ]);
  clearImmediate(immediate);
}

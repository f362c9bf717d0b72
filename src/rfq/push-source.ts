import type { Logger } from 'pino';
import { RecentSet } from '../domain/recent.js';
import type { Rfq } from '../domain/types.js';
import {
  type CommunicationsStream,
  isBookFrameType,
  type QuoteAcceptedEvent,
  type QuoteExecutedEvent,
  type RfqCreatedEvent,
} from '../kalshi/index.js';
import type { CompiledRfqFilter } from './filters.js';
import type { RfqBook } from './rfq-book.js';

/** Own RFQ ids remembered: far more than an account creates between two listings. */
const OWN_RFQS_KEPT = 10_000;

/** The part of the client's communications stream the push source uses. */
export type PushStream = Pick<CommunicationsStream, 'on' | 'start' | 'stop' | 'connected'>;

export interface PushSourceOptions {
  /** `client.communicationsStream(...)`: owns the socket, the reconnects and the parsing. */
  readonly stream: PushStream;
  readonly book: RfqBook;
  readonly filter: CompiledRfqFilter;
  readonly ownCommunicationsId: () => string | undefined;
  /** `poller.ignoreOwnRfqs`, read per push (a reload may change it). @default () => true */
  readonly ignoreOwnRfqs?: () => boolean;
  /** Reads the full RFQ (target-cost RFQs: the push lacks `target_cost_excludes_fees`). */
  readonly fetchRfq: (rfqId: string) => Promise<Rfq>;
  /**
   * Most of those reads in flight at once; further target-cost RFQs are left to the poller (one
   * page read covers 100 RFQs, a burst of single reads would drain the read budget). @default 4
   */
  readonly maxRfqReads?: number;
  /** A quote of ours was accepted: look now instead of at the next poll. */
  readonly onOwnQuoteAccepted?: (event: QuoteAcceptedEvent) => void;
  /** A quote of ours was executed. */
  readonly onOwnQuoteExecuted?: (event: QuoteExecutedEvent) => void;
  /**
   * Pushes were or may have been lost (a sequence gap, a lost subscription, an unreadable frame,
   * the time before a (re)subscription): reconcile now.
   */
  readonly onGap?: () => void;
  /** An RFQ was left to the listing (its read was busy): read the newest ones now. */
  readonly onDeferred?: (rfqId: string) => void;
  readonly logger: Logger;
  readonly onStateChange?: (connected: boolean) => void;
}

/**
 * Push discovery of RFQs: the stream's `rfqCreated` and `rfqDeleted` feed the same RFQ book as
 * the poller, which keeps running as the reconciler (anything a dropped socket missed, it
 * finds). Accepts and executions of our quotes wake the own-quote watcher at once.
 */
export class RfqPushSource {
  #options: PushSourceOptions;
  readonly #log: Logger;
  #unsubscribe: (() => void)[] = [];
  #rfqReads = 0;
  #discovering = true;
  /** RFQs the own-RFQ subscription named ours (a push of one comes without its creator). */
  readonly #ownRfqs = new RecentSet<string>(OWN_RFQS_KEPT);

  constructor(options: PushSourceOptions) {
    this.#options = options;
    this.#log = options.logger;
  }

  get connected(): boolean {
    return this.#options.stream.connected;
  }

  /** A reload's RFQ filters, for the pushes that come after it. */
  setFilter(filter: CompiledRfqFilter): void {
    this.#options = { ...this.#options, filter };
  }

  start(): void {
    if (this.#unsubscribe.length > 0) return;
    const { stream, book, onStateChange, onGap } = this.#options;
    const own = (creatorId: string) => creatorId === this.#options.ownCommunicationsId();
    this.#unsubscribe = [
      stream.on('rfqCreated', (event) => this.#rfqCreated(event)),
      stream.on('ownRfqCreated', (event) => this.#ownRfqCreated(event.rfq.id)),
      stream.on('rfqDeleted', (event) => book.remove(event.rfqId)),
      stream.on('quoteAccepted', (event) => {
        if (own(event.quoteCreatorId)) this.#options.onOwnQuoteAccepted?.(event);
      }),
      stream.on('quoteExecuted', (event) => {
        if (own(event.quoteCreatorId)) this.#options.onOwnQuoteExecuted?.(event);
      }),
      stream.on('connected', () => {
        onStateChange?.(true);
        // What was created while no subscription was live, no push will bring.
        onGap?.();
      }),
      stream.on('disconnected', () => onStateChange?.(false)),
      stream.on('gap', () => onGap?.()),
      // An unreadable push is a lost one (a book change is the live books' to repair).
      stream.on('malformed', (error) => {
        if (!isBookFrameType(error.frameType)) onGap?.();
      }),
    ];
    stream.start();
  }

  /**
   * Shutdown's first step: new RFQs are no longer taken, while the socket stays up to report
   * the executions of quotes confirmed before the stop (a poll may be seconds away).
   */
  stopDiscovery(): void {
    this.#discovering = false;
  }

  async stop(): Promise<void> {
    this.#discovering = false;
    await this.#options.stream.stop();
    for (const off of this.#unsubscribe.splice(0)) off();
  }

  /** Ours (named by the own-RFQ subscription, or by its creator) while `poller.ignoreOwnRfqs` is on. */
  #skippedAsOwn(rfq: Rfq): boolean {
    const ours =
      this.#ownRfqs.has(rfq.id) ||
      (rfq.creatorId !== '' && rfq.creatorId === this.#options.ownCommunicationsId());
    return ours && this.#options.ignoreOwnRfqs?.() !== false;
  }

  /** Ours, whichever frame came first: one already in the book leaves it (and any quote on it). */
  #ownRfqCreated(rfqId: string): void {
    this.#ownRfqs.add(rfqId);
    if (this.#options.ignoreOwnRfqs?.() !== false && this.#options.book.has(rfqId)) {
      this.#options.book.remove(rfqId);
    }
  }

  #rfqCreated({ rfq, complete }: RfqCreatedEvent): void {
    if (!this.#discovering) return;
    const { book, filter } = this.#options;
    if (this.#skippedAsOwn(rfq)) return;
    if (complete) {
      if (rfq.size.kind === 'contracts' && rfq.size.contracts <= 0) return;
      if (filter.reject(rfq) === undefined) book.upsert(rfq);
      return;
    }
    // Not all of it was pushed (a target-cost RFQ's fee flag changes the size we offer): read it.
    if (this.#rfqReads >= (this.#options.maxRfqReads ?? 4)) {
      this.#log.debug({ rfqId: rfq.id }, 'RFQ reads busy; the poller will find it');
      this.#options.onDeferred?.(rfq.id);
      return;
    }
    this.#rfqReads++;
    void this.#options
      .fetchRfq(rfq.id)
      .then((full) => {
        // The read names the creator the push left empty.
        if (this.#skippedAsOwn(full)) return;
        if (filter.reject(full) === undefined) book.upsert(full);
      })
      .catch((error: unknown) =>
        this.#log.debug({ err: error, rfqId: rfq.id }, 'RFQ read failed; the poller will find it'),
      )
      .finally(() => {
        this.#rfqReads--;
      });
  }
}

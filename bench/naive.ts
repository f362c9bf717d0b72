/**
 * Baseline 1: the obvious way to do the job with Kalshi's official TypeScript SDK (axios), one
 * request at a time: page the open RFQs, read each new RFQ's order book and quote around its
 * mid, list our accepted quotes and confirm them, sleep until the next interval. No caching, no
 * budgeting, no priorities; an error (a 429 included) skips the item until the next pass.
 */
import axios from 'axios';
import { CommunicationsApi, Configuration, MarketApi } from 'kalshi-typescript';
import { parseDollars } from '../src/domain/money.js';
import type { SimInfo } from './sim-types.js';

const CENT = 10_000;
const HALF_SPREAD = 2 * CENT;

function cents(micros: number): string {
  const c = Math.min(99, Math.max(1, Math.floor(micros / CENT)));
  return `0.${String(c).padStart(2, '0')}`;
}

/** Best bid of a side: levels are ascending, best last. */
function best(levels: readonly (readonly string[])[] | undefined): number | undefined {
  const top = levels?.at(-1)?.[0];
  return top === undefined ? undefined : parseDollars(top, 'price');
}

export class NaiveLoop {
  readonly #comms: CommunicationsApi;
  readonly #markets: MarketApi;
  readonly #quoted = new Set<string>();
  readonly #confirmAttempted = new Set<string>();
  #stopped = false;
  #done: Promise<void> | undefined;
  errors = 0;

  constructor(
    sim: SimInfo,
    private readonly intervalMs: number,
  ) {
    const config = () =>
      new Configuration({ apiKey: sim.keyId, privateKeyPem: sim.privateKeyPem, basePath: sim.apiBase });
    const instance = () =>
      axios.create({ timeout: 10_000 }) as unknown as ConstructorParameters<typeof CommunicationsApi>[2];
    this.#comms = new CommunicationsApi(config(), undefined, instance());
    this.#markets = new MarketApi(config(), undefined, instance());
  }

  start(ownCommunicationsId: string): void {
    this.#done = this.#run(ownCommunicationsId);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#done;
  }

  async #run(own: string): Promise<void> {
    while (!this.#stopped) {
      const started = Date.now();
      for (const rfq of await this.#openRfqs()) {
        if (this.#stopped) return;
        if (this.#quoted.has(rfq.id) || rfq.creator_id === own) continue;
        await this.#quote(rfq.id, rfq.market_ticker);
      }
      await this.#confirmAccepted();
      const wait = this.intervalMs - (Date.now() - started);
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  async #openRfqs(): Promise<{ id: string; market_ticker: string; creator_id: string }[]> {
    const open = [];
    let cursor: string | undefined;
    try {
      do {
        const page = (await this.#comms.getRFQs(cursor, undefined, undefined, undefined, 100, 'open')).data;
        open.push(...(page.rfqs ?? []));
        cursor = page.cursor || undefined;
      } while (cursor && !this.#stopped);
    } catch {
      this.errors++;
    }
    return open;
  }

  async #quote(rfqId: string, ticker: string): Promise<void> {
    try {
      const book = (await this.#markets.getMarketOrderbook(ticker)).data.orderbook_fp;
      const yesBid = best(book?.yes_dollars);
      const noBid = best(book?.no_dollars);
      if (yesBid === undefined || noBid === undefined) return;
      const mid = Math.floor((yesBid + (1_000_000 - noBid)) / 2);
      await this.#comms.createQuote({
        rfq_id: rfqId,
        yes_bid: cents(mid - HALF_SPREAD),
        no_bid: cents(1_000_000 - mid - HALF_SPREAD),
        rest_remainder: false,
      });
      this.#quoted.add(rfqId);
    } catch {
      this.errors++;
    }
  }

  async #confirmAccepted(): Promise<void> {
    try {
      const accepted = (
        await this.#comms.getQuotes(undefined, undefined, undefined, 500, 'accepted', undefined, 'self')
      ).data.quotes;
      for (const quote of accepted ?? []) {
        if (this.#stopped || this.#confirmAttempted.has(quote.id)) continue;
        try {
          await this.#comms.confirmRFQQuote(quote.rfq_id, quote.id, {});
          this.#confirmAttempted.add(quote.id);
        } catch (error) {
          this.errors++;
          // a 4xx other than 429 (e.g. expired) is final; a 429 is tried again next pass
          const status = (error as { response?: { status?: number } }).response?.status;
          if (status !== undefined && status !== 429 && status < 500) this.#confirmAttempted.add(quote.id);
        }
      }
    } catch {
      this.errors++;
    }
  }
}

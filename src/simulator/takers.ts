import type { Logger } from 'pino';
import type { Clock, Timer } from '../domain/clock.js';
import { takerFee } from '../domain/fees.js';
import { type Centis, type Micros, ONE_DOLLAR } from '../domain/money.js';
import type { RfqSize, Side } from '../domain/types.js';
import type { Accounts, SimUser } from './accounts/accounts.js';
import type { EventBus } from './exchange/events.js';
import type { Exchange } from './exchange/exchange.js';
import type { ExchangeStore } from './exchange/store.js';
import type { SimQuote, SimRfq } from './exchange/types.js';
import type { Rng } from './random.js';
import type { TruthOptions } from './truth.js';
import type { SimMarket, World } from './world/world.js';

export interface TakerOptions {
  /** RFQs per minute across all synthetic takers; 0 turns the random flow off. @default 30 */
  readonly ratePerMinute: number;
  /** Taker accounts to start with; more are added when every one is busy on a market. @default 20 */
  readonly pool: number;
  /** Each taker's starting balance, micros. @default $1,000,000 */
  readonly balance: Micros;
  /** Share of RFQs sized by contracts; the rest use a target cost. @default 0.4 */
  readonly contractsShare: number;
  /** How long a taker waits for quotes before each decision, ms (uniform in [min, max]). */
  readonly quoteWaitMs: readonly [number, number];
  /** Standard deviation of a taker's view of the fair value, micros. @default 30000 */
  readonly viewNoise: Micros;
  /** Decisions before a taker gives up and deletes its RFQ. @default 4 */
  readonly maxRounds: number;
  /** Chance per decision of deleting the RFQ without accepting. @default 0.15 */
  readonly deleteChance: number;
  /** Edge per contract a quote must offer over the taker's view. @default 0 */
  readonly minEdge: Micros;
}

export const DEFAULT_TAKER_OPTIONS: TakerOptions = Object.freeze({
  ratePerMinute: 30,
  pool: 20,
  balance: 1_000_000 * ONE_DOLLAR,
  contractsShare: 0.4,
  quoteWaitMs: [2_000, 6_000] as const,
  viewNoise: 30_000,
  maxRounds: 4,
  deleteChance: 0.15,
  minEdge: 0,
});

export interface TakerRfqRequest {
  readonly marketTicker?: string;
  readonly size?: RfqSize;
  /** Run the taker's automatic behaviour (wait, accept the best, maybe delete) on it. @default false */
  readonly auto?: boolean;
}

interface TakerDeps {
  readonly exchange: Exchange;
  readonly store: ExchangeStore;
  readonly world: World;
  readonly accounts: Accounts;
  readonly clock: Clock;
  readonly bus: EventBus;
  readonly logger: Logger;
  /** Partial-accept and obscured-creator shares. */
  readonly truth: Readonly<TruthOptions>;
}

/**
 * Synthetic requesters: they create RFQs on random markets (sized by contracts or by
 * target cost), wait for quotes, accept the best one when it beats their own noisy view of
 * the fair value, and sometimes delete their RFQs instead.
 */
export class Takers {
  private readonly pool: SimUser[] = [];
  private readonly rounds = new Map<string, number>();
  private arrival: Timer | undefined;
  private rate: number;

  constructor(
    private readonly deps: TakerDeps,
    private readonly rng: Rng,
    private readonly options: TakerOptions,
  ) {
    this.rate = options.ratePerMinute;
    for (let i = 0; i < options.pool; i++) this.addTaker();
    deps.bus.on('quoteLapsed', (quote) => {
      // the maker never confirmed: the taker looks at its quotes again soon
      if (quote.rfq.creator.internal && this.rounds.has(quote.rfq.id)) this.scheduleDecision(quote.rfq, 200);
    });
    deps.bus.on('quoteCancelled', (quote) => {
      // an accepted quote the maker replaced: the taker is free to choose again
      if (quote.acceptedAt !== undefined && this.rounds.has(quote.rfq.id))
        this.scheduleDecision(quote.rfq, 200);
    });
    deps.bus.on('rfqClosed', (rfq) => this.rounds.delete(rfq.id));
  }

  get ratePerMinute(): number {
    return this.rate;
  }

  users(): readonly SimUser[] {
    return this.pool;
  }

  start(): void {
    this.scheduleArrival();
  }

  /** Changes the random flow's rate; 0 stops it (RFQs already out keep their behaviour). */
  setRate(ratePerMinute: number): void {
    this.rate = Math.max(0, ratePerMinute);
    this.arrival?.cancel();
    this.arrival = undefined;
    this.scheduleArrival();
  }

  /** Creates an RFQ as some taker (deterministic control for tests and benchmarks). */
  createRfq(request: TakerRfqRequest = {}): SimRfq {
    const markets = this.deps.world.activeMarkets();
    const market: SimMarket | undefined =
      request.marketTicker === undefined
        ? this.rng.pick(markets)
        : this.deps.world.market(request.marketTicker);
    const ticker = market?.ticker ?? request.marketTicker ?? '';
    const user = this.freeTaker(ticker);
    const rfq = this.deps.exchange.createRfq(
      user,
      {
        marketTicker: ticker,
        size: request.size ?? this.randomSize(),
        restRemainder: false,
        obscureCreatorId: this.rng.chance(this.deps.truth.obscureShare),
      },
      request.auto !== true,
    );
    if (request.auto) {
      this.rounds.set(rfq.id, 0);
      this.scheduleDecision(rfq, this.waitMs());
    }
    return rfq;
  }

  /** Accepts a quote as its RFQ's creator (admin; any creator, synthetic or not); `contracts` < offered is partial. */
  accept(quote: SimQuote, side?: Side, contracts?: Centis): Side {
    const chosen = side ?? (quote.yesBid >= quote.noBid ? 'yes' : 'no');
    this.deps.exchange.settlement.accept(quote, chosen, contracts);
    return chosen;
  }

  /** The best open quote and side for a view of the fair value, if any beats it. */
  best(rfq: SimRfq, view: Micros): { quote: SimQuote; side: Side; edge: Micros } | undefined {
    const schedule = this.deps.world.feeSchedule(rfq.market.ticker);
    let best: { quote: SimQuote; side: Side; edge: Micros } | undefined;
    for (const quote of rfq.quoteByMaker.values()) {
      if (quote.status !== 'open') continue;
      for (const side of ['yes', 'no'] as const) {
        const bid = side === 'yes' ? quote.yesBid : quote.noBid;
        const count = side === 'yes' ? quote.yesContracts : quote.noContracts;
        if (bid <= 0 || count <= 0) continue;
        const fee = takerFee(ONE_DOLLAR - bid, 100, schedule);
        // side yes: the taker gets NO for 1 − yes_bid; side no: YES for 1 − no_bid
        const edge = side === 'yes' ? bid - view - fee : view + bid - ONE_DOLLAR - fee;
        if (edge > this.options.minEdge && (!best || edge > best.edge)) best = { quote, side, edge };
      }
    }
    return best;
  }

  private addTaker(): SimUser {
    const user = this.deps.accounts.register({ internal: true, balance: this.options.balance });
    this.pool.push(user);
    return user;
  }

  /** A taker with no open RFQ on the market and room under the per-creator cap. */
  private freeTaker(ticker: string): SimUser {
    const { store, exchange } = this.deps;
    const start = this.rng.int(0, Math.max(0, this.pool.length - 1));
    for (let i = 0; i < this.pool.length; i++) {
      const user = this.pool[(start + i) % this.pool.length] as SimUser;
      if (
        !store.openRfqOn(user, ticker) &&
        store.openRfqCount(user) < exchange.deps.config.maxOpenRfqsPerCreator
      )
        return user;
    }
    return this.addTaker();
  }

  private randomSize(): RfqSize {
    if (this.rng.chance(this.options.contractsShare))
      return { kind: 'contracts', contracts: this.rng.int(1, 200) * 100 };
    return {
      kind: 'targetCost',
      targetCost: this.rng.int(500, 50_000) * 10_000,
      excludesFees: this.rng.chance(0.2),
    };
  }

  /** The offered size, or with `partialAcceptShare` 25–90% of it (whole contracts, at least one). */
  private acceptSize(offered: Centis): Centis {
    if (offered < 200 || !this.rng.chance(this.deps.truth.partialAcceptShare)) return offered;
    const part = Math.floor((offered * this.rng.int(25, 90)) / 10_000) * 100;
    return Math.min(offered - 100, Math.max(100, part));
  }

  private waitMs(): number {
    const [min, max] = this.options.quoteWaitMs;
    return this.rng.int(Math.min(min, max), Math.max(min, max));
  }

  private scheduleArrival(): void {
    if (this.rate <= 0 || this.arrival) return;
    this.arrival = this.deps.clock.schedule(this.rng.exponential(60_000 / this.rate), () => {
      this.arrival = undefined;
      try {
        if (this.deps.world.activeMarkets().length > 0) this.createRfq({ auto: true });
      } catch (err) {
        this.deps.logger.debug({ err }, 'synthetic taker could not create an RFQ');
      }
      this.scheduleArrival();
    });
  }

  private scheduleDecision(rfq: SimRfq, delayMs: number): void {
    this.deps.clock.schedule(delayMs, () => this.decide(rfq));
  }

  private decide(rfq: SimRfq): void {
    if (rfq.status !== 'open' || !this.rounds.has(rfq.id)) return;
    if (rfq.pendingQuote) return; // waiting on a maker's confirm; a lapse brings us back
    const round = (this.rounds.get(rfq.id) ?? 0) + 1;
    this.rounds.set(rfq.id, round);
    const view = Math.min(
      ONE_DOLLAR - 1,
      Math.max(1, Math.round(rfq.market.fair + this.rng.normal() * this.options.viewNoise)),
    );
    const choice = this.best(rfq, view);
    try {
      if (choice) {
        const offered = choice.side === 'yes' ? choice.quote.yesContracts : choice.quote.noContracts;
        this.deps.exchange.settlement.accept(choice.quote, choice.side, this.acceptSize(offered));
        return;
      }
      if (round >= this.options.maxRounds || this.rng.chance(this.options.deleteChance)) {
        this.deps.exchange.deleteRfq(rfq.creator, rfq.id);
        return;
      }
    } catch (err) {
      this.deps.logger.debug({ err, rfqId: rfq.id }, 'synthetic taker action failed');
      if (round >= this.options.maxRounds) {
        this.deps.exchange.closeRfq(rfq, 'deleted_by_creator');
        return;
      }
    }
    this.scheduleDecision(rfq, this.waitMs());
  }
}

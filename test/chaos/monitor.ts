/**
 * The invariants of issue 8, checked while a scenario runs (every 100 ms) and at its end:
 * - never two live quotes of ours on one RFQ, at the exchange or in the bot's books;
 * - no limit exceeded under the worst-case rule, in the bot's own risk view and in an
 *   independent view rebuilt from the exchange (positions plus our live quotes there);
 * - no quote of ours confirmed at prices other than the ones the bot sent for it;
 * and of issue 14, once the bot has stopped (`checkBooks`):
 * - the bot's positions equal the exchange's, market by market;
 * - the bot's realised P&L and fees equal those computed independently from
 *   `GET /portfolio/fills` (test/helpers/fill-oracle.ts), to the micro-dollar.
 * Shutdown, restart and recovery checks live in the runner; they report here too.
 */
import type { App } from '../../src/app/app.js';
import { formatCount, formatDollars, parseCount, parseDollars } from '../../src/domain/money.js';
import { isTerminal } from '../../src/quotes/lifecycle.js';
import type { RiskLimits } from '../../src/risk/limits.js';
import type { SimQuote } from '../helpers/bot.js';
import { listFills, oracleBook } from '../helpers/fill-oracle.js';
import { ourQuotes, type World } from './world.js';

export interface Violation {
  readonly invariant: string;
  readonly evidence: string;
  /** ms since the monitor started. */
  readonly atMs: number;
  count: number;
}

export interface SentPrices {
  readonly yesBid: number;
  readonly noBid: number;
  /** Who sent it: this run, an adopted quote, or an earlier (killed) process. */
  readonly origin: 'sent' | 'adopted' | 'earlier-run';
}

export interface SimPosition {
  readonly ticker: string;
  readonly position_fp: string;
}

export interface MonitorOptions {
  readonly limits: () => RiskLimits;
  /** The exchange's real confirm windows (to tell a live accept from a lapsed one). */
  readonly confirmWindowMs: number;
  readonly hvConfirmWindowMs: number;
  readonly intervalMs?: number;
  /** Skip the exchange-side listing (the soak samples it less often). @default false */
  readonly botOnly?: boolean;
}

const BOT_LIVE = new Set(['pending', 'open', 'deleting', 'accepted', 'confirming', 'confirmed']);

export class InvariantMonitor {
  readonly violations = new Map<string, Violation>();
  /** Every quote id the bot (or an earlier run) sent, with its prices. */
  readonly sent = new Map<string, SentPrices>();
  samples = 0;
  maxLiveAtExchange = 0;
  #app: App | undefined;
  #unsubscribe: (() => void) | undefined;
  /** Further bots on the same account (cluster scenarios), watched like the first. */
  readonly #others: { app: App; unsubscribe: () => void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  readonly #startedAt = Date.now();

  constructor(
    private readonly world: World,
    private readonly options: MonitorOptions,
  ) {}

  /** Watches this bot instance (a restart attaches the new one). */
  attach(app: App): void {
    this.detach();
    this.#app = app;
    this.#unsubscribe = app.store.onTransition((quote) => {
      if (quote.quoteId !== undefined && !this.sent.has(quote.quoteId)) {
        this.sent.set(quote.quoteId, {
          yesBid: quote.yesBid,
          noBid: quote.noBid,
          origin: quote.adopted ? 'adopted' : 'sent',
        });
      }
    });
  }

  /** Watches one more bot on the same account, alongside the attached one. */
  attachAlso(app: App): void {
    const unsubscribe = app.store.onTransition((quote) => {
      if (quote.quoteId !== undefined && !this.sent.has(quote.quoteId)) {
        this.sent.set(quote.quoteId, {
          yesBid: quote.yesBid,
          noBid: quote.noBid,
          origin: quote.adopted ? 'adopted' : 'sent',
        });
      }
    });
    this.#others.push({ app, unsubscribe });
  }

  detach(): void {
    this.#recordStore();
    for (const other of this.#others.splice(0)) other.unsubscribe();
    this.#unsubscribe?.();
    this.#unsubscribe = undefined;
    this.#app = undefined;
  }

  /** Quotes a killed process left: their prices at the exchange are what it sent. */
  recordEarlierRun(quotes: readonly SimQuote[]): void {
    for (const q of quotes) {
      if (!this.sent.has(q.id)) {
        this.sent.set(q.id, {
          yesBid: parseDollars(q.yes_bid_dollars),
          noBid: parseDollars(q.no_bid_dollars),
          origin: 'earlier-run',
        });
      }
    }
  }

  violate(invariant: string, key: string, evidence: string): void {
    const id = `${invariant}\u0000${key}`;
    const existing = this.violations.get(id);
    if (existing) existing.count++;
    else this.violations.set(id, { invariant, evidence, atMs: Date.now() - this.#startedAt, count: 1 });
  }

  start(): void {
    const interval = this.options.intervalMs ?? 100;
    this.#timer = setInterval(() => {
      if (this.#running) return;
      this.#running = this.sample()
        .catch((error: unknown) => this.violate('monitor', 'error', `sampling failed: ${String(error)}`))
        .finally(() => {
          this.#running = undefined;
        });
    }, interval);
  }

  async stop(): Promise<void> {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }

  /** One look at the bot and the exchange. */
  async sample(): Promise<void> {
    this.samples++;
    this.#checkBot();
    if (this.options.botOnly) return;
    // Positions first, then quotes: an execution in between is under-counted, never twice.
    const { body } = await this.world.admin<{ market_positions: SimPosition[] }>(
      'GET',
      `/_sim/users/${this.world.user.userId}/positions`,
    );
    // Only what can be live: the full history grows without bound (the final check reads it).
    // A quote that moved on between two listings shows up twice: keep one.
    const lists = await Promise.all(['open', 'accepted', 'confirmed'].map((s) => ourQuotes(this.world, s)));
    const quotes = [...new Map(lists.flat().map((q) => [q.id, q])).values()];
    this.checkExchange(body.market_positions, quotes, Date.now());
    this.#checkConfirmedPrices(quotes);
  }

  /** The end-of-scenario pass over every quote of ours the exchange ever saw. */
  async finalCheck(): Promise<SimQuote[]> {
    this.#recordStore();
    const quotes = await ourQuotes(this.world);
    this.#checkConfirmedPrices(quotes);
    return quotes;
  }

  #recordStore(): void {
    for (const app of [...(this.#app ? [this.#app] : []), ...this.#others.map((o) => o.app)]) {
      this.#recordStoreOf(app);
    }
  }

  #recordStoreOf(app: App): void {
    for (const quote of app.store.all()) {
      if (quote.quoteId !== undefined && !this.sent.has(quote.quoteId)) {
        this.sent.set(quote.quoteId, {
          yesBid: quote.yesBid,
          noBid: quote.noBid,
          origin: quote.adopted ? 'adopted' : 'sent',
        });
      }
    }
  }

  #checkBot(): void {
    this.#recordStore();
    for (const app of [...(this.#app ? [this.#app] : []), ...this.#others.map((o) => o.app)]) {
      this.#checkApp(app);
    }
  }

  #checkApp(app: App): void {
    const perRfq = new Map<string, string[]>();
    for (const quote of app.store.all()) {
      if (!BOT_LIVE.has(quote.state) || isTerminal(quote.state)) continue;
      const list = perRfq.get(quote.rfq.id) ?? [];
      list.push(`${quote.quoteId ?? `#${quote.key}`} ${quote.state}`);
      perRfq.set(quote.rfq.id, list);
    }
    for (const [rfqId, list] of perRfq) {
      if (list.length > 1) {
        this.violate(
          'one live quote per RFQ',
          `bot ${rfqId}`,
          `the bot tracks ${list.length} live quotes on RFQ ${rfqId}: ${list.join(', ')}`,
        );
      }
    }
    this.#checkRiskView(app);
  }

  #checkRiskView(app: App): void {
    // A cluster instance that may not quote (Redis down, re-syncing) admits nothing on its view,
    // which meanwhile counts twice the others' fills it cannot yet match to their quotes; the
    // exchange-side checks cover that time.
    if (app.cluster && !app.cluster.open) return;
    const limits = this.options.limits();
    const view = app.exposure.riskView(limits);
    const over = (name: string, key: string, value: number, limit: number) => {
      if (value > limit)
        this.violate('limits (bot view)', `${name} ${key}`, `${name} on ${key}: ${value} > ${limit}`);
    };
    for (const m of view.markets.values()) {
      over(
        'maxPositionPerMarket.contracts',
        m.marketTicker,
        m.worstContracts,
        limits.maxPositionPerMarket.contracts,
      );
      over('maxPositionPerMarket.dollars', m.marketTicker, m.worstLoss, limits.maxPositionPerMarket.dollars);
      over('maxOpenQuotesPerMarket', m.marketTicker, m.liveQuotes, limits.maxOpenQuotesPerMarket);
    }
    for (const e of view.events.values()) {
      over('maxPositionPerEvent.contracts', e.eventTicker, e.contracts, limits.maxPositionPerEvent.contracts);
      over('maxPositionPerEvent.dollars', e.eventTicker, e.dollars, limits.maxPositionPerEvent.dollars);
      over('maxOpenQuotesPerEvent', e.eventTicker, e.liveQuotes, limits.maxOpenQuotesPerEvent);
    }
    over('maxTotalExposure', 'all', view.totalExposure, limits.maxTotalExposure);
    over('maxOpenQuotes', 'all', view.liveQuotes, limits.maxOpenQuotes);
  }

  /** Live at the exchange: open, accepted with the window still running, or confirmed. */
  #liveAt(q: SimQuote, now: number): boolean {
    if (q.status === 'open' || q.status === 'confirmed') return true;
    if (q.status !== 'accepted' || typeof q['accepted_ts'] !== 'string') return false;
    const hv = this.world.markets.get(q.market_ticker)?.high_volatility ?? true;
    const window = hv ? this.options.hvConfirmWindowMs : this.options.confirmWindowMs;
    return Date.parse(q['accepted_ts']) + window > now;
  }

  /** The exchange-side checks over one listing of positions and quotes (public for the canary). */
  checkExchange(positions: readonly SimPosition[], quotes: readonly SimQuote[], now: number): void {
    const limits = this.options.limits();
    const live = quotes.filter((q) => this.#liveAt(q, now));
    this.maxLiveAtExchange = Math.max(this.maxLiveAtExchange, live.length);
    const perRfq = new Map<string, SimQuote[]>();
    for (const q of live) perRfq.set(q.rfq_id, [...(perRfq.get(q.rfq_id) ?? []), q]);
    for (const [rfqId, list] of perRfq) {
      if (list.length > 1) {
        this.violate(
          'one live quote per RFQ',
          `exchange ${rfqId}`,
          `the exchange has ${list.length} live quotes of ours on RFQ ${rfqId}: ${list.map((q) => `${q.id} ${q.status}`).join(', ')}`,
        );
      }
    }
    if (live.length > limits.maxOpenQuotes) {
      this.violate(
        'limits (exchange view)',
        'maxOpenQuotes',
        `${live.length} live quotes at the exchange > ${limits.maxOpenQuotes}`,
      );
    }
    // Worst-case contracts per market: every open side hit, accepted sides at the size accepted
    // (a partial accept executes only that; the whole offer where the exchange does not say).
    const markets = new Map<string, { position: number; yes: number; no: number; quotes: number }>();
    const entry = (ticker: string) => {
      let m = markets.get(ticker);
      if (!m) {
        m = { position: 0, yes: 0, no: 0, quotes: 0 };
        markets.set(ticker, m);
      }
      return m;
    };
    for (const p of positions) entry(p.ticker).position = parseCount(p.position_fp);
    for (const q of live) {
      const m = entry(q.market_ticker);
      m.quotes++;
      const yes = parseCount(q['yes_contracts_fp'] as string);
      const no = parseCount(q['no_contracts_fp'] as string);
      const accepted = q['contracts_accepted_fp'];
      const acceptedOr = (offered: number) => (typeof accepted === 'string' ? parseCount(accepted) : offered);
      if (q.status === 'open') {
        if (parseDollars(q.yes_bid_dollars) > 0) m.yes += yes;
        if (parseDollars(q.no_bid_dollars) > 0) m.no += no;
      } else if (q['accepted_side'] === 'yes') m.yes += acceptedOr(yes);
      else if (q['accepted_side'] === 'no') m.no += acceptedOr(no);
    }
    const events = new Map<string, { contracts: number; quotes: number }>();
    for (const [ticker, m] of markets) {
      const event = this.world.markets.get(ticker)?.event_ticker ?? ticker;
      const e = events.get(event) ?? { contracts: 0, quotes: 0 };
      e.contracts += Math.max(Math.abs(m.position + m.yes), Math.abs(m.position - m.no));
      e.quotes += m.quotes;
      events.set(event, e);
    }
    for (const [event, e] of events) {
      if (e.quotes > limits.maxOpenQuotesPerEvent) {
        this.violate(
          'limits (exchange view)',
          `event quotes ${event}`,
          `${e.quotes} live quotes on event ${event} at the exchange > ${limits.maxOpenQuotesPerEvent}`,
        );
      }
      if (e.contracts > limits.maxPositionPerEvent.contracts) {
        this.violate(
          'limits (exchange view)',
          `event contracts ${event}`,
          `worst-case contracts on event ${event} at the exchange are ${formatCount(e.contracts)} > ${formatCount(limits.maxPositionPerEvent.contracts)}`,
        );
      }
    }
    for (const [ticker, m] of markets) {
      const worst = Math.max(Math.abs(m.position + m.yes), Math.abs(m.position - m.no));
      if (worst > limits.maxPositionPerMarket.contracts) {
        this.violate(
          'limits (exchange view)',
          `contracts ${ticker}`,
          `worst-case position on ${ticker} at the exchange is ${formatCount(worst)} contracts > ${formatCount(limits.maxPositionPerMarket.contracts)} (position ${formatCount(m.position)}, open yes ${formatCount(m.yes)}, open no ${formatCount(m.no)})`,
        );
      }
      if (m.quotes > limits.maxOpenQuotesPerMarket) {
        this.violate(
          'limits (exchange view)',
          `quotes ${ticker}`,
          `${m.quotes} live quotes on ${ticker} at the exchange > ${limits.maxOpenQuotesPerMarket}`,
        );
      }
    }
  }

  #checkConfirmedPrices(quotes: readonly SimQuote[]): void {
    for (const q of quotes) {
      if (typeof q['confirmed_ts'] !== 'string') continue;
      this.#recordStore();
      const sent = this.sent.get(q.id);
      const yes = parseDollars(q.yes_bid_dollars);
      const no = parseDollars(q.no_bid_dollars);
      if (!sent) {
        this.violate(
          'confirm at sent prices',
          q.id,
          `quote ${q.id} was confirmed but no run of ours recorded sending it`,
        );
      } else if (sent.yesBid !== yes || sent.noBid !== no) {
        this.violate(
          'confirm at sent prices',
          q.id,
          `quote ${q.id} confirmed at ${q.yes_bid_dollars}/${q.no_bid_dollars}; we sent ${formatDollars(sent.yesBid, 6)}/${formatDollars(sent.noBid, 6)}`,
        );
      }
    }
  }

  /**
   * The bot's books against the exchange's record, once nothing more can change (the bot has
   * stopped and every request was answered). Returns what the fills add up to, for the notes.
   */
  async checkBooks(app: App): Promise<{ fills: number; realized: number; fees: number }> {
    const { body } = await this.world.admin<{ market_positions: SimPosition[] }>(
      'GET',
      `/_sim/users/${this.world.user.userId}/positions`,
    );
    const simUrl = this.world.apiBase.replace(/\/trade-api\/v2\/?$/, '');
    const fills = await listFills(simUrl, this.world.user.key);
    const today = app.exposure.dayOf(Date.now());
    const oracle = oracleBook(fills, (f) => app.exposure.dayOf(Date.parse(f.created_time ?? '')) === today);
    const snapshot = app.exposure.snapshot();
    const theirs = new Map(body.market_positions.map((p) => [p.ticker, parseCount(p.position_fp)]));
    for (const ticker of new Set([...theirs.keys(), ...snapshot.positions.keys()])) {
      const ours = app.exposure.position(ticker);
      const exchange = theirs.get(ticker) ?? 0;
      if (ours !== exchange) {
        this.violate(
          "positions equal the exchange's",
          ticker,
          `${ticker}: the bot holds ${formatCount(ours)} contracts, the exchange ${formatCount(exchange)}`,
        );
      }
    }
    const { realized, fees } = snapshot.pnl;
    if (realized + fees !== oracle.realized || fees !== oracle.fees) {
      this.violate(
        'P&L and fees equal the fills',
        'day',
        `the bot realised ${formatDollars(realized + fees, 6)} before fees and paid ${formatDollars(fees, 6)}; ` +
          `GET /portfolio/fills says ${formatDollars(oracle.realized, 6)} and ${formatDollars(oracle.fees, 6)} (${oracle.fills} fills)`,
      );
    }
    return { fills: oracle.fills, realized: oracle.realized, fees: oracle.fees };
  }

  /** Violations as lines, worst first. */
  report(): string[] {
    return [...this.violations.values()].map(
      (v) => `${v.invariant}: ${v.evidence}${v.count > 1 ? ` (seen ${v.count}x)` : ''} at +${v.atMs} ms`,
    );
  }
}

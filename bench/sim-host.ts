/**
 * The exchange side of the benchmark, in a process of its own: a fresh simulator per scenario,
 * RFQ arrivals and accepts driven from inside it, and exchange-side timestamps of every event
 * that matters (RFQ created, our quote created, accepted, confirmed) plus the tokens our user
 * spent, as the exchange counted them.
 */
import type { UsageTier } from '../src/domain/rate-limits.js';
import {
  Rng,
  type SimulatorHandle,
  type SimulatorOptions,
  startSimulator,
  TRUTH_OFF,
} from '../src/simulator/index.js';
import { serve, wallNow } from './ipc.js';
import type { AcceptPlan, SimInfo, SimMarks, SimStart } from './sim-types.js';

interface Running {
  readonly sim: SimulatorHandle;
  readonly makerId: string;
  readonly rng: Rng;
  readonly marks: SimMarks;
  readonly timers: Set<NodeJS.Timeout>;
  accept: AcceptPlan | undefined;
  accepted: number;
}

let running: Running | undefined;

function emptyMarks(): SimMarks {
  return {
    rfqCreated: {},
    rfqTicker: {},
    firstQuote: {},
    quotesCreated: 0,
    quoteRfq: {},
    accepted: {},
    confirmed: {},
    tokens: { read: 0, write: 0 },
    requests: 0,
    rateLimited: { read: 0, write: 0 },
    writeSpends: [],
    stats: {},
  };
}

function later(r: Running, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    r.timers.delete(timer);
    fn();
  }, ms);
  r.timers.add(timer);
}

function instrument(r: Running): void {
  const { bus, limiter } = r.sim.context;
  const { marks, makerId } = r;
  bus.on('rfqCreated', (rfq) => {
    marks.rfqCreated[rfq.id] = wallNow();
    marks.rfqTicker[rfq.id] = rfq.market.ticker;
  });
  bus.on('quoteCreated', (quote) => {
    if (quote.creator.id !== makerId) return;
    const t = wallNow();
    marks.quotesCreated++;
    marks.quoteRfq[quote.id] = quote.rfq.id;
    marks.firstQuote[quote.rfq.id] ??= t;
    scheduleAccept(r, quote.id);
  });
  bus.on('quoteAccepted', (quote) => {
    if (quote.creator.id === makerId) marks.accepted[quote.id] = wallNow();
  });
  bus.on('quoteConfirmed', (quote) => {
    if (quote.creator.id === makerId) marks.confirmed[quote.id] = wallNow();
  });
  // Exchange-side accounting of our user's tokens: what the exchange let through, and when.
  const allow = limiter.allow.bind(limiter);
  limiter.allow = (user, bucket, cost) => {
    const ok = allow(user, bucket, cost);
    if (user.id !== makerId) return ok;
    marks.requests++;
    if (!ok) marks.rateLimited[bucket]++;
    else {
      marks.tokens[bucket] += cost;
      if (bucket === 'write') marks.writeSpends.push([wallNow(), cost]);
    }
    return ok;
  };
}

/** The RFQ's creator accepts some of our quotes after a delay, as a taker would. */
function scheduleAccept(r: Running, quoteId: string): void {
  const plan = r.accept;
  if (!plan || wallNow() < plan.from || wallNow() > plan.until) return;
  if (plan.max !== undefined && r.accepted >= plan.max) return;
  if (!r.rng.chance(plan.fraction)) return;
  r.accepted++;
  const [min, max] = plan.delayMs;
  later(r, r.rng.int(min, max), () => {
    const quote = r.sim.context.store.quote(quoteId);
    if (quote?.status !== 'open' || quote.rfq.status !== 'open' || quote.rfq.pendingQuote) return;
    try {
      r.sim.context.takers.accept(quote);
    } catch {
      // e.g. the taker's balance; the scenario counts only accepts that happened
    }
  });
}

const handlers = {
  async start(params: SimStart): Promise<SimInfo> {
    if (running) throw new Error('a simulator is already running');
    const options: SimulatorOptions = {
      port: 0,
      seed: params.seed,
      takers: false,
      tier: params.tier as UsageTier,
      embeddedUser: true,
      startingBalance: 100_000_000 * 1_000_000,
      // the idealised exchange, as the figures so far were measured: no rolls, expiries or sweeps
      truth: TRUTH_OFF,
      lifecycle: { rfqTtlMs: 0 },
      ...(params.faults ? { faults: params.faults } : {}),
      ...(params.walkIntervalMs === undefined ? {} : { walkIntervalMs: params.walkIntervalMs }),
    };
    const sim = await startSimulator(options);
    const user = sim.embeddedUser!;
    running = {
      sim,
      makerId: user.userId,
      rng: Rng.stream(params.seed, 'bench'),
      marks: emptyMarks(),
      timers: new Set(),
      accept: undefined,
      accepted: 0,
    };
    instrument(running);
    const active = sim.context.world.activeMarkets();
    return {
      url: sim.url,
      apiBase: sim.apiBase,
      keyId: user.keyId,
      privateKeyPem: user.privateKeyPem,
      communicationsId: user.communicationsId,
      markets: active.map((m) => m.ticker),
      singleMarkets: active.filter((m) => !m.ticker.startsWith('KXMVE')).map((m) => m.ticker),
    };
  },

  /** Poisson arrivals of RFQs at `ratePerSec` for `durationMs`, on the given markets. */
  arrivals(params: { ratePerSec: number; durationMs: number; markets: string[] }): number {
    const r = running;
    if (!r) throw new Error('no simulator');
    const until = wallNow() + params.durationMs;
    const next = () => {
      if (running !== r || wallNow() >= until) return;
      try {
        r.sim.context.takers.createRfq({ marketTicker: r.rng.pick(params.markets) });
      } catch {
        // a full market for every taker cannot happen: the pool grows
      }
      later(r, r.rng.exponential(1000 / params.ratePerSec), next);
    };
    later(r, r.rng.exponential(1000 / params.ratePerSec), next);
    return until;
  },

  /** `count` RFQs at once, spread round-robin over `markets`. */
  burst(params: { count: number; markets: string[] }): number {
    const r = running;
    if (!r) throw new Error('no simulator');
    for (let i = 0; i < params.count; i++) {
      const ticker = params.markets[i % params.markets.length]!;
      r.sim.context.takers.createRfq({ marketTicker: ticker });
    }
    return r.sim.context.store.openRfqCount();
  },

  /** `count` bursts of `size` RFQs over `markets`, `gapMs` apart, the first now (in the background). */
  bursts(params: { count: number; size: number; gapMs: number; markets: string[] }): void {
    const r = running;
    if (!r) throw new Error('no simulator');
    for (let b = 0; b < params.count; b++) {
      later(r, b * params.gapMs, () => {
        if (running !== r) return;
        for (let i = 0; i < params.size; i++) {
          const ticker = params.markets[i % params.markets.length]!;
          r.sim.context.takers.createRfq({ marketTicker: ticker });
        }
      });
    }
  },

  acceptPlan(plan: AcceptPlan): void {
    if (!running) throw new Error('no simulator');
    running.accept = plan;
  },

  /** Everything recorded so far, plus the simulator's counters. */
  collect(): SimMarks {
    const r = running;
    if (!r) throw new Error('no simulator');
    const stats = r.sim.context.counters as unknown as Record<string, number>;
    return { ...r.marks, stats: { ...stats, openRfqs: r.sim.context.store.openRfqCount() } };
  },

  async stop(): Promise<void> {
    const r = running;
    running = undefined;
    if (!r) return;
    for (const timer of r.timers) clearTimeout(timer);
    await r.sim.stop();
  },
};

serve(handlers);

/**
 * One scenario per fault the simulator can inject (issue 8 §1), plus a man-in-the-middle
 * price tamper for last look and a real `kill -9` with a restart. Built fresh per run.
 */
import type { QuoteState } from '../../src/quotes/lifecycle.js';
import type { SimQuote } from '../helpers/bot.js';
import { clusterScenarios } from './cluster-scenarios.js';
import { hostilePlugin } from './hostile.js';
import { type ChaosProcess, spawnChaosBot } from './process.js';
import { hold, type Scenario, type ScenarioContext } from './scenario.js';
import { PriceTamper, TAMPER_MODES, type TamperMode } from './tamper.js';
import { acceptQuote, ourQuotes, sleep, until } from './world.js';

const FAULT_MS = 8_000;

function confirmedIds(quotes: readonly SimQuote[]): Set<string> {
  return new Set(quotes.filter((q) => typeof q['confirmed_ts'] === 'string').map((q) => q.id));
}

/** Counts the bot's transitions from one state to another while the fault is on. */
function countTransitions(ctx: ScenarioContext, from: QuoteState, to: QuoteState, key: string): () => void {
  ctx.notes[key] = 0;
  return ctx.bot!.app.store.onTransition((quote, previous) => {
    if (previous === from && quote.state === to) ctx.notes[key] = Number(ctx.notes[key]) + 1;
  });
}

/** The checks themselves: limits stricter than the bot's and a falsified record must be reported. */
function monitorCanary(): Scenario {
  return {
    name: 'monitor-canary',
    summary: "no fault; the monitor checks limits stricter than the bot's and must report them",
    monitorLimits: (limits) => ({
      ...limits,
      maxOpenQuotesPerMarket: 1,
      maxPositionPerMarket: { contracts: 100, dollars: limits.maxPositionPerMarket.dollars },
    }),
    fault: () => sleep(4_000),
    async verify(ctx, quotes) {
      const problems: string[] = [];
      const seen = (invariant: string) =>
        [...ctx.monitor.violations.values()].some((v) => v.invariant === invariant);
      for (const invariant of ['limits (bot view)', 'limits (exchange view)']) {
        if (!seen(invariant))
          problems.push(`the monitor missed a breach of the stricter limits (${invariant})`);
      }
      const confirmed = quotes.find((q) => typeof q['confirmed_ts'] === 'string');
      if (!confirmed) problems.push('no confirmed quote to test the price check with');
      else {
        const sent = ctx.monitor.sent.get(confirmed.id);
        if (sent) ctx.monitor.sent.set(confirmed.id, { ...sent, yesBid: sent.yesBid + 10_000 });
        await ctx.monitor.finalCheck();
        if (!seen('confirm at sent prices'))
          problems.push('the monitor missed a confirm at prices we did not send');
      }
      const any = quotes[0];
      if (any) {
        const twin = { ...any, status: 'open' };
        ctx.monitor.checkExchange([], [twin, { ...twin, id: `${any.id}-twin` }], Date.now());
        if (!seen('one live quote per RFQ')) problems.push('the monitor missed two live quotes on one RFQ');
      }
      // A fill the exchange never made, booked into the (stopped) bot: both book checks must see it.
      const app = ctx.bot?.app;
      if (app) {
        app.exposure.applyFill({
          tradeId: 'canary-trade',
          orderId: 'canary-order',
          marketTicker: 'KXCANARY-26-A',
          side: 'yes',
          contracts: 100,
          price: 500_000,
          fee: 10_000,
          tradedAt: Date.now(),
        });
        await ctx.monitor.checkBooks(app);
        for (const invariant of ["positions equal the exchange's", 'P&L and fees equal the fills']) {
          if (!seen(invariant)) problems.push(`the monitor missed a falsified book (${invariant})`);
        }
      }
      ctx.notes['caught'] = ctx.monitor.violations.size;
      ctx.monitor.violations.clear();
      return problems;
    },
  };
}

function rateLimitStorm(): Scenario {
  return {
    name: '429-storm',
    summary: 'every signed request answered 429 for 6 s',
    async fault(ctx) {
      await ctx.world.admin('POST', '/_sim/faults/storm', { ms: 6_000 });
      await sleep(6_000);
    },
  };
}

function serverErrors(): Scenario {
  return {
    name: '5xx-burst',
    summary: '50% of requests 5xx unprocessed, 20% processed then 5xx, for 8 s',
    fault: (ctx) => hold(ctx, 'error5xx=0.5,error5xxAfter=0.2', FAULT_MS),
  };
}

function droppedConnections(): Scenario {
  return {
    name: 'dropped-connections',
    summary: '20% of HTTP connections dropped before and 20% after processing, websockets cut twice, for 8 s',
    async fault(ctx) {
      await ctx.faults('drop=0.2,dropAfter=0.2');
      for (let i = 0; i < 2; i++) {
        await ctx.world.admin('POST', '/_sim/ws/drop');
        await sleep(FAULT_MS / 2);
      }
      await ctx.faults('');
    },
  };
}

function createTimeouts(): Scenario {
  return {
    name: 'create-timeouts',
    summary: 'quote creates: 40% land 2.5 s late (past the 1.5 s time-out), 20% land but lose the answer',
    // A short TTL keeps requotes (creates) flowing while the fault is on.
    botPatch: { quoting: { ttlMs: 2_000 } },
    async fault(ctx) {
      const stop = countTransitions(ctx, 'pending', 'failed', 'createsFailed');
      await hold(ctx, 'slow=0.4:2500,dropAfter=0.2,match=POST:/communications/quotes', FAULT_MS);
      stop();
    },
    verify(ctx, quotes) {
      ctx.notes['replacedLate'] = quotes.filter((q) => q['cancellation_reason'] === 'replaced').length;
      return [];
    },
  };
}

function rfqCloseRace(): Scenario {
  return {
    name: 'rfq-close-race',
    summary: "half of the quote creates race their RFQ's deletion by the requester, for 8 s",
    fault: (ctx) => hold(ctx, 'rfqCloseRace=0.5', FAULT_MS),
  };
}

function acceptDuringDelete(): Scenario {
  return {
    name: 'accept-during-delete',
    summary: 'the requester accepts just before each of our deletes lands (1.5 s TTL churn), for 8 s',
    botPatch: { quoting: { ttlMs: 1_500 } },
    traffic: { maxAccepts: 2 },
    async fault(ctx) {
      const stop = countTransitions(ctx, 'deleting', 'accepted', 'acceptedWhileDeleting');
      await hold(ctx, 'acceptDuringDelete=0.5', FAULT_MS);
      stop();
    },
    verify(ctx) {
      const seen = Number(ctx.notes['acceptedWhileDeleting'] ?? 0);
      return seen > 0 ? [] : ['not exercised: no accept landed while the bot was deleting'];
    },
  };
}

function confirmAfterExpiry(): Scenario {
  const acceptedDuringFault: string[] = [];
  let acceptUntil = Number.POSITIVE_INFINITY;
  return {
    name: 'confirm-after-expiry',
    summary: 'every confirm reaches the exchange 6 s late, past the confirm window, for 9 s',
    // Accepts only early in the fault, so every window ends while confirms are still late.
    traffic: {
      acceptEveryMs: 800,
      maxAccepts: 4,
      closeShare: 0,
      pick: (open) => (Date.now() < acceptUntil ? open[0] : undefined),
    },
    async fault(ctx) {
      const before = ctx.traffic.accepted.length;
      acceptUntil = Date.now() + 3_000;
      await hold(ctx, 'slow=1:6000,match=PUT:*/confirm', 9_000);
      acceptedDuringFault.push(...ctx.traffic.accepted.slice(before));
      // Confirms still asleep in the exchange land after their windows: wait them out.
      await sleep(5_000);
    },
    verify(ctx, quotes) {
      const problems: string[] = [];
      const confirmed = confirmedIds(quotes);
      for (const id of acceptedDuringFault) {
        if (confirmed.has(id)) problems.push(`quote ${id} was confirmed although every confirm arrived late`);
        const state = ctx.bot?.app.store.byQuoteId(id)?.state;
        if (state !== 'expired' && state !== 'cancelled') {
          problems.push(`quote ${id}: the bot left it ${state}, expected expired`);
        }
      }
      ctx.notes['lapsed'] = acceptedDuringFault.length;
      if (acceptedDuringFault.length === 0) problems.push('not exercised: no accept during the fault');
      return problems;
    },
  };
}

function clockSkew(): Scenario {
  return {
    name: 'clock-skew',
    summary: 'the exchange clock 60 s ahead: every signature refused (401) for 6 s',
    fault: (ctx) => hold(ctx, 'skewMs=60000', 6_000),
  };
}

function malformedBodies(): Scenario {
  return {
    name: 'malformed-bodies',
    summary: '30% of 200 bodies empty, truncated or HTML, for 8 s',
    fault: (ctx) => hold(ctx, 'malformed=0.3', FAULT_MS),
  };
}

function unknownFieldsAndEnums(): Scenario {
  return {
    name: 'unknown-fields-enums',
    summary: 'half of the bodies with unknown fields, half with unknown enum values, for 8 s',
    fault: (ctx) => hold(ctx, 'unknownFields=0.5,unknownEnums=0.5', FAULT_MS),
  };
}

function oversizedResponses(): Scenario {
  return {
    name: 'oversized-responses',
    summary:
      '10% of 200 bodies 12 MB (past the 8 MiB cap), 20% of listing pages one item over their limit, for 8 s',
    fault: (ctx) => hold(ctx, 'oversized=0.1:12,oversizedPage=0.2', FAULT_MS),
    async verify(ctx) {
      const { body } = await ctx.world.admin<{ injected: Record<string, number> }>('GET', '/_sim/faults');
      const problems: string[] = [];
      for (const kind of ['oversized', 'oversizedPage']) {
        if (!((body.injected[kind] ?? 0) > 0)) problems.push(`not exercised: no ${kind} response was sent`);
      }
      return problems;
    },
  };
}

function tamperedPrices(): Scenario {
  const tamper = new PriceTamper();
  let turn = 0;
  return {
    name: 'tampered-prices',
    summary:
      'a man in the middle moves our bids (in the create or in reports) or breaks sizes; last look refuses',
    overrides: () => ({ fetch: tamper.fetch }),
    traffic: {
      acceptEveryMs: 600,
      maxAccepts: 12,
      pick: (open) => {
        const mode = TAMPER_MODES[turn++ % TAMPER_MODES.length];
        return open.find((q) => tamper.modeByQuote.get(q.id) === mode);
      },
    },
    async fault() {
      await sleep(FAULT_MS);
      tamper.active = false;
    },
    verify(ctx, quotes) {
      const problems: string[] = [];
      const confirmed = confirmedIds(quotes);
      const accepted = ctx.traffic.accepted;
      const byMode = (mode: TamperMode) => accepted.filter((id) => tamper.modeByQuote.get(id) === mode);
      const tampered = TAMPER_MODES.filter((m) => m !== 'clean');
      for (const mode of tampered) {
        for (const id of byMode(mode))
          if (confirmed.has(id)) problems.push(`quote ${id} (${mode} tampered) was confirmed`);
        if (byMode(mode).length === 0) problems.push(`not exercised: no accept of a ${mode}-tampered quote`);
      }
      const clean = byMode('clean');
      const cleanConfirmed = clean.filter((id) => confirmed.has(id)).length;
      ctx.notes['tamperedAccepts'] = tampered.reduce((n, m) => n + byMode(m).length, 0);
      ctx.notes['cleanConfirmed'] = `${cleanConfirmed}/${clean.length}`;
      if (clean.length > 0 && cleanConfirmed === 0)
        problems.push('last look refused every untampered accept too');
      return problems;
    },
  };
}

function killAndRestart(): Scenario {
  let proc: ChaosProcess | undefined;
  let acceptedAtKill: string | undefined;
  let killedAt = 0;
  return {
    name: 'kill-9-restart',
    summary: 'kill -9 of the bot process with quotes open and an accept pending; a new run reconciles',
    async start(ctx) {
      proc = spawnChaosBot(ctx.world, { quoting: { onStartup: 'delete' } });
    },
    async fault(ctx) {
      if (!proc) throw new Error('the bot process did not start');
      await sleep(1_500);
      acceptedAtKill = await until(async () => {
        for (const quote of await ourQuotes(ctx.world, 'open')) {
          if (await acceptQuote(ctx.world, quote)) return quote.id;
        }
        return undefined;
      }, 5_000);
      proc.kill('SIGKILL');
      killedAt = Date.now();
      ctx.notes['exit'] = String(await proc.exited);
      const orphans = await ourQuotes(ctx.world, 'open');
      ctx.notes['orphans'] = orphans.length;
      ctx.monitor.recordEarlierRun(await ourQuotes(ctx.world));
      await ctx.startBot({ quoting: { onStartup: 'delete' } });
      // Reconciliation runs before quoting starts: no orphan may still be open now.
      const orphanIds = new Set(orphans.map((q) => q.id));
      const left = (await ourQuotes(ctx.world, 'open')).filter((q) => orphanIds.has(q.id));
      if (left.length > 0) {
        ctx.monitor.violate(
          "no open quote after a restart's reconciliation",
          'orphans',
          `${left.length} quote(s) of the killed run still open after the restart: ${left.map((q) => q.id).join(', ')}`,
        );
      }
      await sleep(2_000);
    },
    cleanup() {
      proc?.kill('SIGKILL');
    },
    verify(_ctx, quotes) {
      if (!acceptedAtKill) return ['not exercised: no accept pending at kill time'];
      const quote = quotes.find((q) => q.id === acceptedAtKill);
      const confirmedAt = typeof quote?.['confirmed_ts'] === 'string' ? Date.parse(quote['confirmed_ts']) : 0;
      return confirmedAt > killedAt
        ? [`quote ${acceptedAtKill}, accepted when its run was killed, was confirmed by the next run`]
        : [];
    },
  };
}

/** Issue 14: the exchange flushes open quotes (server rolls); the bot finds them gone and requotes. */
function flush(): Scenario {
  return {
    name: 'flush',
    summary:
      'server rolls flush every open quote (404, gone from listings, nothing pushed), ~one every 2.5 s for 8 s',
    traffic: { partialShare: 0.3 },
    fault: (ctx) => hold(ctx, 'flushRate=0.6', FAULT_MS),
    async verify(ctx) {
      const rolls = await flushCount(ctx);
      const flushed = Number(ctx.notes['flushed'] ?? 0);
      const problems: string[] = [];
      if (rolls === 0) problems.push('not exercised: no server roll happened');
      if (flushed === 0) problems.push('the bot detected no flushed quote');
      ctx.notes['rolls'] = rolls;
      return problems;
    },
  };
}

async function flushCount(ctx: ScenarioContext): Promise<number> {
  const { body } = await ctx.world.admin<{ serverRolls?: number }>('GET', '/_sim/stats');
  return body.serverRolls ?? 0;
}

/** Issue 14: the exchange closes RFQs itself; the bot lets their quotes go and never requotes them. */
function rfqExpiry(): Scenario {
  return {
    name: 'rfq-expiry',
    summary:
      'RFQs created during the fault expire after 2.5 s (rfq_deleted pushed), for 8 s, then every open RFQ expires',
    async fault(ctx) {
      await ctx.faults('rfqTtl=2500');
      await sleep(FAULT_MS);
      await ctx.faults('expireRfqs');
      await sleep(1_500);
      await ctx.faults('');
    },
    async verify(ctx) {
      const expired = new Set<string>();
      for (const id of ctx.traffic.rfqs) {
        const { body } = await ctx.world.admin<{ rfq?: { cancellation_reason?: string } }>(
          'GET',
          `/_sim/rfqs/${id}`,
        );
        if (body.rfq?.cancellation_reason === 'expired') expired.add(id);
      }
      ctx.notes['expired'] = expired.size;
      const problems: string[] = [];
      if (expired.size === 0) problems.push('not exercised: no RFQ expired');
      for (const quote of ctx.bot?.app.store.all() ?? []) {
        if (expired.has(quote.rfq.id) && ['pending', 'open', 'deleting'].includes(quote.state)) {
          problems.push(`the bot still holds quote ${quote.quoteId} live on expired RFQ ${quote.rfq.id}`);
        }
      }
      return problems;
    },
  };
}

/** Issue 14: every execution meets a fresh order through our price; post-only legs are cancelled. */
function postOnlyCrossStorm(): Scenario {
  return {
    name: 'post-only-cross-storm',
    summary:
      'every execution crosses the book for 8 s: post-only legs cancelled (no fill), then the 429 penalty',
    world: { truth: { bookExecution: true, crossLimit: 3, crossWindowMs: 60_000, crossPenaltyMs: 4_000 } },
    traffic: { acceptEveryMs: 700, maxAccepts: 8, partialShare: 0.3 },
    fault: (ctx) => hold(ctx, `postOnlyCrossStorm=${FAULT_MS}`, FAULT_MS),
    verify(ctx) {
      return Number(ctx.notes['notFilled'] ?? 0) > 0 ? [] : ['not exercised: every execution filled'];
    },
  };
}

function mixed(): Scenario {
  return {
    name: 'mixed-faults',
    summary:
      'latency, jitter and every fault at a low rate together (order book changes lost too), partial accepts, for 10 s',
    // Prices move, so order book changes stream and some are lost.
    world: { walkIntervalMs: 500 },
    traffic: { partialShare: 0.4 },
    fault: (ctx) =>
      hold(
        ctx,
        'latency=20,jitter=40,error5xx=0.05,error5xxAfter=0.05,drop=0.03,dropAfter=0.03,malformed=0.05,' +
          'unknownFields=0.1,unknownEnums=0.1,rfqCloseRace=0.1,acceptDuringDelete=0.3,wsDropBookDeltas=5',
        10_000,
      ),
  };
}

/** Every scenario, in the order the suite runs them. */
export function allScenarios(): Scenario[] {
  return [
    monitorCanary(),
    rateLimitStorm(),
    serverErrors(),
    droppedConnections(),
    createTimeouts(),
    rfqCloseRace(),
    acceptDuringDelete(),
    confirmAfterExpiry(),
    clockSkew(),
    malformedBodies(),
    unknownFieldsAndEnums(),
    oversizedResponses(),
    tamperedPrices(),
    killAndRestart(),
    hostilePlugin(),
    flush(),
    rfqExpiry(),
    postOnlyCrossStorm(),
    mixed(),
    ...clusterScenarios(),
  ];
}

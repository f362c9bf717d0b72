/**
 * One chaos scenario, start to end: fresh simulator and bot, warm-up (the bot quotes), the
 * fault under requester traffic, recovery probes (quoting again within 10 s of the fault
 * ending), shutdown (nothing of ours left open), and the invariants sampled throughout.
 */
import type { AppOverrides } from '../../src/app/app.js';
import { formatDollars } from '../../src/domain/money.js';
import type { RiskLimits } from '../../src/risk/limits.js';
import type { SimQuote } from '../helpers/bot.js';
import { merge } from '../helpers/config.js';
import { InvariantMonitor } from './monitor.js';
import { Traffic, type TrafficOptions } from './traffic.js';
import {
  CHAOS_LIFECYCLE,
  type ChaosBot,
  chaosConfig,
  createRfqs,
  exchangeSettled,
  limitsOf,
  ourQuotes,
  sleep,
  startChaosBot,
  startWorld,
  until,
  type World,
  type WorldOptions,
} from './world.js';

type Raw = Record<string, unknown>;

/** How soon after a fault ends the bot must be quoting normally again (issue 8). */
export const RECOVERY_LIMIT_MS = 10_000;

export interface ScenarioContext {
  readonly world: World;
  readonly monitor: InvariantMonitor;
  readonly traffic: Traffic;
  /** The bot in-process, once there is one (the kill -9 scenario starts with a process). */
  bot: ChaosBot | undefined;
  /** More in-process bots on the same account (cluster scenarios); stopped with the first. */
  readonly others: ChaosBot[];
  /** A bot outside this process quotes (a leader process): open at the exchange counts as quoted. */
  external: boolean;
  /** Key figures for the PASS line. */
  readonly notes: Record<string, string | number>;
  readonly scenario: Scenario;
  /** Replaces the faults (simulator spec grammar); '' clears them. */
  faults(spec: string): Promise<void>;
  /** Starts (or restarts) the in-process bot with the scenario's patch and overrides. */
  startBot(patch?: Raw): Promise<ChaosBot>;
}

export interface Scenario {
  readonly name: string;
  /** One line: which fault, how long. */
  readonly summary: string;
  readonly botPatch?: Raw;
  readonly world?: WorldOptions;
  readonly traffic?: TrafficOptions;
  readonly overrides?: (ctx: ScenarioContext) => AppOverrides;
  /** The limits the monitor checks, when they must differ from the bot's (the canary). */
  readonly monitorLimits?: (botLimits: RiskLimits) => RiskLimits;
  /** Starts the bot; default: in-process with `botPatch`. */
  start?(ctx: ScenarioContext): Promise<void>;
  /** Turns the fault on, keeps it while traffic runs, and resolves once the fault has ended. */
  fault(ctx: ScenarioContext): Promise<void>;
  /** Scenario-specific checks once the bot has stopped; return problems as evidence lines. */
  verify?(ctx: ScenarioContext, quotes: readonly SimQuote[]): string[] | Promise<string[]>;
  /** Releases what `start` made outside the context (a child process). */
  cleanup?(): void;
}

export interface ScenarioResult {
  readonly name: string;
  readonly passed: boolean;
  readonly durationMs: number;
  readonly details: string;
  readonly problems: readonly string[];
  /** The bot's last log lines (warn and above) when it failed. */
  readonly log: readonly string[];
}

/** Keeps `spec` on for `ms`, then clears every fault. */
export async function hold(ctx: ScenarioContext, spec: string, ms: number): Promise<void> {
  await ctx.faults(spec);
  await sleep(ms);
  await ctx.faults('');
}

async function injectedCounts(world: World): Promise<{ injected: number; kinds: string }> {
  const { body } = await world.admin<{ injected: Record<string, number> }>('GET', '/_sim/faults');
  const entries = Object.entries(body.injected ?? {}).filter(([, n]) => n > 0);
  return {
    injected: entries.reduce((sum, [, n]) => sum + n, 0),
    kinds: entries.map(([k, n]) => `${k} ${n}`).join(', '),
  };
}

/** Waits until each RFQ has an open quote at the exchange that the running bot tracks as open. */
async function quoted(ctx: ScenarioContext, rfqIds: readonly string[], timeoutMs: number): Promise<string[]> {
  let missing: string[] = [...rfqIds];
  await until(async () => {
    const open = await ourQuotes(ctx.world, 'open');
    missing = rfqIds.filter((id) => {
      const quote = open.find((q) => q.rfq_id === id);
      if (!quote) return true;
      if (ctx.external) return false;
      const bots = [...(ctx.bot ? [ctx.bot] : []), ...ctx.others];
      return bots.length > 0 && !bots.some((bot) => bot.app.store.byQuoteId(quote.id)?.state === 'open');
    });
    return missing.length === 0;
  }, timeoutMs);
  return missing;
}

function describeBot(bot: ChaosBot | undefined): string {
  if (!bot) return 'no bot running';
  const ks = bot.app.killSwitch.state;
  return ks.tripped ? `kill switch tripped (${ks.source}: ${ks.reason})` : 'kill switch off';
}

export async function runScenario(scenario: Scenario): Promise<ScenarioResult> {
  const started = Date.now();
  const world = await startWorld(scenario.world);
  const problems: string[] = [];
  const notes: Record<string, string | number> = {};
  const botLimits = limitsOf(chaosConfig(world, scenario.botPatch));
  const limits = scenario.monitorLimits?.(botLimits) ?? botLimits;
  const monitor = new InvariantMonitor(world, {
    limits: () => limits,
    confirmWindowMs: CHAOS_LIFECYCLE.confirmWindowMs!,
    hvConfirmWindowMs: CHAOS_LIFECYCLE.hvConfirmWindowMs!,
  });
  const traffic = new Traffic(world, scenario.traffic);
  const ctx: ScenarioContext = {
    world,
    monitor,
    traffic,
    bot: undefined,
    others: [],
    external: false,
    notes,
    scenario,
    faults: async (spec) => {
      const res = await world.admin('PUT', '/_sim/faults', { spec });
      if (res.status !== 200) throw new Error(`fault spec ${spec} refused: ${JSON.stringify(res.body)}`);
    },
    startBot: async (patch = {}) => {
      const next = await startChaosBot(
        world,
        merge(scenario.botPatch ?? {}, patch),
        scenario.overrides?.(ctx) ?? {},
      );
      ctx.bot = next;
      monitor.attach(next.app);
      return next;
    },
  };
  try {
    if (scenario.start) await scenario.start(ctx);
    else await ctx.startBot();
    monitor.start();

    // Warm-up: the bot quotes before anything goes wrong.
    const warm = [
      ...(await createRfqs(world, world.busy[0]!, 2, 10)),
      ...(await createRfqs(world, world.busy[2]!, 1, 10)),
    ];
    const cold = await quoted(ctx, warm, 15_000);
    if (cold.length > 0)
      problems.push(`warm-up: ${cold.length} of ${warm.length} RFQs not quoted before the fault`);

    traffic.start();
    const faultAt = Date.now();
    await scenario.fault(ctx);
    const endedAt = Date.now();
    notes['fault'] = `${((endedAt - faultAt) / 1000).toFixed(1)} s`;
    await traffic.stop();

    // Recovery: fresh RFQs on quiet markets must be quoted within 10 s of the fault's end.
    const probes: string[] = [];
    for (const market of world.probe) probes.push(...(await createRfqs(world, market, 1, 5)));
    const left = Math.max(0, RECOVERY_LIMIT_MS - (Date.now() - endedAt));
    const missing = await quoted(ctx, probes, left);
    const recoveredMs = Date.now() - endedAt;
    if (missing.length > 0) {
      monitor.violate(
        'back to quoting within 10 s',
        'probes',
        `${missing.length} of ${probes.length} probe RFQs unquoted ${recoveredMs} ms after the fault ended; ${describeBot(ctx.bot)}`,
      );
    } else notes['recovered'] = `${recoveredMs} ms`;

    // Shutdown deletes everything; nothing of ours may stay open, not even a late landing.
    if (ctx.bot) {
      const extra = await Promise.all(ctx.others.map((bot) => bot.app.stop('chaos scenario finished')));
      const first = await ctx.bot.app.stop('chaos scenario finished');
      const report = { openAtExit: [first, ...extra].some((r) => r.openAtExit !== 0) ? -1 : 0 };
      const open = await ourQuotes(world, 'open');
      if (report.openAtExit !== 0 || open.length > 0) {
        monitor.violate(
          'no open quote after shutdown',
          'stop',
          `openAtExit ${report.openAtExit}; open at the exchange: ${open.map((q) => q.id).join(', ') || 'none'}`,
        );
      }
      // A create the exchange still holds (a slow fault) could land after the bot stopped: wait
      // until the exchange has answered every request it received, then look again.
      if (!(await exchangeSettled(world))) {
        monitor.violate(
          'no open quote after shutdown',
          'late',
          'the exchange still held requests 15 s after shutdown',
        );
      }
      const late = await ourQuotes(world, 'open');
      if (late.length > 0) {
        monitor.violate(
          'no open quote after shutdown',
          'late',
          `${late.length} quote(s) of ours open once every request had landed: ${late.map((q) => q.id).join(', ')}`,
        );
      }
      // Issue 14: what the bot booked is what the exchange filled.
      const books = await monitor.checkBooks(ctx.bot.app);
      notes['fills'] = books.fills;
      notes['fees'] = formatDollars(books.fees, 6);
      const outcomes = await ctx.bot.app.metrics.quotesFillOutcome.get();
      const unfilled = outcomes.values
        .filter((v) => v.labels.outcome !== 'filled')
        .reduce((n, v) => n + v.value, 0);
      if (unfilled > 0) notes['notFilled'] = unfilled;
      const flushed = (await ctx.bot.app.metrics.quotesFlushed.get()).values.reduce((n, v) => n + v.value, 0);
      if (flushed > 0) notes['flushed'] = flushed;
      if (traffic.partial > 0) notes['partialAccepts'] = traffic.partial;
    }
    await monitor.stop();
    const quotes = await monitor.finalCheck();
    problems.push(...(await (scenario.verify?.(ctx, quotes) ?? [])));

    const faults = await injectedCounts(world);
    const { body: stats } = await world.admin<Record<string, number>>('GET', '/_sim/stats');
    const confirmed = quotes.filter((q) => typeof q['confirmed_ts'] === 'string').length;
    notes['injected'] = faults.injected;
    if (faults.kinds) notes['faults'] = faults.kinds;
    if ((stats['rateLimited'] ?? 0) > 0) notes['429s'] = stats['rateLimited']!;
    if ((stats['authFailures'] ?? 0) > 0) notes['401s'] = stats['authFailures']!;
    notes['quotes'] = quotes.length;
    notes['accepts'] = traffic.accepted.length;
    notes['confirmed'] = confirmed;
    notes['samples'] = monitor.samples;
    const anotherQuoter = [ctx.bot, ...ctx.others].reduce(
      (n, bot) => n + (bot?.anotherQuoterErrors() ?? 0),
      0,
    );
    if (anotherQuoter > 0) notes['anotherQuoterErrors'] = anotherQuoter;
  } catch (error) {
    problems.push(
      `scenario aborted: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`,
    );
  } finally {
    await traffic.stop().catch(() => undefined);
    await monitor.stop().catch(() => undefined);
    for (const bot of ctx.others) await bot.app.stop('chaos cleanup').catch(() => undefined);
    if (ctx.bot) await ctx.bot.app.stop('chaos cleanup').catch(() => undefined);
    scenario.cleanup?.();
    monitor.detach();
    await world.stop().catch(() => undefined);
  }
  const all = [...monitor.report(), ...problems];
  const details = Object.entries(notes)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  return {
    name: scenario.name,
    passed: all.length === 0,
    durationMs: Date.now() - started,
    details,
    problems: all,
    log: all.length > 0 ? (ctx.bot?.logLines.slice(-Number(process.env['CHAOS_LOG_TAIL'] ?? 40)) ?? []) : [],
  };
}

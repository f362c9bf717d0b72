/**
 * The hostile-plugin chaos scenario (issue 12): strategy plugins that loop for ever, try to end
 * the process, and write into their inputs, run next to the shipped fixed-spread.
 */
import { resolve } from 'node:path';
import type { Scenario } from './scenario.js';
import { createRfqs, ourQuotes, sleep, until } from './world.js';

/** How long the hostile routes take traffic after the kill-switch check. */
const FAULT_MS = 8_000;
const HOSTILE_DIR = resolve(import.meta.dirname, '../fixtures/hostile-strategies');

/**
 * Plugins that spin for ever, call process.exit / process.kill(SIGKILL), and write into the RFQs
 * they are given (issue 12), next to the shipped fixed-spread. The kill switch is tripped while
 * a strategy spins and must pull every quote within 1 s; RFQs of 130 and 186 contracts on the
 * writer's market must stay unquoted (maxContractsPerQuote 80).
 */
export function hostilePlugin(): Scenario {
  const big: string[] = [];
  const refusedCalls: string[] = [];
  let markets: { mutate: string; spin: string; exit: string; kill: string } | undefined;
  return {
    name: 'hostile-plugin',
    summary:
      'plugins that loop for ever, exit or kill the process, and shrink their RFQs, for 8 s; kill switch mid-spin',
    async start(ctx) {
      const [mutate, spin, , exit, kill] = ctx.world.busy;
      if (!mutate || !spin || !exit || !kill)
        throw new Error('the world lacks busy markets for the hostile routes');
      markets = { mutate, spin, exit, kill };
      await ctx.startBot({
        strategies: {
          dir: HOSTILE_DIR,
          routes: [
            { name: 'spin', match: { markets: [spin] }, strategy: 'spin' },
            { name: 'exit', match: { markets: [exit] }, strategy: 'exit', options: { how: 'exit' } },
            { name: 'kill', match: { markets: [kill] }, strategy: 'exit', options: { how: 'kill' } },
            { name: 'mutate', match: { markets: [mutate] }, strategy: 'mutate' },
            { name: 'default', strategy: 'fixed-spread', options: { spread: '0.04', maxBookSpread: '0.50' } },
          ],
        },
      });
    },
    async fault(ctx) {
      const bot = ctx.bot!;
      // Traffic reaches the exit and kill routes too, and may get them disabled before our own
      // RFQs do: any refusal on their markets counts, watched as the log ring turns over.
      const calls = [
        ['exit', markets!.exit, 'process.exit()'],
        ['kill', markets!.kill, 'process.kill()'],
      ] as const;
      const seen = () => {
        for (const [route, market, call] of calls) {
          if (refusedCalls.includes(route)) continue;
          const marker = `"marketTicker":"${market}"`;
          if (bot.logLines.some((l) => l.includes(marker) && l.includes(`${call} is not available`))) {
            refusedCalls.push(route);
          }
        }
        return refusedCalls.length === calls.length;
      };
      const watch = setInterval(seen, 20);
      try {
        const spinning = () => bot.logLines.some((line) => line.includes('"msg":"spinning"'));
        await createRfqs(ctx.world, markets!.spin, 1, 10);
        if (!(await until(spinning, 5_000))) throw new Error('the spinning strategy was never called');
        const trippedAt = Date.now();
        bot.app.killSwitch.trip('chaos: kill switch while a strategy spins', 'http');
        await until(async () => (await ourQuotes(ctx.world, 'open')).length === 0, 5_000, 10);
        const pulledMs = Date.now() - trippedAt;
        ctx.notes['killPulled'] = `${pulledMs} ms`;
        if (pulledMs > 1_000) {
          ctx.monitor.violate(
            'kill switch within 1 s',
            'spin',
            `quotes pulled ${pulledMs} ms after the trip`,
          );
        }
        await bot.app.killSwitch.resume('http');
        for (const [, market] of calls) await createRfqs(ctx.world, market, 1, 10);
        await until(seen, 15_000);
      } finally {
        clearInterval(watch);
      }
      big.push(...(await createRfqs(ctx.world, markets!.mutate, 1, 130)));
      big.push(...(await createRfqs(ctx.world, markets!.mutate, 1, 186)));
      await sleep(FAULT_MS);
    },
    verify(ctx, quotes) {
      const problems: string[] = [];
      const app = ctx.bot!.app;
      for (const q of quotes) {
        const size = Math.max(Number(q['yes_contracts_fp'] ?? 0), Number(q['no_contracts_fp'] ?? 0));
        if (big.includes(q.rfq_id) || size > 80) {
          problems.push(
            `quote ${q.id} on RFQ ${q.rfq_id} offers ${size} contracts, past maxContractsPerQuote 80`,
          );
        }
      }
      const disabled = app.runner.disabledRoutes;
      if (!disabled.some((label) => label.endsWith('"spin"')))
        problems.push('the spinning route was not disabled');
      for (const name of ['exit', 'kill']) {
        if (!refusedCalls.includes(name)) problems.push(`not exercised: no refused ${name} call seen`);
      }
      if (disabled.some((label) => label.endsWith('"mutate"') || label.endsWith('"default"'))) {
        problems.push(`a well-behaved route was disabled: ${disabled.join(', ')}`);
      }
      const onWriter = quotes.filter((q) => q.market_ticker === markets?.mutate).length;
      if (onWriter === 0) problems.push("not exercised: the writer's market was never quoted");
      const restarts = ctx.bot!.logLines.filter((line) => line.includes('terminated (stuck')).length;
      ctx.notes['disabled'] = disabled.length;
      ctx.notes['stuckWorkersReplaced'] = restarts;
      ctx.notes['writerQuotes'] = onWriter;
      if (restarts === 0) problems.push('not exercised: no stuck worker was terminated');
      return problems;
    },
  };
}

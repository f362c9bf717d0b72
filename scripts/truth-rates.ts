/**
 * How often the simulator's exchange-truth behaviours show at its defaults: a simple in-process
 * maker (fixed 4¢ spread around the book mid, post-only, confirms every accept) quotes every
 * synthetic RFQ for N minutes of simulation time; the counters are printed.
 *
 *   npx tsx scripts/truth-rates.ts [--minutes 10] [--seed 42] [--takers 30]
 */
import { parseArgs } from 'node:util';
import { snapDown } from '../src/domain/grid.js';
import { ONE_DOLLAR } from '../src/domain/money.js';
import { ManualClock, startSimulator } from '../src/simulator/index.js';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    seed: { type: 'string', default: '42' },
    takers: { type: 'string', default: '30' },
  },
});
const minutes = Number(values.minutes);
const clock = new ManualClock(Date.now());
const sim = await startSimulator({
  seed: Number(values.seed),
  takers: Number(values.takers),
  clock,
  embeddedUser: true,
  // positions never settle here: a large balance keeps the maker confirming
  startingBalance: 10_000_000 * ONE_DOLLAR,
});
const { exchange, accounts, bus, counters } = sim.context;
const maker = accounts.byKeyId(sim.embeddedUser?.keyId ?? '');
if (!maker) throw new Error('no embedded user');

bus.on('rfqCreated', (rfq) => {
  clock.schedule(50, () => {
    const yes = rfq.market.book.levels('yes').at(-1)?.price;
    const no = rfq.market.book.levels('no').at(-1)?.price;
    if (rfq.status !== 'open' || yes === undefined || no === undefined) return;
    const mid = Math.round((yes + ONE_DOLLAR - no) / 2);
    const yesBid = snapDown(mid - 20_000, rfq.market.grid) ?? 0;
    const noBid = snapDown(ONE_DOLLAR - mid - 20_000, rfq.market.grid) ?? 0;
    if (yesBid <= 0 || noBid <= 0) return;
    try {
      exchange.createQuote(maker, { rfqId: rfq.id, yesBid, noBid, restRemainder: false, postOnly: true });
    } catch {
      // the RFQ closed meanwhile
    }
  });
});
bus.on('quoteAccepted', (quote) => {
  if (quote.creator !== maker) return;
  clock.schedule(100, () => {
    try {
      exchange.confirm(maker, quote.id);
    } catch {
      // lapsed or flushed
    }
  });
});

clock.advance(minutes * 60_000);
const picked = [
  'rfqsCreated',
  'quotesCreated',
  'accepts',
  'partialAccepts',
  'confirms',
  'executions',
  'postOnlyCancels',
  'sweeps',
  'crossPenalties',
  'serverRolls',
  'quotesFlushed',
  'rfqsExpired',
] as const;
console.log(
  `${minutes} simulated minutes, seed ${values.seed}, ${values.takers} taker RFQs/min, truth defaults:`,
);
for (const key of picked) console.log(`  ${key.padEnd(16)} ${counters[key]}`);
await sim.stop();

/**
 * Writes a synthetic recording (src/backtest/synthetic.ts) for benchmarks and tests.
 *
 *   npx tsx scripts/synthetic-recording.ts --rfqs 500000 --out /tmp/synthetic.jsonl [--rate 10] [--markets 100] [--seed 7]
 */
import { parseArgs } from 'node:util';
import { writeSyntheticRecording } from '../src/backtest/synthetic.js';

const { values } = parseArgs({
  options: {
    rfqs: { type: 'string', default: '500000' },
    rate: { type: 'string', default: '10' },
    markets: { type: 'string', default: '100' },
    seed: { type: 'string', default: '7' },
    out: { type: 'string' },
  },
});
if (!values.out) {
  process.stderr.write('--out FILE is required (.gz to compress)\n');
  process.exit(2);
}
const lines = await writeSyntheticRecording(values.out, {
  rfqs: Number(values.rfqs),
  rate: Number(values.rate),
  markets: Number(values.markets),
  seed: Number(values.seed),
  start: Date.UTC(2026, 11, 7, 14, 0, 0),
});
process.stderr.write(`${lines} events written to ${values.out}\n`);

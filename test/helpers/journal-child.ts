/**
 * A process that journals as fast as it can until killed: the kill -9 test's victim.
 * argv: <journal path>. Prints "flushed N" after each committed batch.
 */
import pino from 'pino';
import { systemClock } from '../../src/domain/clock.js';
import { Journal } from '../../src/journal/journal.js';

const journal = await Journal.open({
  path: process.argv[2]!,
  clock: systemClock,
  logger: pino({ level: 'silent' }),
  flushIntervalMs: 5,
});
let n = 0;
for (;;) {
  for (let i = 0; i < 200; i++) {
    n++;
    journal.record({
      kind: 'rfq_seen',
      at: Date.now(),
      rfqId: `rfq-${n}`,
      marketTicker: 'KXTEST-1',
      contracts: 1000,
      source: 'poll',
    });
  }
  await journal.flush();
  process.stdout.write(`flushed ${n}\n`);
}

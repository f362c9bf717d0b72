/**
 * Cost of the redaction every log line passes (`npx tsx bench/redact.ts`): best of 15 rounds
 * of 5000 lines, per line, for a typical quote line and for an error line with a stack.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createRedactor } from '../src/domain/redact.js';

const pem = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs1', format: 'pem' })
  .toString();
const redact = createRedactor([randomUUID(), 'ops-token-0123456789abcdef', pem]);

const lines = {
  'quote open': JSON.stringify({
    level: 30,
    time: new Date().toISOString(),
    module: 'quotes',
    rfqId: randomUUID(),
    quoteId: randomUUID(),
    marketTicker: 'KXMVESPORTSMULTIGAMEEXTENDED-S2026DEC31-48CF3F',
    from: 'pending',
    to: 'open',
    strategy: 'fixed-spread',
    yesBid: '0.062',
    noBid: '0.88',
    yesContracts: '10',
    noContracts: '10',
    msg: 'quote open',
  }),
  'error with stack': JSON.stringify({
    level: 50,
    module: 'kalshi',
    err: { message: 'HTTP 503 on create_quote', stack: new Error('HTTP 503 on create_quote').stack },
    msg: 'request failed',
  }),
};

for (const [name, line] of Object.entries(lines)) {
  let best = Number.POSITIVE_INFINITY;
  for (let round = 0; round < 15; round++) {
    const started = performance.now();
    for (let i = 0; i < 5000; i++) redact(line);
    best = Math.min(best, ((performance.now() - started) * 1000) / 5000);
  }
  process.stdout.write(`${name} (${line.length} chars): ${best.toFixed(2)} µs per line\n`);
}

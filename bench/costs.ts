/**
 * `npm run bench:costs`: what the pieces of the push path cost on the bot's thread, one at a
 * time and warm: signing a request (RSA-PSS 2048), one log line of a quote, parsing and mapping
 * a page of RFQs, the accept watcher's full page of our quotes, an order book, and the structured
 * clone of a price call to a strategy worker. Microseconds per operation, p50 and p99.
 */
import { generateKeyPairSync } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { pino } from 'pino';
import { signRequest } from '../src/kalshi/auth.js';
import { parseQuotesPage, parseRfqsPage } from '../src/kalshi/mappers.js';
import { parseOrderBook } from '../src/kalshi/mappers-market.js';
import { UnknownReporter } from '../src/kalshi/wire-reader.js';
import { createLogger } from '../src/ops/logger.js';
import { testBook, testRfq } from '../src/strategy/memory-data.js';
import { wireQuote, wireRfq } from '../test/unit/kalshi/fixtures.js';
import { percentile, round } from './stats.js';

interface Cost {
  readonly what: string;
  readonly p50Us: number | null;
  readonly p99Us: number | null;
  readonly bytes?: number;
}

/** Runs `fn` `warmup` times, then times `n` runs one by one. */
function measure(what: string, n: number, fn: () => unknown, bytes?: number): Cost {
  for (let i = 0; i < Math.min(n, 200); i++) fn();
  const samples: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) * 1000);
  }
  return {
    what,
    p50Us: round(percentile(samples, 50)),
    p99Us: round(percentile(samples, 99)),
    ...(bytes !== undefined ? { bytes } : {}),
  };
}

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const credentials = { keyId: '6f1d2c3b-aaaa-4bbb-8ccc-0123456789ab', privateKey };
const reporter = new UnknownReporter(undefined);
const logger = createLogger({
  level: 'info',
  format: 'json',
  destination: pino.destination({ dest: '/dev/null', sync: true }),
  secrets: [credentials.keyId],
});

const rfqPage = JSON.stringify({
  rfqs: Array.from({ length: 100 }, (_, i) =>
    wireRfq({ id: `rfq-${i}`, market_ticker: `KXTEST-26JUL06-T${i}` }),
  ),
  cursor: 'next',
});
const quotePage = JSON.stringify({
  quotes: Array.from({ length: 500 }, (_, i) => wireQuote({ id: `q-${i}`, rfq_id: `rfq-${i}` })),
  cursor: 'next',
});
const levels = (from: number) =>
  Array.from({ length: 20 }, (_, i) => [((from - i) / 100).toFixed(4), `${(i + 1) * 10}.00`]);
const bookJson = JSON.stringify({ orderbook_fp: { yes_dollars: levels(48), no_dollars: levels(50) } });
const call = {
  t: 'call',
  seq: 1,
  id: 1,
  key: 'routes[1]:fixed-spread',
  hook: 'price',
  timeoutMs: 250,
  now: Date.now(),
  fields: { rfqId: 'rfq-1' },
  args: [testRfq({ marketTicker: 'KXTEST-26JUL06-T50' })],
  prefetched: {
    'orderBook:KXTEST-26JUL06-T50': testBook('KXTEST-26JUL06-T50', {
      yes: [
        ['0.45', '10'],
        ['0.44', '20'],
      ],
      no: [['0.50', '10']],
    }),
  },
};
const callBytes = serialize(call).length;

const costs: Cost[] = [
  measure('sign one request (RSA-PSS 2048, SHA-256)', 2_000, () =>
    signRequest(credentials, 'POST', '/trade-api/v2/communications/quotes', Date.now()),
  ),
  measure('one quote log line (child logger + info, JSON to /dev/null)', 20_000, () =>
    logger
      .child({ rfqId: 'rfq-1', marketTicker: 'KXTEST-26JUL06-T50', trigger: 'new' })
      .info({ quoteId: 'q-1', yesBid: '0.45', noBid: '0.50', state: 'open' }, 'quote open'),
  ),
  measure(
    'parse and map a page of 100 RFQs',
    2_000,
    () => parseRfqsPage(JSON.parse(rfqPage), reporter),
    rfqPage.length,
  ),
  measure(
    'parse and map a page of 500 of our quotes (the watcher’s full listing)',
    500,
    () => parseQuotesPage(JSON.parse(quotePage), reporter),
    quotePage.length,
  ),
  measure(
    'parse and map an order book (20 levels a side)',
    5_000,
    () => parseOrderBook('KXTEST-26JUL06-T50', JSON.parse(bookJson), reporter),
    bookJson.length,
  ),
  measure(
    'structured clone of a price call to a worker (both ends)',
    10_000,
    () => deserialize(serialize(call)),
    callBytes,
  ),
];

const width = Math.max(...costs.map((c) => c.what.length));
process.stdout.write(`${'operation'.padEnd(width)}  p50 µs   p99 µs   bytes\n`);
for (const c of costs) {
  process.stdout.write(
    `${c.what.padEnd(width)}  ${String(c.p50Us).padStart(6)}  ${String(c.p99Us).padStart(7)}  ${c.bytes ?? ''}\n`,
  );
}
process.stdout.write(`${JSON.stringify({ costs })}\n`);

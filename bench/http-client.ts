/**
 * `npm run bench:http [-- --requests N] [--concurrency N]`: what one request costs through the bot's client with
 * each `exchange.httpClient`: `node` (node:http, keep-alive) and `fetch` (undici). The real
 * KalshiClient (ky, signing, the transport's checks and mapping) reads a page of 5 RFQs and
 * creates a quote against a local server that answers at once; rounds alternate between the
 * two so both see the same machine noise. Prints CPU per request (client and server, the
 * server's share the same for both) and latency p50/p99, then one JSON line.
 */
import { generateKeyPairSync } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { dollars } from '../src/domain/money.js';
import { KalshiClient } from '../src/kalshi/index.js';
import { wireRfq } from '../test/unit/kalshi/fixtures.js';
import { percentile, round } from './stats.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '4000' },
    rounds: { type: 'string', default: '4' },
    concurrency: { type: 'string', default: '1' },
  },
});
const perRound = Number(values.requests);
const rounds = Number(values.rounds);
/** Requests in flight at once: 1 is the steady flow, 100 a burst. */
const concurrency = Number(values.concurrency);

const page = JSON.stringify({
  rfqs: Array.from({ length: 5 }, (_, i) =>
    wireRfq({ id: `rfq-${i}`, market_ticker: `KXTEST-26JUL06-T${i}` }),
  ),
  cursor: '',
});
const created = JSON.stringify({ id: '9e8d7c6b-2222-4b4b-8c8c-000000000002' });
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const body = req.method === 'POST' ? created : page;
    res.writeHead(req.method === 'POST' ? 201 : 200, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  });
});
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/trade-api/v2`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const credentials = { keyId: '6f1d2c3b-aaaa-4bbb-8ccc-0123456789ab', privateKey };

type Client = 'node' | 'fetch';
type Kind = 'read' | 'create';
const clients: Record<Client, KalshiClient> = {
  node: new KalshiClient({ baseUrl, credentials, httpClient: 'node' }),
  fetch: new KalshiClient({ baseUrl, credentials, httpClient: 'fetch' }),
};
const call: Record<Kind, (client: KalshiClient) => Promise<unknown>> = {
  read: (client) => client.rfqsPage({ status: 'open' }),
  create: (client) =>
    client.createQuote({
      rfqId: 'rfq-1',
      yesBid: dollars('0.45'),
      noBid: dollars('0.50'),
      restRemainder: false,
    }),
};

interface Samples {
  cpuUs: number;
  count: number;
  latencyUs: number[];
}
const samples = new Map<string, Samples>();

async function round1(client: Client, kind: Kind, n: number, record: boolean): Promise<void> {
  const cpu = process.cpuUsage();
  const latency: number[] = [];
  for (let i = 0; i < n; i += concurrency) {
    await Promise.all(
      Array.from({ length: Math.min(concurrency, n - i) }, async () => {
        const t0 = performance.now();
        await call[kind](clients[client]);
        latency.push((performance.now() - t0) * 1000);
      }),
    );
  }
  if (!record) return;
  const used = process.cpuUsage(cpu);
  const key = `${client}/${kind}`;
  const s = samples.get(key) ?? { cpuUs: 0, count: 0, latencyUs: [] };
  s.cpuUs += used.user + used.system;
  s.count += n;
  s.latencyUs.push(...latency);
  samples.set(key, s);
}

for (const kind of ['read', 'create'] as const) {
  for (const client of ['node', 'fetch'] as const) await round1(client, kind, 500, false);
  for (let r = 0; r < rounds; r++) {
    const order: Client[] = r % 2 === 0 ? ['node', 'fetch'] : ['fetch', 'node'];
    for (const client of order) await round1(client, kind, perRound, true);
  }
}
server.close();

const rows = [...samples].map(([key, s]) => ({
  key,
  cpuUsPerRequest: round(s.cpuUs / s.count),
  p50Us: round(percentile(s.latencyUs, 50)),
  p99Us: round(percentile(s.latencyUs, 99)),
}));
console.log(
  `bench:http: ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}; ${rounds} rounds of ${perRound} per client and kind, alternating, ${concurrency} in flight`,
);
console.log('client/kind     CPU µs/request   p50 µs   p99 µs');
for (const row of rows) {
  console.log(
    `${row.key.padEnd(15)} ${String(row.cpuUsPerRequest).padStart(14)} ${String(row.p50Us).padStart(8)} ${String(row.p99Us).padStart(8)}`,
  );
}
for (const kind of ['read', 'create'] as const) {
  const node = rows.find((r) => r.key === `node/${kind}`)!;
  const fetch = rows.find((r) => r.key === `fetch/${kind}`)!;
  console.log(
    `${kind}: node saves ${round(100 * (1 - (node.cpuUsPerRequest ?? 0) / (fetch.cpuUsPerRequest ?? 1)))}% of the CPU per request`,
  );
}
console.log(JSON.stringify({ httpClient: rows }));

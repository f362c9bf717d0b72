/**
 * A synthetic recording for benchmarks and tests: markets whose fair values random-walk, RFQs
 * arriving at a steady rate, a book and a mid for each, another maker's quote on each, and
 * requesters accepting some of those quotes (a quarter of them partly). Seeded: the same options
 * give the same events. `scripts/synthetic-recording.ts` writes one to a file.
 */
import { createWriteStream } from 'node:fs';
import { createGzip } from 'node:zlib';
import { recordingHeader } from '../domain/recording-format.js';
import type { JournalEvent } from '../journal/events.js';
import { toRecordingLine } from '../journal/recording.js';
import { seededRandom as rng } from './taker-models.js';

export interface SyntheticOptions {
  /** How many RFQs. */
  readonly rfqs: number;
  /** RFQs per second of recorded time. */
  readonly rate: number;
  readonly markets: number;
  /** How long each market lives before it settles and a new one takes its place. @default 600000 */
  readonly marketLifetimeMs?: number;
  readonly seed: number;
  readonly start: number;
}

/** A binary min-heap of future events by time (then insertion order): the file stays in time order. */
class Pending {
  readonly #heap: { at: number; seq: number; event: JournalEvent }[] = [];
  #seq = 0;
  push(event: JournalEvent): void {
    const heap = this.#heap;
    heap.push({ at: event.at, seq: this.#seq++, event });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#less(heap[parent]!, heap[i]!)) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }
  peekAt(): number | undefined {
    return this.#heap[0]?.at;
  }
  pop(): JournalEvent | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (top === undefined || last === undefined) return undefined;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && this.#less(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && this.#less(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[m], heap[i]] = [heap[i]!, heap[m]!];
        i = m;
      }
    }
    return top.event;
  }
  #less(a: { at: number; seq: number }, b: { at: number; seq: number }): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }
}

const CENT = 10_000;
const clampCents = (micros: number) => Math.min(97, Math.max(3, Math.round(micros / CENT))) * CENT;

/** The events of a synthetic recording, in time order. */
export function* syntheticEvents(options: SyntheticOptions): Generator<JournalEvent> {
  const random = rng(options.seed);
  const lifetime = options.marketLifetimeMs ?? 600_000;
  // Markets live `lifetime` (their ends staggered), then settle and a new one takes the slot.
  const open = (slot: number, generation: number, at: number) => ({
    ticker: `KXSYN-S${String(slot).padStart(3, '0')}G${String(generation).padStart(4, '0')}-T50`,
    event: `KXSYN-S${String(slot).padStart(3, '0')}G${String(generation).padStart(4, '0')}`,
    fair: 200_000 + Math.floor(random() * 600_000),
    generation,
    closesAt: at + lifetime,
  });
  let at = options.start;
  const markets = Array.from({ length: options.markets }, (_, i) => {
    const m = open(i, 0, at);
    m.closesAt = at + Math.floor(((i + 1) * lifetime) / options.markets);
    return m;
  });
  const describe = (m: (typeof markets)[number], when: number): JournalEvent => ({
    kind: 'market',
    at: when,
    marketTicker: m.ticker,
    eventTicker: m.event,
    seriesTicker: 'KXSYN',
    status: 'active',
    priceGrid: [{ start: 0, end: 1_000_000, step: CENT }],
    fees: { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 },
    closeTime: m.closesAt,
  });
  for (const m of markets) yield describe(m, at);
  const pending = new Pending();
  const gap = 1000 / options.rate;
  let nextMarks = at;
  for (let n = 0; n < options.rfqs; n++) {
    at = options.start + Math.floor(n * gap);
    while ((pending.peekAt() ?? Number.POSITIVE_INFINITY) <= at) yield pending.pop()!;
    for (const [slot, m] of markets.entries()) {
      if (at < m.closesAt) continue;
      yield {
        kind: 'settlement',
        at,
        marketTicker: m.ticker,
        result: random() * 1_000_000 < m.fair ? 'yes' : 'no',
      };
      const next = open(slot, m.generation + 1, at);
      markets[slot] = next;
      yield describe(next, at);
    }
    if (at >= nextMarks) {
      // Every market walks and shows a mid every 5 s: mark-outs and marks have data.
      for (const m of markets) {
        m.fair = Math.min(950_000, Math.max(50_000, m.fair + Math.round((random() - 0.5) * 20_000)));
        yield { kind: 'mark', at, marketTicker: m.ticker, mid: m.fair };
      }
      nextMarks = at + 5_000;
    }
    const m = markets[Math.floor(random() * markets.length)]!;
    const rfqId = `syn-${n}`;
    const bid = clampCents(m.fair - CENT);
    const ask = clampCents(m.fair + CENT);
    yield {
      kind: 'book',
      at,
      marketTicker: m.ticker,
      yes: [
        { price: bid - CENT, count: 5_000 },
        { price: bid, count: 2_000 },
      ],
      no: [
        { price: 1_000_000 - ask - CENT, count: 5_000 },
        { price: 1_000_000 - ask, count: 2_000 },
      ],
    };
    yield { kind: 'mark', at, marketTicker: m.ticker, mid: Math.floor((bid + ask) / 2) };
    const contracts = (1 + Math.floor(random() * 50)) * 100;
    yield {
      kind: 'rfq_seen',
      at,
      rfqId,
      marketTicker: m.ticker,
      eventTicker: m.event,
      contracts,
      source: 'exchange',
      createdAt: at,
    };
    const quoteAt = at + 40;
    const yesBid = clampCents(m.fair - 3 * CENT);
    const noBid = clampCents(1_000_000 - m.fair - 3 * CENT);
    const quoteId = `${rfqId}-q`;
    pending.push({
      kind: 'quote',
      at: quoteAt,
      rfqId,
      quoteId,
      marketTicker: m.ticker,
      strategy: 'other-maker',
      from: '',
      to: 'open',
      yesBid,
      noBid,
      yesContracts: contracts,
      noContracts: contracts,
    });
    let goneAt = at + 30_000;
    if (random() < 0.3) {
      const side = random() < 0.5 ? 'yes' : 'no';
      const acceptAt = quoteAt + 500 + Math.floor(random() * 3_000);
      const taken =
        random() < 0.25 ? Math.max(100, Math.floor((contracts * random()) / 100) * 100) : contracts;
      pending.push({
        kind: 'quote_accepted',
        at: acceptAt,
        rfqId,
        quoteId,
        marketTicker: m.ticker,
        strategy: 'other-maker',
        side,
        price: side === 'yes' ? yesBid : noBid,
        contracts: taken,
        offered: contracts,
      });
      goneAt = acceptAt + 1_000;
    }
    pending.push({ kind: 'rfq_gone', at: goneAt, rfqId, reason: 'closed' });
  }
  for (let event = pending.pop(); event !== undefined; event = pending.pop()) yield event;
}

/** Writes a synthetic recording (gzip-compressed when the path ends in .gz); returns the events written. */
export async function writeSyntheticRecording(path: string, options: SyntheticOptions): Promise<number> {
  const file = createWriteStream(path);
  const gz = path.endsWith('.gz') ? createGzip({ level: 1 }) : undefined;
  gz?.pipe(file);
  const out = gz ?? file;
  const write = (text: string) =>
    out.write(text) ? Promise.resolve() : new Promise<void>((resolve) => out.once('drain', resolve));
  await write(`${recordingHeader({ source: 'synthetic' })}\n`);
  let batch = '';
  let lines = 0;
  for (const event of syntheticEvents(options)) {
    batch += `${toRecordingLine(event)}\n`;
    lines++;
    if (batch.length > 1 << 20) {
      await write(batch);
      batch = '';
    }
  }
  await write(batch);
  const closed = new Promise<void>((resolve) => file.on('close', resolve));
  out.end();
  await closed;
  return lines;
}

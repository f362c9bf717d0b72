/**
 * Bot-side timing, without touching the engine: a gate wrapper (through `AppOverrides.gate`,
 * delegating to the app's own action queue) sees when each request is queued and admitted, a
 * fetch wrapper sees when it leaves and when its response arrives; listeners on the RFQ book
 * and the quote store see when an RFQ is new and an accept is noticed. From these, per RFQ:
 * the internal overhead is the time from the poll page's arrival to the create request leaving,
 * less the waits on the way (market-data reads on the wire and any request waiting for tokens).
 */
import type { RequestGate, RequestSpec } from '../src/kalshi/gate.js';
import { type DirectSend, markDirectSend, takesDirectSend } from '../src/kalshi/node-fetch.js';
import type { FetchLike } from '../src/kalshi/options.js';
import { API_PREFIX } from '../src/kalshi/wire.js';
import { wallNow } from './ipc.js';

interface Req {
  readonly endpoint: string;
  readonly key: string;
  readonly queued: number;
  admitted: number;
  start: number;
  end: number;
  status?: number;
  first?: boolean;
  /** A create's JSON body, as sent. */
  body?: string;
  /** The meter's reading when the request left. */
  meterAtStart?: number;
}

function rfqIdOf(req: Req): string | undefined {
  if (req.body === undefined) return undefined;
  try {
    return (JSON.parse(req.body) as { rfq_id?: string }).rfq_id;
  } catch {
    return undefined;
  }
}

type Span = readonly [number, number];

export interface PathTiming {
  /** Page (or accept listing) arrived → create (or confirm) request handed to fetch. */
  readonly totalMs: number;
  /** Part of it spent in market-data reads on the wire. */
  readonly networkMs: number;
  /** Part of it spent waiting for tokens in the action queue (reads on the path and the write itself). */
  readonly budgetMs: number;
  /** Of which the write itself (create or confirm) waited for tokens. */
  readonly ownBudgetMs: number;
  /** The rest: the bot's own work. */
  readonly internalMs: number;
}

export interface RfqTiming extends PathTiming {
  readonly rfqId: string;
  /** How the bot learnt of it: the websocket push, or a poll cycle. */
  readonly source: 'push' | 'poll';
  /** The RFQ book reported it as new. */
  readonly added: number;
  /** Poll only: start of the first page of the cycle that found it. */
  readonly cycleStart?: number;
  /** Poll only: that cycle's last page arrived. */
  readonly lastPageEnd?: number;
  readonly createStart: number;
  /** What the meter (the journal's time on the bot thread) counted between `added` and the create. */
  readonly meteredMs: number;
}

export interface ConfirmTiming extends PathTiming {
  readonly quoteId: string;
  readonly listStart: number;
  readonly listEnd: number;
  readonly confirmStart: number;
}

export interface ProbeCounts {
  readonly byEndpoint: Record<string, number>;
  readonly status429: number;
  readonly requests: number;
}

const MARKET_READS = new Set(['get_orderbook', 'get_market', 'get_event', 'get_series']);

/** Total length of the union of the spans, clipped to [from, to]. */
function covered(spans: readonly Span[], from: number, to: number): number {
  const clipped = spans
    .map(([a, b]) => [Math.max(a, from), Math.min(b, to)] as const)
    .filter(([a, b]) => b > a)
    .sort((x, y) => x[0] - y[0]);
  let total = 0;
  let start = Number.NaN;
  let end = Number.NaN;
  for (const [a, b] of clipped) {
    if (Number.isNaN(end) || a > end) {
      if (!Number.isNaN(end)) total += end - start;
      start = a;
      end = b;
    } else end = Math.max(end, b);
  }
  if (!Number.isNaN(end)) total += end - start;
  return total;
}

/** Latest element whose key is ≤ t (items in ascending key order). */
function lastAtOrBefore<T>(items: readonly T[], t: number, key: (item: T) => number): T | undefined {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (key(items[mid]!) <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? items[lo - 1] : undefined;
}

export class Probe {
  readonly #requests: Req[] = [];
  /** Admitted, not yet fetched, by "METHOD /path": the fetch that follows takes the oldest. */
  readonly #admitted = new Map<string, Req[]>();
  readonly #added = new Map<string, { t: number; ticker: string; push: boolean; meter: number }>();
  /** A running total of some part's busy time (ms), read at each RFQ's start and at its create. */
  meter: () => number = () => 0;
  /** True while the RFQ book is applying a pushed RFQ. */
  pushing = false;
  readonly #seen = new Map<string, { t: number; ticker: string }>();
  #status429 = 0;

  /** Wraps the gate every request passes (the app's action queue, or an unlimited gate). */
  gate(target: () => RequestGate): RequestGate {
    return {
      run: <T>(spec: RequestSpec, send: () => Promise<T>): Promise<T> => {
        const key = `${spec.method} ${spec.path}`;
        const req: Req = {
          endpoint: spec.endpoint,
          key,
          queued: wallNow(),
          admitted: Number.NaN,
          start: Number.NaN,
          end: Number.NaN,
        };
        this.#requests.push(req);
        const settled = () => {
          // Refused before admission (deadline, abort), or admitted and then never sent: it
          // waited until now and went nowhere. Left open, it would count as a wait on the path
          // of every RFQ after it.
          if (!Number.isNaN(req.start)) return;
          const list = this.#admitted.get(key);
          const index = list?.indexOf(req) ?? -1;
          if (index >= 0) list!.splice(index, 1);
          const now = wallNow();
          if (Number.isNaN(req.admitted)) req.admitted = now;
          req.start = req.end = now;
        };
        return target()
          .run(spec, () => {
            req.admitted = wallNow();
            const list = this.#admitted.get(key);
            if (list) list.push(req);
            else this.#admitted.set(key, [req]);
            return send();
          })
          .finally(settled);
      },
      budget: (bucket) => target().budget(bucket),
    };
  }

  /** Wraps fetch: when each request leaves and when its response headers arrive. */
  fetch(inner: FetchLike = globalThis.fetch): FetchLike {
    const wrapped: FetchLike = async (input, init) => {
      // ky passes a Request; other callers a URL and plain init.
      const url = input instanceof URL ? input : new URL(input instanceof Request ? input.url : input);
      const method = (input instanceof Request ? input.method : (init?.method ?? 'GET')).toUpperCase();
      const path = url.pathname.startsWith(API_PREFIX) ? url.pathname.slice(API_PREFIX.length) : url.pathname;
      const req = this.#admitted.get(`${method} ${path}`)?.shift();
      const start = wallNow();
      if (req) {
        req.start = start;
        req.meterAtStart = this.meter();
        if (req.endpoint === 'get_rfqs') req.first = !url.searchParams.has('cursor');
        // The body names the RFQ: kept as sent, read after the scenario.
        if (req.endpoint === 'create_quote') {
          const direct = (init as { directSend?: DirectSend } | undefined)?.directSend;
          if (direct) {
            if (direct.body !== undefined) req.body = direct.body;
          } else if (typeof init?.body === 'string') req.body = init.body;
          // ky hands fetch a Request: read a copy of its body off the hot path.
          else if (input instanceof Request)
            void input
              .clone()
              .text()
              .then((text) => {
                req.body = text;
              })
              .catch(() => undefined);
        }
      }
      let response: Response;
      try {
        response = await inner(input, init);
      } catch (error) {
        // Failed (time-out, connection lost): its wait ended here. Left open, it would count as
        // a market read still on the wire for every RFQ after it.
        if (req) req.end = wallNow();
        throw error;
      }
      if (req) {
        req.end = wallNow();
        req.status = response.status;
      }
      if (response.status === 429) this.#status429++;
      return response;
    };
    // A node fetch's wrapper passes the body and signal on as they came (node-fetch.ts).
    return takesDirectSend(inner) ? markDirectSend(wrapped) : wrapped;
  }

  rfqAdded(rfqId: string, ticker: string): void {
    if (!this.#added.has(rfqId))
      this.#added.set(rfqId, { t: wallNow(), ticker, push: this.pushing, meter: this.meter() });
  }

  acceptSeen(quoteId: string, ticker: string): void {
    if (!this.#seen.has(quoteId)) this.#seen.set(quoteId, { t: wallNow(), ticker });
  }

  /** Everything recorded, for debugging a run (BENCH_TRACE). */
  dump(): unknown {
    return { requests: this.#requests, added: [...this.#added], seen: [...this.#seen] };
  }

  counts(): ProbeCounts {
    const byEndpoint: Record<string, number> = {};
    for (const r of this.#requests) byEndpoint[r.endpoint] = (byEndpoint[r.endpoint] ?? 0) + 1;
    return { byEndpoint, status429: this.#status429, requests: this.#requests.length };
  }

  /** Waits on the path between `from` and `to`: market reads of `ticker`, and `own` (the write itself). */
  #path(ticker: string, from: number, to: number, own: Req): PathTiming {
    const reads = this.#requests.filter(
      (r) =>
        MARKET_READS.has(r.endpoint) &&
        (r.key.includes(`/${ticker}`) || r.endpoint === 'get_event' || r.endpoint === 'get_series') &&
        r.queued < to &&
        (Number.isNaN(r.end) || r.end > from),
    );
    const network: Span[] = reads.filter((r) => !Number.isNaN(r.start)).map((r) => [r.start, r.end || to]);
    const budget: Span[] = [
      ...reads.map((r): Span => [r.queued, Number.isNaN(r.admitted) ? to : r.admitted]),
      [own.queued, own.admitted],
    ];
    const external = covered([...network, ...budget], from, to);
    const totalMs = to - from;
    return {
      totalMs,
      networkMs: covered(network, from, to),
      budgetMs: covered(budget, from, to),
      ownBudgetMs: covered([[own.queued, own.admitted]], from, to),
      internalMs: totalMs - external,
    };
  }

  rfqTimings(): RfqTiming[] {
    const pages = this.#requests.filter((r) => r.endpoint === 'get_rfqs' && !Number.isNaN(r.end));
    const byEnd = [...pages].sort((a, b) => a.end - b.end);
    const firsts = pages.filter((p) => p.first).sort((a, b) => a.start - b.start);
    const creates = new Map<string, Req>();
    for (const r of this.#requests) {
      if (r.endpoint !== 'create_quote') continue;
      const rfqId = rfqIdOf(r);
      if (rfqId !== undefined && !creates.has(rfqId)) creates.set(rfqId, r);
    }
    const out: RfqTiming[] = [];
    for (const [rfqId, { t: added, ticker, push, meter }] of this.#added) {
      const create = creates.get(rfqId);
      if (!create) continue;
      const meteredMs = (create.meterAtStart ?? meter) - meter;
      if (push) {
        out.push({
          rfqId,
          source: 'push',
          added,
          createStart: create.start,
          meteredMs,
          ...this.#path(ticker, added, create.start, create),
        });
        continue;
      }
      const page = lastAtOrBefore(byEnd, added, (p) => p.end);
      const first = lastAtOrBefore(firsts, added, (p) => p.start);
      if (!page || !first) continue;
      out.push({
        rfqId,
        source: 'poll',
        added,
        cycleStart: first.start,
        lastPageEnd: page.end,
        createStart: create.start,
        meteredMs,
        ...this.#path(ticker, page.end, create.start, create),
      });
    }
    return out;
  }

  confirmTimings(): ConfirmTiming[] {
    const lists = this.#requests
      .filter((r) => r.endpoint === 'get_quotes' && !Number.isNaN(r.end))
      .sort((a, b) => a.end - b.end);
    const out: ConfirmTiming[] = [];
    for (const [quoteId, { t: seen, ticker }] of this.#seen) {
      const confirm = this.#requests.find(
        (r) => r.endpoint === 'confirm_quote' && r.key.includes(`/${quoteId}/`) && !Number.isNaN(r.start),
      );
      const list = lastAtOrBefore(lists, seen, (l) => l.end);
      if (!confirm || !list) continue;
      out.push({
        quoteId,
        listStart: list.start,
        listEnd: list.end,
        confirmStart: confirm.start,
        ...this.#path(ticker, list.end, confirm.start, confirm),
      });
    }
    return out;
  }
}

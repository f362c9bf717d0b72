/**
 * A man in the middle between the bot and the exchange, for the last-look scenario. Each
 * quote create is, in turn:
 * - `request`: the bid the exchange receives is moved by a cent, so the exchange holds prices
 *   other than the ones the bot sent (a confirm would trade at prices we never quoted);
 * - `report`: sent as is, but every later report of the quote shows a moved bid (the exchange
 *   tells us something other than what we sent);
 * - `size`: sent as is, but reports show a size that is not positive (a broken accept);
 * - `clean`: untouched, to show last look still confirms what it should.
 */
import { formatDollarsMinimal, ONE_DOLLAR, parseDollars } from '../../src/domain/money.js';
import type { FetchLike } from '../../src/kalshi/index.js';

export type TamperMode = 'request' | 'report' | 'size' | 'clean';
export const TAMPER_MODES: readonly TamperMode[] = ['request', 'report', 'size', 'clean'];
const CENT = 10_000;

type Json = Record<string, unknown>;

/** Moves one nonzero bid by a cent (up when it stays valid, else down); undefined when neither fits. */
function movedBids(yes: number, no: number): { yes: number; no: number } | undefined {
  if (yes > 0 && yes + CENT < ONE_DOLLAR && yes + no + CENT <= ONE_DOLLAR) return { yes: yes + CENT, no };
  if (no > 0 && no + CENT < ONE_DOLLAR && yes + no + CENT <= ONE_DOLLAR) return { yes, no: no + CENT };
  if (yes > CENT) return { yes: yes - CENT, no };
  if (no > CENT) return { yes, no: no - CENT };
  return undefined;
}

export class PriceTamper {
  /** Off once the fault ends. */
  active = true;
  readonly modeByQuote = new Map<string, TamperMode>();
  /** Reports of quotes that were rewritten on their way to the bot. */
  reportsRewritten = 0;
  #next = 0;

  constructor(private readonly upstream: FetchLike = globalThis.fetch) {}

  readonly fetch: FetchLike = async (input, init) => {
    const request = new Request(input, init);
    const path = new URL(request.url).pathname;
    if (this.active && request.method === 'POST' && path.endsWith('/communications/quotes')) {
      return this.#create(request);
    }
    const response = await this.upstream(request);
    if (request.method !== 'GET' || !path.includes('/quotes') || response.status !== 200) return response;
    return this.#rewriteReport(response);
  };

  async #create(request: Request): Promise<Response> {
    const body = JSON.parse(await request.clone().text()) as Json;
    let mode = TAMPER_MODES[this.#next++ % TAMPER_MODES.length]!;
    let sent = request;
    if (mode === 'request') {
      const moved = movedBids(parseDollars(body['yes_bid']), parseDollars(body['no_bid']));
      if (moved) {
        const tampered = {
          ...body,
          yes_bid: formatDollarsMinimal(moved.yes),
          no_bid: formatDollarsMinimal(moved.no),
        };
        sent = new Request(request, { body: JSON.stringify(tampered) });
      } else mode = 'clean';
    }
    const response = await this.upstream(sent);
    if (response.status === 201) {
      const created = JSON.parse(await response.clone().text()) as Json;
      if (typeof created['id'] === 'string') this.modeByQuote.set(created['id'], mode);
    }
    return response;
  }

  async #rewriteReport(response: Response): Promise<Response> {
    const text = await response.text();
    let json: Json;
    try {
      json = JSON.parse(text) as Json;
    } catch {
      return new Response(text, { status: response.status, headers: response.headers });
    }
    const quotes = [json['quote'], ...(Array.isArray(json['quotes']) ? json['quotes'] : [])];
    for (const quote of quotes) {
      if (!quote || typeof quote !== 'object') continue;
      const q = quote as Json;
      const mode = this.modeByQuote.get(String(q['id']));
      if (!this.active || (mode !== 'report' && mode !== 'size')) continue;
      if (mode === 'size') {
        const size = this.reportsRewritten % 2 === 0 ? '0.00' : '-25.00';
        q['yes_contracts_fp'] = size;
        q['no_contracts_fp'] = size;
        this.reportsRewritten++;
        continue;
      }
      const moved = movedBids(parseDollars(q['yes_bid_dollars']), parseDollars(q['no_bid_dollars']));
      if (!moved) continue;
      q['yes_bid_dollars'] = formatDollarsMinimal(moved.yes, 4);
      q['no_bid_dollars'] = formatDollarsMinimal(moved.no, 4);
      this.reportsRewritten++;
    }
    const headers = new Headers(response.headers);
    headers.delete('content-length');
    return new Response(JSON.stringify(json), { status: response.status, headers });
  }
}

import type { ServerResponse } from 'node:http';

/**
 * Response mutations for the reliability faults: what a client must survive from an
 * exchange that changes its schema or a proxy that cuts bodies short.
 */

const EXTRA_FIELD = 'x_sim_unknown_field';

/** A deep copy with an extra field the client has never heard of on every object. */
export function withUnknownFields(value: unknown, depth = 0): unknown {
  if (depth > 6) return value;
  if (Array.isArray(value)) return value.map((v) => withUnknownFields(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = withUnknownFields(v, depth + 1);
  out[EXTRA_FIELD] = { added_in: 'a future API version', values: [1, 'two', null] };
  return out;
}

/**
 * A deep copy where enum fields the client must treat as open take values it does not
 * know: terminal statuses (`cancelled` → `voided`, `closed` → `archived`,
 * `executed` → `settled`), `price_level_structure`, `book_side` of fills and `market_type`.
 * Live statuses (`open`, `accepted`, `confirmed`, `active`) are left alone.
 */
export function withUnknownEnums(value: unknown, depth = 0): unknown {
  if (depth > 6) return value;
  if (Array.isArray(value)) return value.map((v) => withUnknownEnums(v, depth + 1));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (k === 'status' && typeof v === 'string') {
      out[k] =
        ({ cancelled: 'voided', closed: 'archived', executed: 'settled' } as Record<string, string>)[v] ?? v;
    } else if (k === 'price_level_structure') out[k] = 'sim_future_structure';
    else if (k === 'market_type') out[k] = 'binary_v2';
    else out[k] = withUnknownEnums(v, depth + 1);
  }
  return out;
}

/** Bodies a broken proxy or a half-written response produce. */
export function malformedBodies(
  json: string,
): readonly { readonly contentType: string; readonly text: string }[] {
  return [
    { contentType: 'application/json; charset=utf-8', text: '' },
    {
      contentType: 'application/json; charset=utf-8',
      text: json.slice(0, Math.max(1, Math.floor(json.length / 2))),
    },
    { contentType: 'text/html', text: '<html><body><h1>502 Bad Gateway</h1></body></html>' },
    { contentType: 'application/json; charset=utf-8', text: '{"error":' },
  ];
}

/** Listing arrays and the most items a page of each may carry when no limit is sent. */
const LISTINGS: Readonly<Record<string, number>> = {
  rfqs: 100,
  quotes: 500,
  markets: 1000,
  fills: 1000,
  market_positions: 1000,
};

/**
 * A listing page with one item more than allowed: the `limit` asked for, or the listing's
 * maximum. Items are repeated to get there. Undefined when the body is no non-empty listing.
 */
export function withExtraItems(value: unknown, limit: number | undefined): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
  for (const [key, max] of Object.entries(LISTINGS)) {
    const items = (value as Record<string, unknown>)[key];
    if (!Array.isArray(items) || items.length === 0) continue;
    const want = (limit ?? max) + 1;
    const padded = Array.from({ length: Math.max(want, items.length) }, (_, i) => items[i % items.length]);
    return { ...value, [key]: padded };
  }
  return undefined;
}

const PAD_CHUNK = Buffer.alloc(64 * 1024, 'x');

/**
 * Streams `json` (an object's JSON) inside a body of about `bytes`: a padding string field
 * first, then the real fields, so a client without a cap would read it as the real answer.
 * Half the time Content-Length is declared (a client may refuse before reading), else the body
 * is chunked. Stops when the client hangs up.
 */
export function streamOversized(
  res: ServerResponse,
  json: string,
  bytes: number,
  declareLength: boolean,
): void {
  const head = '{"x_sim_padding":"';
  const rest = !json.startsWith('{')
    ? `,"x_sim_value":${json}}`
    : json.length > 2
      ? `,${json.slice(1)}`
      : '}';
  const tail = `"${rest}`;
  const padding = Math.max(0, bytes - head.length - Buffer.byteLength(tail));
  res.writeHead(200, {
    'content-type': 'application/json; charset=utf-8',
    ...(declareLength ? { 'content-length': String(head.length + padding + Buffer.byteLength(tail)) } : {}),
  });
  res.write(head);
  let left = padding;
  const pump = () => {
    while (left > 0 && !res.destroyed) {
      const n = Math.min(left, PAD_CHUNK.length);
      left -= n;
      if (!res.write(n === PAD_CHUNK.length ? PAD_CHUNK : PAD_CHUNK.subarray(0, n))) {
        res.once('drain', pump);
        return;
      }
    }
    if (!res.destroyed) res.end(tail);
  };
  pump();
}

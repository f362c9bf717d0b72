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

import fc from 'fast-check';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { formatDollars, parseDollars } from '../../../src/domain/money.js';
import { ResponseFormatError } from '../../../src/kalshi/index.js';
import { parseQuotesPage, parseRfqsPage } from '../../../src/kalshi/mappers.js';
import { formatRequestPrice } from '../../../src/kalshi/requests.js';
import { UnknownReporter, WireFieldError } from '../../../src/kalshi/wire-reader.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { captureLogs, collect, harness, QUOTE_ID, rejection, wireQuote, wireRfq } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

describe('tolerance of what this version does not know', () => {
  it('keeps unknown fields in extra and logs each once per kind and field', async () => {
    const { client, logs } = harness(server);
    const quote = wireQuote({ new_field: { nested: 1 }, another_flag: true });
    server.reply('GET', '/communications/quotes', { json: { quotes: [quote, { ...quote, id: 'q2' }] } });
    server.reply('GET', '/communications/quotes', { json: { quotes: [{ ...quote, id: 'q3' }] } });
    const first = await collect(client.quotes({ userFilter: 'self' }));
    const second = await collect(client.quotes({ userFilter: 'self' }));
    for (const q of [...first, ...second])
      expect(q.extra).toEqual({ new_field: { nested: 1 }, another_flag: true });
    const lines = logs.lines().filter((l) => String(l['msg']).startsWith('unknown field'));
    expect(lines.map((l) => [l['kind'], l['field']])).toEqual([
      ['quote', 'new_field'],
      ['quote', 'another_flag'],
    ]);
    expect(first[0]).not.toHaveProperty('extra.id');
  });

  it('keeps unknown enum values, logging each value once; an unknown accepted side goes to extra', async () => {
    const { client, logs } = harness(server);
    server.reply('GET', '/communications/rfqs', {
      json: {
        rfqs: [
          wireRfq({ status: 'paused' }),
          wireRfq({ id: 'r2', status: 'paused' }),
          wireRfq({ id: 'r3', status: 'archived' }),
        ],
      },
    });
    const rfqs = await collect(client.rfqs());
    expect(rfqs.map((r) => r.status)).toEqual(['paused', 'paused', 'archived']);
    server.reply('GET', '/communications/quotes', {
      json: { quotes: [wireQuote({ status: 'accepted', accepted_side: 'both' })] },
    });
    const [quote] = await collect(client.quotes({ userFilter: 'self' }));
    expect(quote?.acceptedSide).toBeUndefined();
    expect(quote?.extra).toEqual({ accepted_side: 'both' });
    const enumLines = logs.lines().filter((l) => String(l['msg']).startsWith('unknown enum'));
    expect(enumLines.map((l) => [l['kind'], l['field'], l['value']])).toEqual([
      ['rfq', 'status', 'paused'],
      ['rfq', 'status', 'archived'],
      ['quote', 'accepted_side', 'both'],
    ]);
    expect(enumLines.every((l) => l['level'] === 40)).toBe(true);
  });

  it('sets no extra when every field is known', () => {
    const reporter = new UnknownReporter(pino({ level: 'silent' }));
    const page = parseRfqsPage({ rfqs: [wireRfq()] }, reporter);
    expect(page.items[0]).not.toHaveProperty('extra');
    expect(Object.isFrozen(page.items[0])).toBe(true);
    const quotes = parseQuotesPage({ quotes: [wireQuote({ accepted_side: '' })] }, reporter);
    expect(quotes.items[0]).not.toHaveProperty('extra');
    expect(quotes.items[0]).not.toHaveProperty('acceptedSide');
  });
});

describe('accepted quotes', () => {
  it('read the size the requester took from contracts_accepted_fp, beside the offered sizes', () => {
    const reporter = new UnknownReporter(pino({ level: 'silent' }));
    const accepted = wireQuote({
      status: 'accepted',
      accepted_side: 'yes',
      yes_contracts_fp: '10.00',
      contracts_accepted_fp: '4.00',
    });
    const [quote] = parseQuotesPage({ quotes: [accepted] }, reporter).items;
    expect(quote?.contractsAccepted).toBe(400);
    expect(quote?.yesContracts).toBe(1_000);
    expect(quote).not.toHaveProperty('extra');
  });
});

describe('malformed responses', () => {
  const reporter = new UnknownReporter(undefined);

  it('names the missing or mistyped field', () => {
    const cases: [unknown, string, RegExp][] = [
      [
        { quotes: [wireQuote(), { ...wireQuote(), yes_bid_dollars: undefined }] },
        'quotes[1].yes_bid_dollars',
        /required field is missing/,
      ],
      [
        { quotes: [wireQuote({ no_bid_dollars: 0.45 as unknown as string })] },
        'quotes[0].no_bid_dollars',
        /expected a dollar decimal string/,
      ],
      [
        { quotes: [wireQuote({ contracts_fp: '1.234' })] },
        'quotes[0].contracts_fp',
        /more than 2 decimal places/,
      ],
      [{ quotes: [wireQuote({ created_ts: 'yesterday' })] }, 'quotes[0].created_ts', /RFC 3339/],
      [
        { quotes: [wireQuote({ post_only: 'yes' as unknown as boolean })] },
        'quotes[0].post_only',
        /expected a boolean/,
      ],
      [{ quotes: 'none' }, 'quotes', /expected an array/],
      [{}, 'quotes', /required field is missing/],
      [{ quotes: [null] }, 'quotes[0]', /expected an object, found null/],
    ];
    for (const [json, field, message] of cases) {
      let error: unknown;
      try {
        parseQuotesPage(json, reporter);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(WireFieldError);
      expect((error as WireFieldError).field).toBe(field);
      expect((error as Error).message).toMatch(message);
    }
  });

  it.each([
    ['empty', ''],
    ['truncated', '{"quote": {"id": "q", "rfq_'],
    ['not JSON', 'upstream connect error'],
    ['the wrong shape', '[1,2,3]'],
    ['a missing field', JSON.stringify({ quote: { ...wireQuote(), rfq_id: undefined } })],
  ])('turns a 200 with %s body into a ResponseFormatError after the read retries', async (_, body) => {
    const { client } = harness(server, { pathStyle: 'legacy', retry: { readAttempts: 2 } });
    server.handle('GET', `/communications/quotes/${QUOTE_ID}`, () => ({ status: 200, body }));
    const error = (await rejection(client.getQuote('r', QUOTE_ID))) as ResponseFormatError;
    expect(error).toBeInstanceOf(ResponseFormatError);
    expect(error.code).toBe('response_format');
    expect(error.status).toBe(200);
    expect(error.endpoint).toBe('get_quote');
    expect(server.requests).toHaveLength(2);
    if (body.includes('"quote"') && !body.endsWith('rfq_')) expect(error.field).toBe('quote.rfq_id');
  });

  it('treats a 204 where a body is expected as malformed', async () => {
    const { client } = harness(server, { retry: { readAttempts: 1 } });
    server.reply('GET', '/communications/id', { status: 204 });
    const error = (await rejection(client.getCommunicationsId())) as ResponseFormatError;
    expect(error.message).toContain('empty body');
  });
});

describe('price round trips (property-based)', () => {
  const requestPrice = fc.integer({ min: 0, max: 10_000 }).map((n) => n * 100);

  it('formats every 4-dp price into a string the exchange accepts and that parses back exactly', () => {
    fc.assert(
      fc.property(requestPrice, (micros) => {
        const text = formatRequestPrice('create_quote', 'yesBid', micros);
        expect(text).toMatch(/^[01]\.\d{2,4}$/);
        expect(parseDollars(text)).toBe(micros);
      }),
    );
  });

  it('maps any quote the exchange can emit (2–6 dp) to the exact integers', () => {
    const logs = captureLogs();
    const reporter = new UnknownReporter(logs.logger);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 2, max: 6 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        (yes, no, decimals, centis) => {
          const snap = (m: number) => m - (m % 10 ** (6 - decimals));
          const wire = wireQuote({
            yes_bid_dollars: formatDollars(snap(yes), decimals),
            no_bid_dollars: formatDollars(snap(no), decimals),
            contracts_fp: (centis / 100).toFixed(2),
          });
          const [quote] = parseQuotesPage({ quotes: [wire] }, reporter).items;
          expect(quote?.yesBid).toBe(snap(yes));
          expect(quote?.noBid).toBe(snap(no));
          expect(quote?.contracts).toBe(centis);
          if (snap(yes) % 100 === 0) {
            expect(parseDollars(formatRequestPrice('create_quote', 'yesBid', quote!.yesBid))).toBe(
              quote!.yesBid,
            );
          }
        },
      ),
    );
    expect(logs.raw).toEqual([]);
  });
});

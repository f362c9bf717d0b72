import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { PaginationError } from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { collect, harness, rejection, wireQuote, wireRfq } from './fixtures.js';

let server: TestServer;
beforeEach(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  await server.close();
});

const rfqPage = (ids: string[], cursor?: string | null) => ({
  json: { rfqs: ids.map((id) => wireRfq({ id })), ...(cursor === undefined ? {} : { cursor }) },
});

describe('cursor pagination', () => {
  it('follows cursors across pages, repeating the filters on every page', async () => {
    const { client } = harness(server);
    server.reply(
      'GET',
      '/communications/rfqs',
      rfqPage(['a', 'b'], 'c1'),
      rfqPage(['c'], 'c2'),
      rfqPage(['d'], ''),
    );
    const ids = (await collect(client.rfqs({ status: 'open', eventTicker: 'EV', limit: 2 }))).map(
      (r) => r.id,
    );
    expect(ids).toEqual(['a', 'b', 'c', 'd']);
    expect(server.requests.map((r) => r.query)).toEqual([
      { status: 'open', event_ticker: 'EV', limit: '2' },
      { cursor: 'c1', status: 'open', event_ticker: 'EV', limit: '2' },
      { cursor: 'c2', status: 'open', event_ticker: 'EV', limit: '2' },
    ]);
  });

  it.each([
    ['null', null],
    ['absent', undefined],
    ['empty', ''],
  ] as const)('stops on a %s cursor', async (_, cursor) => {
    const { client } = harness(server);
    server.reply('GET', '/communications/rfqs', rfqPage(['a'], 'more'), rfqPage(['b'], cursor));
    expect((await collect(client.rfqs())).map((r) => r.id)).toEqual(['a', 'b']);
    expect(server.requests).toHaveLength(2);
  });

  it('pages quotes to the end', async () => {
    const { client } = harness(server);
    server.reply(
      'GET',
      '/communications/quotes',
      { json: { quotes: [wireQuote({ id: 'q1' })], cursor: 'n' } },
      { json: { quotes: [wireQuote({ id: 'q2' })], cursor: '' } },
    );
    const ids = (await collect(client.quotes({ userFilter: 'self', status: 'open' }))).map((q) => q.id);
    expect(ids).toEqual(['q1', 'q2']);
    expect(server.requests[1]?.query).toEqual({ cursor: 'n', user_filter: 'self', status: 'open' });
  });

  it('throws after the page limit, having yielded what it read', async () => {
    const { client, logs } = harness(server);
    server.handle('GET', '/communications/rfqs', (req) =>
      rfqPage([`r${req.query['cursor'] ?? 0}`], `${Number(req.query['cursor'] ?? 0) + 1}`),
    );
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const rfq of client.rfqs({}, { maxPages: 3 })) seen.push(rfq.id);
      })(),
    );
    expect(error).toBeInstanceOf(PaginationError);
    expect((error as PaginationError).code).toBe('max_pages_exceeded');
    expect((error as PaginationError).pages).toBe(3);
    expect(seen).toEqual(['r0', 'r1', 'r2']);
    expect(server.requests).toHaveLength(3);
    expect(logs.lines().some((l) => l['guard'] === 'max_pages_exceeded' && l['level'] === 40)).toBe(true);
  });

  it('stops quietly at the page limit when asked to', async () => {
    const { client } = harness(server, { pagination: { maxPages: 2, onGuard: 'stop' } });
    server.handle('GET', '/communications/rfqs', (req) =>
      rfqPage([`r${req.query['cursor'] ?? 0}`], `${Number(req.query['cursor'] ?? 0) + 1}`),
    );
    expect((await collect(client.rfqs())).map((r) => r.id)).toEqual(['r0', 'r1']);
    expect(server.requests).toHaveLength(2);
  });

  it('detects a cursor loop and stops with a warning', async () => {
    const { client, logs } = harness(server);
    server.reply(
      'GET',
      '/communications/rfqs',
      rfqPage(['a'], 'x'),
      rfqPage(['b'], 'y'),
      rfqPage(['c'], 'x'),
    );
    const seen: string[] = [];
    const error = await rejection(
      (async () => {
        for await (const rfq of client.rfqs()) seen.push(rfq.id);
      })(),
    );
    expect((error as PaginationError).code).toBe('cursor_loop');
    expect(seen).toEqual(['a', 'b', 'c']);
    expect(server.requests).toHaveLength(3);
    const warning = logs.lines().find((l) => l['guard'] === 'cursor_loop');
    expect(warning).toMatchObject({ level: 40, endpoint: 'get_rfqs', pages: 3 });

    const quiet = harness(server, { pagination: { onGuard: 'stop' } });
    server.reply('GET', '/communications/rfqs', rfqPage(['a'], 'same'), rfqPage(['b'], 'same'));
    expect((await collect(quiet.client.rfqs())).map((r) => r.id)).toEqual(['a', 'b']);
  });

  it('exposes single pages for the poller', async () => {
    const { client } = harness(server);
    server.reply('GET', '/communications/rfqs', rfqPage(['a'], 'c1'), rfqPage(['b']));
    const first = await client.rfqsPage({ status: 'open', limit: 100 });
    expect(first.items.map((r) => r.id)).toEqual(['a']);
    expect(first.cursor).toBe('c1');
    const second = await client.rfqsPage({ status: 'open', limit: 100 }, first.cursor);
    expect(second.cursor).toBeUndefined();
    expect(server.requests[1]?.query['cursor']).toBe('c1');
  });
});

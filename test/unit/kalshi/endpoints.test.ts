import { describe, expect, it } from 'vitest';
import {
  ClientConfigError,
  ENDPOINTS,
  EndpointCostTable,
  fillPath,
  KalshiClient,
  normalizeBaseUrl,
  quoteEndpoint,
  routeKey,
} from '../../../src/kalshi/index.js';

describe('endpoint table', () => {
  it('gives each kind of call its bucket and default priority', () => {
    for (const def of Object.values(ENDPOINTS)) {
      expect(def.bucket).toBe(def.method === 'GET' ? 'read' : 'write');
      if (def.method === 'GET') expect(def.priority).toBe('read');
      if (def.method === 'DELETE') expect(def.priority).toBe('delete');
    }
    expect(ENDPOINTS.confirm_quote.priority).toBe('confirm');
    expect(ENDPOINTS.confirm_quote_legacy.priority).toBe('confirm');
    expect(ENDPOINTS.create_quote.priority).toBe('create');
    expect(ENDPOINTS.accept_quote.priority).toBe('create');
    expect(ENDPOINTS.create_rfq.priority).toBe('create');
    expect(ENDPOINTS.get_market.auth).toBe(false);
    expect(ENDPOINTS.get_endpoint_costs.auth).toBe(false);
    expect(ENDPOINTS.get_balance.auth).toBe(true);
  });

  it('picks the path family and fills ids as single encoded segments', () => {
    expect(quoteEndpoint('confirm_quote', 'rfq-scoped').path).toBe(
      '/communications/rfqs/{rfq_id}/quotes/{quote_id}/confirm',
    );
    expect(quoteEndpoint('confirm_quote', 'legacy').path).toBe('/communications/quotes/{quote_id}/confirm');
    expect(quoteEndpoint('delete_quote', 'legacy').name).toBe('delete_quote');
    expect(fillPath('/communications/rfqs/{rfq_id}', { rfq_id: 'a/b?c' })).toBe(
      '/communications/rfqs/a%2Fb%3Fc',
    );
    expect(() => fillPath('/x/{quote_id}', {})).toThrow(/quote_id missing/);
  });
});

describe('cost table', () => {
  it('starts from the known costs and the default', () => {
    const table = new EndpointCostTable();
    expect(table.costOf(ENDPOINTS.create_quote)).toBe(2);
    expect(table.costOf(ENDPOINTS.get_quote)).toBe(2);
    expect(table.costOf(ENDPOINTS.get_quote_legacy)).toBe(2);
    expect(table.costOf(ENDPOINTS.delete_quote)).toBe(2);
    expect(table.costOf(ENDPOINTS.delete_quote_legacy)).toBe(2);
    expect(table.costOf(ENDPOINTS.confirm_quote)).toBe(10);
    expect(table.costOf(ENDPOINTS.get_markets)).toBe(10);
    expect(table.live).toBe(false);
  });

  it('normalises route spellings so the live table matches', () => {
    expect(routeKey('get', '/trade-api/v2/communications/quotes/{id}/')).toBe(
      'GET /communications/quotes/{}',
    );
    expect(routeKey('GET', 'communications/quotes/:quote_id?x=1')).toBe('GET /communications/quotes/{}');
    const table = new EndpointCostTable();
    const { unmatched } = table.apply({
      defaultCost: 10,
      costs: [
        {
          method: 'PUT',
          path: '/trade-api/v2/communications/rfqs/:rfq_id/quotes/:quote_id/confirm',
          cost: 5,
        },
        { method: 'POST', path: '/trade-api/v2/portfolio/events/orders', cost: 1 },
      ],
    });
    expect(table.costOf(ENDPOINTS.confirm_quote)).toBe(5);
    expect(table.costOf(ENDPOINTS.create_quote)).toBe(10);
    expect(unmatched).toEqual(['POST /portfolio/events/orders']);
    expect(() => table.apply({ defaultCost: -1, costs: [] })).toThrow(RangeError);
  });
});

describe('client options', () => {
  it('accepts base URLs ending in /trade-api/v2 and normalises a trailing slash', () => {
    expect(normalizeBaseUrl('https://external-api.kalshi.com/trade-api/v2/')).toBe(
      'https://external-api.kalshi.com/trade-api/v2',
    );
    expect(new KalshiClient({ baseUrl: 'http://127.0.0.1:9/trade-api/v2' }).baseUrl).toBe(
      'http://127.0.0.1:9/trade-api/v2',
    );
  });

  it.each([
    ['', /baseUrl: is empty/],
    ['external-api.kalshi.com/trade-api/v2', /is not a URL/],
    ['ftp://h/trade-api/v2', /not http/],
    ['https://h/trade-api/v1', /must end in \/trade-api\/v2/],
    ['https://h', /must end in/],
    ['https://h/trade-api/v2?x=1', /query/],
    ['https://u:p@h/trade-api/v2', /user credentials/],
  ])('rejects base URL %j', (baseUrl, message) => {
    expect(() => new KalshiClient({ baseUrl })).toThrow(ClientConfigError);
    expect(() => new KalshiClient({ baseUrl })).toThrow(message);
  });

  it('rejects bad time-outs, path styles and retry policies by name', () => {
    const baseUrl = 'https://h/trade-api/v2';
    expect(() => new KalshiClient({ baseUrl, timeoutMs: 0 })).toThrow(/timeoutMs/);
    expect(() => new KalshiClient({ baseUrl, pathStyle: 'old' as never })).toThrow(/pathStyle/);
    expect(() => new KalshiClient({ baseUrl, retry: { readAttempts: 0 } })).toThrow(/retry\.readAttempts/);
    expect(() => new KalshiClient({ baseUrl, retry: { maxDelayMs: -1 } })).toThrow(/retry\.maxDelayMs/);
  });
});

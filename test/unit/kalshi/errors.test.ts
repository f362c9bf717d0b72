import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  BadRequestError,
  ConflictError,
  errorFromResponse,
  KalshiApiError,
  NotFoundError,
  PermissionError,
  parseErrorBody,
  RateLimitError,
  ServerError,
  UnexpectedStatusError,
} from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { harness, QUOTE_ID, RFQ_ID, rejection } from './fixtures.js';

const context = {
  endpoint: 'confirm_quote',
  method: 'PUT' as const,
  path: '/communications/rfqs/r/quotes/q/confirm',
};

describe('parseErrorBody', () => {
  it('reads every body shape the exchange uses', () => {
    expect(
      parseErrorBody(
        '{"error":{"code":"expired","message":"expired","service":"midland","details":"window"}}',
      ),
    ).toEqual({ rawCode: 'expired', message: 'expired', service: 'midland', details: 'window' });
    expect(parseErrorBody('{"error":"too many requests"}')).toEqual({ message: 'too many requests' });
    expect(parseErrorBody('{"code":"invalid_parameters","message":"bad price"}')).toEqual({
      rawCode: 'invalid_parameters',
      message: 'bad price',
      service: undefined,
      details: undefined,
    });
    expect(parseErrorBody('<html><body>502 Bad Gateway</body></html>')).toEqual({
      message: '<html><body>502 Bad Gateway</body></html>',
    });
    expect(parseErrorBody('')).toEqual({});
    expect(parseErrorBody('null')).toEqual({});
    expect(parseErrorBody('"plain"')).toEqual({ message: 'plain' });
    expect(parseErrorBody({ error: { code: 'RFQ_CLOSED' } }).rawCode).toBe('RFQ_CLOSED');
  });

  it('bounds and flattens untrusted text', () => {
    const parsed = parseErrorBody(`line1\nline2\u0000${'x'.repeat(1000)}`);
    expect(parsed.message).toMatch(/^line1 line2 x+…$/);
    expect(parsed.message!.length).toBeLessThanOrEqual(201);
  });
});

describe('errorFromResponse', () => {
  const table: [number, new (...args: never[]) => KalshiApiError, string, string][] = [
    [400, BadRequestError, 'BadRequestError', 'bad_request'],
    [401, AuthenticationError, 'AuthenticationError', 'authentication_failed'],
    [403, PermissionError, 'PermissionError', 'permission_denied'],
    [404, NotFoundError, 'NotFoundError', 'not_found'],
    [409, ConflictError, 'ConflictError', 'conflict'],
    [429, RateLimitError, 'RateLimitError', 'rate_limited'],
    [500, ServerError, 'ServerError', 'server_error'],
    [503, ServerError, 'ServerError', 'server_error'],
    [504, ServerError, 'ServerError', 'server_error'],
    [422, BadRequestError, 'BadRequestError', 'bad_request'],
    [302, UnexpectedStatusError, 'UnexpectedStatusError', 'unexpected_status'],
  ];
  it.each(table)('maps %i to %s', (status, cls, name, code) => {
    const error = errorFromResponse(status, '{"error":{"code":"X"}}', {
      ...context,
      rfqId: 'r',
      quoteId: 'q',
    });
    expect(error).toBeInstanceOf(cls);
    expect(error).toBeInstanceOf(KalshiApiError);
    expect(error.name).toBe(name);
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.endpoint).toBe('confirm_quote');
    expect(error.method).toBe('PUT');
    expect(error.path).toBe(context.path);
    expect(error.rfqId).toBe('r');
    expect(error.quoteId).toBe('q');
    expect(error.message).toContain(`HTTP ${status}`);
    expect(error.message).toContain('(rfq r, quote q)');
  });

  it('keeps the exchange code raw and lower-cased, compared case-insensitively', () => {
    const closed = errorFromResponse(
      400,
      '{"error":{"code":"RFQ_CLOSED","message":"rfq closed","service":"midland"}}',
      context,
    );
    expect(closed.rawExchangeCode).toBe('RFQ_CLOSED');
    expect(closed.exchangeCode).toBe('rfq_closed');
    expect(closed.isExchangeCode('rfq_closed')).toBe(true);
    expect(closed.isExchangeCode('RFQ_Closed')).toBe(true);
    expect(closed.isExchangeCode('expired')).toBe(false);
    expect(closed.service).toBe('midland');
    expect(closed.exchangeMessage).toBe('rfq closed');
    for (const code of ['INSUFFICIENT_BALANCE', 'insufficient_balance']) {
      expect(
        errorFromResponse(400, { error: { code } }, context).isExchangeCode('insufficient_balance'),
      ).toBe(true);
    }
    const limited = errorFromResponse(429, '{"error":"too many requests"}', context);
    expect(limited.name).toBe('RateLimitError');
    expect(limited.exchangeCode).toBeUndefined();
    expect(limited.message).toContain('too many requests');
  });
});

describe('error mapping over HTTP', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('turns each error response into its class with endpoint, ids and exchange code; a 400 is not retried', async () => {
    const { client, sleeps } = harness(server);
    const path = `/communications/rfqs/${RFQ_ID}/quotes/${QUOTE_ID}`;
    const cases: [number, string, string, string | undefined][] = [
      [
        400,
        '{"error":{"code":"invalid_parameters","message":"bad","service":"midland"}}',
        'BadRequestError',
        'invalid_parameters',
      ],
      [
        401,
        '{"error":{"code":"authentication_error","message":"bad sig"}}',
        'AuthenticationError',
        'authentication_error',
      ],
      [403, '{"code":"forbidden","message":"no scope"}', 'PermissionError', 'forbidden'],
      [
        404,
        '{"error":{"code":"not_found","message":"not found","service":"midland"}}',
        'NotFoundError',
        'not_found',
      ],
      [409, '{"error":{"code":"conflict"}}', 'ConflictError', 'conflict'],
    ];
    for (const [status, body] of cases) server.reply('GET', path, { status, body });
    for (const [status, , name, code] of cases) {
      const error = (await rejection(client.getQuote(RFQ_ID, QUOTE_ID))) as KalshiApiError;
      expect(error.name).toBe(name);
      expect(error.status).toBe(status);
      expect(error.exchangeCode).toBe(code);
      expect(error.endpoint).toBe('get_quote');
      expect(error.method).toBe('GET');
      expect(error.path).toBe(path);
      expect(error.rfqId).toBe(RFQ_ID);
      expect(error.quoteId).toBe(QUOTE_ID);
    }
    expect(server.requests).toHaveLength(cases.length);
    expect(sleeps).toEqual([]);
  });

  it('maps a non-JSON 502 page to a ServerError and a 429 string body to a RateLimitError', async () => {
    const { client } = harness(server, { retry: { readAttempts: 1 } });
    server.reply(
      'GET',
      '/exchange/status',
      {
        status: 502,
        body: '<html><head><title>502 Bad Gateway</title></head></html>',
        headers: { 'content-type': 'text/html' },
      },
      { status: 429, body: '{"error":"too many requests"}' },
    );
    const bad = (await rejection(client.getExchangeStatus())) as ServerError;
    expect(bad).toBeInstanceOf(ServerError);
    expect(bad.message).toContain('502 Bad Gateway');
    const limited = (await rejection(client.getExchangeStatus())) as RateLimitError;
    expect(limited.name).toBe('RateLimitError');
    expect(limited.exchangeMessage).toBe('too many requests');
  });
});

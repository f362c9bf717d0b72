import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AbortedError,
  ClientConfigError,
  errorFromResponse,
  GateRejectedError,
  isExchangeFault,
  type KalshiApiError,
  NetworkError,
  PaginationError,
  QuoteOutcomeUnknownError,
  RequestValidationError,
  ResponseFormatError,
  type ResponseInfo,
  type RetryClass,
  retryClassOf,
  TimeoutError,
} from '../../../src/kalshi/index.js';
import { startTestServer, type TestServer } from '../../helpers/test-server.js';
import { harness, rejection } from './fixtures.js';

const context = { endpoint: 'create_quote', method: 'POST' as const, path: '/communications/quotes' };

describe('retry classification per error class', () => {
  // [what, error, retry class, counts towards the kill switch]
  const table: [string, KalshiApiError, RetryClass, boolean][] = [
    ['400 BadRequestError', errorFromResponse(400, '', context), 'final', false],
    ['401 AuthenticationError', errorFromResponse(401, '', context), 'final', false],
    ['403 PermissionError', errorFromResponse(403, '', context), 'final', false],
    ['404 NotFoundError', errorFromResponse(404, '', context), 'final', false],
    ['409 ConflictError', errorFromResponse(409, '', context), 'final', false],
    ['422 BadRequestError', errorFromResponse(422, '', context), 'final', false],
    ['429 RateLimitError', errorFromResponse(429, '', context), 'transient', false],
    ['500 ServerError', errorFromResponse(500, '', context), 'may-have-landed', true],
    ['504 ServerError', errorFromResponse(504, '', context), 'may-have-landed', true],
    ['302 UnexpectedStatusError', errorFromResponse(302, '', context), 'final', false],
    ['NetworkError, never sent', new NetworkError('refused', context, false), 'transient', true],
    ['NetworkError, maybe sent', new NetworkError('reset', context, true), 'may-have-landed', true],
    ['TimeoutError', new TimeoutError(context, 1000), 'may-have-landed', true],
    ['ResponseFormatError', new ResponseFormatError('bad', context, 'id'), 'may-have-landed', true],
    ['AbortedError', new AbortedError('aborted', context), 'final', false],
    ['QuoteOutcomeUnknownError', new QuoteOutcomeUnknownError('lost', context), 'may-have-landed', true],
  ];
  it.each(table)('%s is %s', (_what, error, retry, fault) => {
    expect(error.retry).toBe(retry);
    expect(retryClassOf(error)).toBe(retry);
    expect(error.exchangeFault).toBe(fault);
    expect(isExchangeFault(error)).toBe(fault);
  });

  it('errors the client refuses to send, or cannot page, are final and no exchange fault', () => {
    const errors = [
      new RequestValidationError('too fine', 'create_quote', 'yesBid'),
      new ClientConfigError('bad', 'baseUrl'),
      new PaginationError('loop', 'get_rfqs', 'cursor_loop', 3),
      new GateRejectedError('late', 'confirm_quote', 'deadline'),
    ];
    for (const error of errors) {
      expect(retryClassOf(error)).toBe('final');
      expect(isExchangeFault(error)).toBe(false);
    }
  });

  it('anything else has no class', () => {
    for (const value of [new Error('bug'), new TypeError('x'), undefined, null, 'text', { retry: 'soon' }]) {
      expect(retryClassOf(value)).toBeUndefined();
      expect(isExchangeFault(value)).toBe(false);
    }
  });
});

describe('retry classification over HTTP', () => {
  let server: TestServer;
  beforeEach(async () => {
    server = await startTestServer();
  });
  afterEach(async () => {
    await server.close();
  });

  it('a refused connection is transient; each attempt reports its class to onResponse', async () => {
    const closed = await startTestServer();
    const baseUrl = closed.baseUrl;
    await closed.close();
    const infos: ResponseInfo[] = [];
    const { client } = harness(server, {
      baseUrl,
      retry: { readAttempts: 1 },
      onResponse: (info) => infos.push(info),
    });
    const error = await rejection(client.getCommunicationsId());
    expect(retryClassOf(error)).toBe('transient');
    expect(isExchangeFault(error)).toBe(true);
    expect(infos).toMatchObject([
      { endpoint: 'get_communications_id', errorCode: 'network_error', retry: 'transient' },
    ]);
  });

  it('a time-out and a 5xx may have landed; a success reports no class', async () => {
    const infos: ResponseInfo[] = [];
    const { client } = harness(server, {
      timeoutMs: 100,
      retry: { readAttempts: 1 },
      onResponse: (info) => infos.push(info),
    });
    server.reply('GET', '/communications/id', { delayMs: 2_000, json: { communications_id: 'c' } });
    expect(retryClassOf(await rejection(client.getCommunicationsId()))).toBe('may-have-landed');
    server.reply(
      'GET',
      '/exchange/status',
      { status: 503, body: '' },
      {
        status: 200,
        json: { exchange_active: true, trading_active: true },
      },
    );
    expect(retryClassOf(await rejection(client.getExchangeStatus()))).toBe('may-have-landed');
    await client.getExchangeStatus();
    expect(infos.map((info) => info.retry)).toEqual(['may-have-landed', 'may-have-landed', undefined]);
  });
});

import { describe, expect, it } from 'vitest';
import { censorSecrets } from '../../../src/ops/log-censor.js';
import { createLogger } from '../../../src/ops/logger.js';
import { makeTestKey } from '../../helpers/keys.js';

describe('censorSecrets (structured log fields)', () => {
  it('returns the very object when nothing in it is secret-named (no copy per line)', () => {
    const fields = { rfqId: 'r-1', quote: { yesBid: 430_000, sizes: [1, 2] }, tokensSpent: 12 };
    expect(censorSecrets(fields)).toBe(fields);
  });

  it('censors values of any type under secret names, nested, without touching the original', () => {
    const key = makeTestKey();
    const fields = {
      rfqId: 'r-1',
      privateKey: key.privateKey,
      credentials: { keyId: 'k', pem: 'p' },
      list: [{ token: 12_345 }, { ok: 1 }],
      a: { b: { c: { apiKeyId: 'deep' } } },
      flags: { secret: false, password: '' },
    };
    const censored = censorSecrets(fields);
    expect(censored).toEqual({
      rfqId: 'r-1',
      privateKey: '[REDACTED]',
      credentials: '[REDACTED]',
      list: [{ token: '[REDACTED]' }, { ok: 1 }],
      a: { b: { c: { apiKeyId: '[REDACTED]' } } },
      // "set or not" is not the secret
      flags: { secret: false, password: '' },
    });
    expect(fields.privateKey).toBe(key.privateKey);
    expect(fields.list[0]).toEqual({ token: 12_345 });
    expect(censored.list[1]).toBe(fields.list[1]);
  });

  it('keeps an error an error (message, stack, class) while censoring what it carries', () => {
    class ExchangeError extends Error {
      request = { headers: { 'KALSHI-ACCESS-SIGNATURE': 'c2lnbmF0dXJl', 'KALSHI-ACCESS-TIMESTAMP': '17' } };
    }
    const error = new ExchangeError('boom');
    const censored = censorSecrets({ err: error });
    expect(censored.err).toBeInstanceOf(ExchangeError);
    expect(censored.err.message).toBe('boom');
    expect(censored.err.stack).toBe(error.stack);
    expect(censored.err.request.headers).toEqual({
      'KALSHI-ACCESS-SIGNATURE': '[REDACTED]',
      'KALSHI-ACCESS-TIMESTAMP': '17',
    });
    expect(error.request.headers['KALSHI-ACCESS-SIGNATURE']).toBe('c2lnbmF0dXJl');
  });

  it("applies to a child logger's bindings and to every line", () => {
    const chunks: string[] = [];
    const log = createLogger({
      level: 'info',
      destination: { write: (chunk: string) => chunks.push(chunk) },
    });
    log.child({ module: 'x', auth: { user: 'u', bearer: 'b' } }).info({ opsToken: 42, spread: 3 }, 'hello');
    const line = JSON.parse(chunks.join('')) as Record<string, unknown>;
    expect(line).toMatchObject({ module: 'x', auth: '[REDACTED]', opsToken: '[REDACTED]', spread: 3 });
  });
});

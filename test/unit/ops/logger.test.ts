import { describe, expect, it } from 'vitest';
import {
  createLogger,
  createScrubber,
  type LogFormat,
  moduleLogger,
  REDACTED,
  resolveLogFormat,
} from '../../../src/ops/logger.js';
import { duplicateJsonKeys } from '../../helpers/json-keys.js';
import { makeTestKey } from '../../helpers/keys.js';

function capture(
  options: { format?: LogFormat; secrets?: readonly (string | undefined)[]; isTty?: boolean } = {},
) {
  const chunks: string[] = [];
  const log = createLogger({
    level: 'debug',
    ...options,
    destination: { write: (chunk: string) => void chunks.push(chunk) },
  });
  return { log, text: () => chunks.join(''), lines: () => chunks.join('').trim().split('\n') };
}

interface ErrorLine {
  module: string;
  msg: string;
  err: { message: string; stack: string; request: { headers: Record<string, string> } };
  deep: { a: { b: { c: { privateKeyPem: string; note: string } } } };
  headers: { authorization: string };
  privateKey: unknown;
}

describe('createLogger redaction', () => {
  const key = makeTestKey();
  const token = 'ops-token-5f1c2b9a7e';
  const bodyLines = key.privatePem
    .split('\n')
    .filter((line) => line.length > 20 && !line.startsWith('-----'));

  function assertClean(text: string) {
    expect(text).not.toContain(key.keyId);
    expect(text).not.toContain(token);
    expect(text).not.toContain('BEGIN RSA PRIVATE KEY');
    for (const line of bodyLines) expect(text).not.toContain(line);
  }

  it('keeps a key carried by an error out of the line: message, stack, nested fields, headers', () => {
    const { log, text, lines } = capture({ secrets: [key.keyId, token] });
    const error = new Error(`signing failed for ${key.keyId} with ${key.privatePem}`) as Error & {
      request?: unknown;
      cause?: unknown;
    };
    error.request = {
      headers: {
        'KALSHI-ACCESS-KEY': key.keyId,
        'KALSHI-ACCESS-SIGNATURE': 'bXktc2lnbmF0dXJlLXZhbHVlLXRoYXQtbXVzdC1ub3QtbGVhaw==',
        'KALSHI-ACCESS-TIMESTAMP': '1703123456789',
      },
    };
    error.cause = new Error(`inner: ${token}`);
    moduleLogger(log, 'kalshi').error(
      {
        err: error,
        deep: { a: { b: { c: { privateKeyPem: key.privatePem, note: `key ${key.keyId}` } } } },
        headers: { authorization: `Bearer ${token}` },
        privateKey: key.privateKey,
      },
      'request to %s failed (key %s)',
      '/trade-api/v2/communications/quotes',
      key.keyId,
    );
    const out = text();
    assertClean(out);
    expect(out).not.toContain('bXktc2lnbmF0dXJl');
    const line = JSON.parse(lines()[0]!) as ErrorLine;
    expect(line.module).toBe('kalshi');
    expect(line.msg).toBe('request to /trade-api/v2/communications/quotes failed (key [REDACTED])');
    expect(line.err.message).toContain('signing failed for [REDACTED] with [REDACTED]');
    expect(line.err.stack).toContain('signing failed for [REDACTED]');
    expect(line.err.request.headers['KALSHI-ACCESS-SIGNATURE']).toBe('[REDACTED]');
    expect(line.err.request.headers['KALSHI-ACCESS-TIMESTAMP']).toBe('1703123456789');
    expect(line.deep.a.b.c.privateKeyPem).toBe('[REDACTED]');
    expect(line.deep.a.b.c.note).toBe('key [REDACTED]');
    expect(line.headers.authorization).toBe('[REDACTED]');
    expect(line.privateKey).toBe('[REDACTED]');
  });

  it('scrubs PEM blocks even when nobody declared them a secret, including truncated ones', () => {
    const { log, text } = capture();
    log.warn(`got ${key.privatePem}`);
    log.warn(`truncated ${key.privatePem.slice(0, 200)}`);
    const out = text();
    expect(out).not.toContain('PRIVATE KEY-----');
    for (const line of bodyLines.slice(0, 2)) expect(out).not.toContain(line);
    expect(out).toContain('got [REDACTED]');
  });

  it('redacts in pretty output too', () => {
    const { log, text } = capture({ format: 'pretty', secrets: [key.keyId] });
    log.error({ err: new Error(`bad key ${key.keyId}`), apiKeyId: 'x' }, `key ${key.keyId}`);
    assertClean(text());
    expect(text()).toContain('key [REDACTED]');
  });

  it('redacts URL query secrets and fields named like secrets, whatever the exact name', () => {
    const { log, lines } = capture();
    log.warn(
      {
        source: 'https://feeds.example/fv.json?region=us&token=feed-token-123&api_key=k-456',
        options: { apiToken: 'plugin-token-789', clientSecret: 'cs-000111', spread: '0.03' },
      },
      'fair-value feed load failed',
    );
    const line = JSON.parse(lines()[0]!) as { source: string; options: Record<string, string> };
    expect(line.source).toBe('https://feeds.example/fv.json?region=us&token=[REDACTED]&api_key=[REDACTED]');
    expect(line.options).toEqual({ apiToken: '[REDACTED]', clientSecret: '[REDACTED]', spread: '0.03' });
  });

  it('leaves ordinary text alone', () => {
    const scrub = createScrubber([key.keyId, undefined, 'abc']);
    expect(scrub('{"rfqId":"r-1","msg":"quote created","token_cost":2}')).toBe(
      '{"rfqId":"r-1","msg":"quote created","token_cost":2}',
    );
    // Too short to scrub by value without mangling ordinary text.
    expect(scrub('abc')).toBe('abc');
  });
});

describe('createLogger format and level', () => {
  it('chooses pretty on a terminal and JSON elsewhere unless told', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  it('writes one JSON object per line off a terminal', () => {
    const { log, lines } = capture({ format: 'auto' });
    log.info({ rfqId: 'r-1' }, 'first');
    log.child({ module: 'poller' }).debug('second');
    const parsed = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((p) => p['msg'])).toEqual(['first', 'second']);
    expect(parsed[0]?.['rfqId']).toBe('r-1');
    expect(parsed[1]?.['module']).toBe('poller');
    expect(typeof parsed[0]?.['time']).toBe('string');
  });

  it('binds a key once when a child rebinds what its parent binds (a module inside a module)', () => {
    const { log, lines } = capture({ format: 'json' });
    const manager = log.child({ module: 'quote-manager', worker: 2 });
    manager.level = 'info';
    const windows = manager.child({ module: 'market-windows' });
    windows.debug('below the parent level: not written');
    windows.info({ marketTicker: 'M-1' }, 'market kind learned');
    windows.child({ rfqId: 'r-1', apiKey: 'k-secret' }).warn('deeper');
    manager.child({ rfqId: 'r-2' }).info('beside');
    expect(lines().map(duplicateJsonKeys)).toEqual([[], [], []]);
    const parsed = lines().map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((p) => [p['module'], p['worker'], p['msg']])).toEqual([
      ['market-windows', 2, 'market kind learned'],
      ['market-windows', 2, 'deeper'],
      ['quote-manager', 2, 'beside'],
    ]);
    expect(parsed[1]?.['rfqId']).toBe('r-1');
    expect(parsed[1]?.['apiKey']).toBe(REDACTED);
    expect(typeof parsed[0]?.['pid']).toBe('number');
  });

  it("logs an error's cause once, nested, not appended again to a message that already names it", () => {
    const { log, lines } = capture({ format: 'json' });
    const cause = Object.assign(new Error("ENOENT: no such file or directory, scandir '/x'"), {
      code: 'ENOENT',
    });
    log.error(
      { err: new Error(`cannot read the strategy directory: ${cause.message}`, { cause }) },
      'startup failed',
    );
    const err = (
      JSON.parse(lines()[0]!) as { err: { message: string; cause: { message: string; code: string } } }
    ).err;
    expect(err.message).toBe(
      "cannot read the strategy directory: ENOENT: no such file or directory, scandir '/x'",
    );
    expect(err.cause).toMatchObject({ message: cause.message, code: 'ENOENT' });
  });

  it('writes human lines on a terminal (auto) with the module up front', () => {
    const { log, text } = capture({ isTty: true });
    log.child({ module: 'risk' }).info({ rfqId: 'r-2' }, 'refused');
    const out = text();
    expect(() => JSON.parse(out)).toThrow();
    expect(out).toContain('[risk] refused');
    expect(out).toContain('rfqId');
  });

  it('respects the level', () => {
    const chunks: string[] = [];
    const log = createLogger({ level: 'warn', destination: { write: (c: string) => void chunks.push(c) } });
    log.info('hidden');
    log.warn('shown');
    expect(chunks.join('')).not.toContain('hidden');
    expect(chunks.join('')).toContain('shown');
  });
});

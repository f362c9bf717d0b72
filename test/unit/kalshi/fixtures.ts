/**
 * Shared set-up for the Kalshi client tests: wire objects as the exchange sends them, a client
 * pointed at a test server, a recording gate and a capturing logger.
 */
import pino, { type Logger } from 'pino';
import { formatTimestamp } from '../../../src/domain/time.js';
import { KalshiClient } from '../../../src/kalshi/client.js';
import { type RequestGate, type RequestSpec, unlimitedGate } from '../../../src/kalshi/gate.js';
import type { KalshiClientOptions } from '../../../src/kalshi/options.js';
import type { WireMarket, WireQuote, WireRfq } from '../../../src/kalshi/wire.js';
import { makeTestKey, type TestKey } from '../../helpers/keys.js';
import type { TestServer } from '../../helpers/test-server.js';

export const T0 = Date.parse('2026-07-06T01:55:01.500Z');
export const RFQ_ID = '7f3c2a10-1111-4a4a-9b9b-000000000001';
export const QUOTE_ID = '9e8d7c6b-2222-4b4b-8c8c-000000000002';

let sharedKey: TestKey | undefined;
/** One RSA key per test file, 2048-bit as Kalshi issues (the signing tests check its signatures). */
export function testKey(): TestKey {
  sharedKey ??= makeTestKey(2048);
  return sharedKey;
}

export function wireRfq(over: Partial<WireRfq> & Record<string, unknown> = {}): WireRfq {
  return {
    id: RFQ_ID,
    creator_id: 'c0ffee',
    market_ticker: 'KXTEST-26JUL06-T50',
    event_ticker: 'KXTEST-26JUL06',
    contracts_fp: '10.00',
    status: 'open',
    created_ts: '2026-07-06T01:55:01.500644Z',
    rest_remainder: false,
    ...over,
  };
}

export function wireQuote(over: Partial<WireQuote> & Record<string, unknown> = {}): WireQuote {
  return {
    id: QUOTE_ID,
    rfq_id: RFQ_ID,
    creator_id: 'ours',
    rfq_creator_id: 'c0ffee',
    market_ticker: 'KXTEST-26JUL06-T50',
    contracts_fp: '10.00',
    yes_bid_dollars: '0.4800',
    no_bid_dollars: '0.4500',
    created_ts: '2026-07-06T01:55:02.000000Z',
    updated_ts: '2026-07-06T01:55:02.000000Z',
    status: 'open',
    rest_remainder: false,
    post_only: true,
    ...over,
  };
}

export function wireMarket(over: Partial<WireMarket> & Record<string, unknown> = {}): WireMarket {
  return {
    ticker: 'KXTEST-26JUL06-T50',
    event_ticker: 'KXTEST-26JUL06',
    market_type: 'binary',
    title: 'Test market',
    open_time: '2026-07-01T00:00:00Z',
    close_time: '2026-07-07T00:00:00Z',
    status: 'active',
    yes_bid_dollars: '0.4800',
    yes_ask_dollars: '0.5200',
    no_bid_dollars: '0.4800',
    no_ask_dollars: '0.5200',
    last_price_dollars: '0.5000',
    volume_fp: '1234.00',
    open_interest_fp: '500.00',
    price_level_structure: 'tapered_deci_cent',
    price_ranges: [
      { start: '0.0000', end: '0.1000', step: '0.0010' },
      { start: '0.1000', end: '0.9000', step: '0.0100' },
      { start: '0.9000', end: '1.0000', step: '0.0010' },
    ],
    ...over,
  };
}

/** Quote fixture timed relative to a clock. */
export function wireQuoteAt(ms: number, over: Partial<WireQuote> & Record<string, unknown> = {}): WireQuote {
  return wireQuote({ created_ts: formatTimestamp(ms), updated_ts: formatTimestamp(ms), ...over });
}

export interface LogCapture {
  readonly logger: Logger;
  /** Every line as written. */
  readonly raw: string[];
  readonly lines: () => Record<string, unknown>[];
}

export function captureLogs(level: pino.LevelWithSilent = 'trace'): LogCapture {
  const raw: string[] = [];
  const logger = pino({ level }, { write: (line: string) => void raw.push(line) });
  return { logger, raw, lines: () => raw.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

export interface RecordingGate extends RequestGate {
  readonly specs: RequestSpec[];
}

/** Lets everything through at once, recording each attempt's spec. */
export function recordingGate(): RecordingGate {
  const specs: RequestSpec[] = [];
  return {
    specs,
    run: (spec, send) => {
      specs.push(spec);
      return send();
    },
    budget: unlimitedGate.budget,
  };
}

export interface Harness {
  readonly client: KalshiClient;
  readonly sleeps: number[];
  readonly gate: RecordingGate;
  readonly logs: LogCapture;
}

/** A signed client on the test server with recorded sleeps (instant), fixed jitter and captured logs. */
export function harness(server: TestServer, opts: Partial<KalshiClientOptions> = {}): Harness {
  const key = testKey();
  const sleeps: number[] = [];
  const gate = recordingGate();
  const logs = captureLogs();
  const client = new KalshiClient({
    baseUrl: server.baseUrl,
    credentials: { keyId: key.keyId, privateKey: key.privateKey },
    gate,
    logger: logs.logger,
    random: () => 0.5,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    timeoutMs: 2000,
    ...opts,
  });
  return { client, sleeps, gate, logs };
}

/** Awaits a promise expected to reject and returns the error. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

import { constants, type KeyObject, sign } from 'node:crypto';
import axios from 'axios';
import {
  AccountApi,
  CommunicationsApi,
  Configuration,
  EventsApi,
  ExchangeApi,
  MarketApi,
  OrdersApi,
  PortfolioApi,
} from 'kalshi-typescript';
import { onTestFinished } from 'vitest';
import { WebSocket } from 'ws';
import { API_PREFIX } from '../../src/kalshi/wire.js';
import {
  DEFAULT_LIFECYCLE,
  type SimulatorHandle,
  type SimulatorOptions,
  startSimulator,
  TRUTH_OFF,
} from '../../src/simulator/index.js';
import { makeTestKey, type TestKey } from './keys.js';

/** Kalshi's signature: RSA-PSS/SHA-256 (salt = digest length) over `timestamp + METHOD + path`. */
export function signKalshi(
  privateKey: KeyObject,
  timestampMs: number | string,
  method: string,
  path: string,
): string {
  return sign('sha256', Buffer.from(`${timestampMs}${method.toUpperCase()}${path}`), {
    key: privateKey,
    padding: constants.RSA_PKCS1_PSS_PADDING,
    saltLength: constants.RSA_PSS_SALTLEN_DIGEST,
  }).toString('base64');
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  /** Parsed JSON, or undefined when the body is empty or not JSON. */
  readonly body: unknown;
}

export interface RawRequest {
  /** Path under /trade-api/v2, with any query string ("/communications/rfqs?limit=5"). */
  readonly path: string;
  readonly method?: string;
  /** JSON-encoded unless a string; sent with Content-Type application/json unless `contentType` says otherwise. */
  readonly body?: unknown;
  readonly contentType?: string | null;
  /** Sign as this key; omit for an unsigned request. */
  readonly key?: TestKey;
  /** Override pieces of the signature for rejection tests. */
  readonly timestampMs?: number;
  readonly signedPath?: string;
  readonly signature?: string;
  readonly keyId?: string;
  readonly omitHeaders?: readonly ('key' | 'signature' | 'timestamp')[];
  readonly timeoutMs?: number;
}

/** A raw request with Kalshi's auth headers, for what the SDK cannot express. */
export async function rawRequest(base: string, req: RawRequest): Promise<RawResponse> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = `${base}${API_PREFIX}${req.path}`;
  const headers: Record<string, string> = {};
  if (req.key) {
    const ts = req.timestampMs ?? Date.now();
    const signedPath = req.signedPath ?? `${API_PREFIX}${req.path.split('?')[0]}`;
    const omit = new Set(req.omitHeaders ?? []);
    if (!omit.has('key')) headers['KALSHI-ACCESS-KEY'] = req.keyId ?? req.key.keyId;
    if (!omit.has('timestamp')) headers['KALSHI-ACCESS-TIMESTAMP'] = String(ts);
    if (!omit.has('signature'))
      headers['KALSHI-ACCESS-SIGNATURE'] =
        req.signature ?? signKalshi(req.key.privateKey, ts, method, signedPath);
  }
  let body: string | undefined;
  if (req.body !== undefined) {
    body = typeof req.body === 'string' ? req.body : JSON.stringify(req.body);
    if (req.contentType !== null) headers['Content-Type'] = req.contentType ?? 'application/json';
  } else if (req.contentType) headers['Content-Type'] = req.contentType;
  const res = await fetch(url, {
    method,
    headers,
    ...(body !== undefined ? { body } : {}),
    signal: AbortSignal.timeout(req.timeoutMs ?? 10_000),
  });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text.length > 0 ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, headers: res.headers, text, body: parsed };
}

/** A registered user with the official SDK's API objects (each on its own axios instance). */
export interface SimTestUser {
  readonly key: TestKey;
  readonly keyId: string;
  readonly userId: string;
  readonly communicationsId: string;
  readonly communications: CommunicationsApi;
  readonly markets: MarketApi;
  readonly events: EventsApi;
  readonly portfolio: PortfolioApi;
  readonly orders: OrdersApi;
  readonly account: AccountApi;
  readonly exchange: ExchangeApi;
  /** A signed raw request as this user. */
  request(req: Omit<RawRequest, 'key'>): Promise<RawResponse>;
}

export interface TestSimulator {
  readonly sim: SimulatorHandle;
  readonly url: string;
  readonly users: SimTestUser[];
  addUser(spec?: { balanceMicros?: number; tier?: 'basic' | 'advanced' }): SimTestUser;
  /** Calls the loopback admin API. */
  admin<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  stop(): Promise<void>;
}

export function sdkFor(sim: SimulatorHandle, key: TestKey, timeoutMs = 10_000) {
  // one axios instance per user: the SDK otherwise signs every client with the first key
  const config = () =>
    new Configuration({ apiKey: key.keyId, privateKeyPem: key.privatePem, basePath: sim.apiBase });
  // the SDK's typings see axios's CommonJS declarations; the instance is the same at run time
  const instance = () =>
    axios.create({ timeout: timeoutMs }) as unknown as ConstructorParameters<typeof CommunicationsApi>[2];
  return {
    communications: new CommunicationsApi(config(), undefined, instance()),
    markets: new MarketApi(config(), undefined, instance()),
    events: new EventsApi(config(), undefined, instance()),
    portfolio: new PortfolioApi(config(), undefined, instance()),
    orders: new OrdersApi(config(), undefined, instance()),
    account: new AccountApi(config(), undefined, instance()),
    exchange: new ExchangeApi(config(), undefined, instance()),
  };
}

/** RSA key generation is slow; each simulator is fresh, so keys are reused across simulators. */
const keyPool: TestKey[] = [];
function pooledKey(index: number): TestKey {
  while (keyPool.length <= index) keyPool.push(makeTestKey());
  return keyPool[index] as TestKey;
}

export interface StartTestSimulatorOptions extends SimulatorOptions {
  /** Users with keys and SDK clients to create. @default 2 */
  readonly userCount?: number;
  /** `test` stops the simulator when the current test finishes; `manual` leaves it to the caller. @default 'test' */
  readonly teardown?: 'test' | 'manual';
}

/**
 * Starts a simulator in-process on port 0 with users, frozen prices and no synthetic
 * takers unless asked; stopped when the test finishes. The exchange is the idealised one
 * (`TRUTH_OFF`, RFQs never expire) unless `truth` / `lifecycle.rfqTtlMs` say otherwise.
 */
export async function startTestSimulator(options: StartTestSimulatorOptions = {}): Promise<TestSimulator> {
  const { userCount = 2, teardown = 'test', ...simOptions } = options;
  const sim = await startSimulator({
    takers: false,
    walkIntervalMs: 0,
    seed: 1,
    ...simOptions,
    truth: { ...TRUTH_OFF, ...simOptions.truth },
    lifecycle: { ...DEFAULT_LIFECYCLE, rfqTtlMs: 0, ...simOptions.lifecycle },
  });
  if (teardown === 'test') onTestFinished(() => sim.stop());
  let keysUsed = 0;
  const addUser: TestSimulator['addUser'] = (spec = {}) => {
    const key = pooledKey(keysUsed++);
    const info = sim.registerUser({
      keyId: key.keyId,
      publicKey: key.publicPem,
      ...(spec.balanceMicros !== undefined ? { balance: spec.balanceMicros } : {}),
      ...(spec.tier !== undefined ? { tier: spec.tier } : {}),
    });
    const user: SimTestUser = {
      key,
      keyId: key.keyId,
      userId: info.userId,
      communicationsId: info.communicationsId,
      ...sdkFor(sim, key),
      request: (req) => rawRequest(sim.url, { ...req, key }),
    };
    return user;
  };
  const users: SimTestUser[] = [];
  for (let i = 0; i < userCount; i++) users.push(addUser());
  return {
    sim,
    url: sim.url,
    users,
    addUser,
    async admin<T>(method: string, path: string, body?: unknown) {
      const res = await fetch(`${sim.url}${path}`, {
        method,
        ...(body !== undefined
          ? { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }
          : {}),
      });
      const text = await res.text();
      const answer = (text ? JSON.parse(text) : undefined) as T;
      // A misspelt method or path is a broken test, not an answer to check (a PATCH for a POST
      // once left a test's "stop the flow" a silent no-op).
      const error = (answer as { error?: unknown } | undefined)?.error;
      if (res.status === 404 && typeof error === 'string' && error.startsWith('no admin route')) {
        throw new Error(`${error} (test helper: no such admin route)`);
      }
      return { status: res.status, body: answer };
    },
    stop: () => sim.stop(),
  };
}

/** The status and body of a failed SDK call (axios error); fails the test if the call succeeded. */
export async function sdkError(
  call: Promise<unknown>,
): Promise<{ status: number; data: unknown; headers: Record<string, unknown> }> {
  try {
    await call;
  } catch (err) {
    if (axios.isAxiosError(err) && err.response) {
      return {
        status: err.response.status,
        data: err.response.data,
        headers: err.response.headers as Record<string, unknown>,
      };
    }
    throw err;
  }
  throw new Error('expected the SDK call to fail, it succeeded');
}

/** Polls until `check` returns a value (not undefined/false) or the time runs out. */
export async function waitFor<T>(
  check: () => T | undefined | false | Promise<T | undefined | false>,
  { timeoutMs = 10_000, intervalMs = 20, what = 'condition' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface WsClient {
  readonly ws: WebSocket;
  /** Every JSON message received, in order. */
  readonly messages: Record<string, unknown>[];
  readonly pings: string[];
  send(message: unknown): void;
  /** Resolves with the first message (already received or future) matching `match`. */
  next(match: (m: Record<string, unknown>) => boolean, timeoutMs?: number): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

/** Opens the simulator's websocket with Kalshi's signed upgrade headers; closed when the test ends. */
export async function connectWs(
  sim: SimulatorHandle,
  key: TestKey,
  opts: { timestampMs?: number; signedPath?: string; teardown?: boolean } = {},
): Promise<WsClient> {
  const ts = opts.timestampMs ?? Date.now();
  const ws = new WebSocket(sim.wsUrl, {
    headers: {
      'KALSHI-ACCESS-KEY': key.keyId,
      'KALSHI-ACCESS-TIMESTAMP': String(ts),
      'KALSHI-ACCESS-SIGNATURE': signKalshi(key.privateKey, ts, 'GET', opts.signedPath ?? '/trade-api/ws/v2'),
    },
  });
  const messages: Record<string, unknown>[] = [];
  const pings: string[] = [];
  const waiters: {
    match: (m: Record<string, unknown>) => boolean;
    resolve: (m: Record<string, unknown>) => void;
  }[] = [];
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as Record<string, unknown>;
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  ws.on('ping', (data) => pings.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`websocket upgrade refused: ${res.statusCode}`)),
    );
    ws.once('error', reject);
  });
  const client: WsClient = {
    ws,
    messages,
    pings,
    send: (message) => ws.send(JSON.stringify(message)),
    next: (match, timeoutMs = 5_000) => {
      const found = messages.find(match);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          const i = waiters.indexOf(waiter);
          if (i >= 0) waiters.splice(i, 1);
          reject(new Error('timed out waiting for a websocket message'));
        }, timeoutMs);
        const waiter = {
          match,
          resolve: (m: Record<string, unknown>) => {
            clearTimeout(timer);
            resolve(m);
          },
        };
        waiters.push(waiter);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once('close', () => resolve());
        ws.close();
      }),
  };
  if (opts.teardown !== false) onTestFinished(() => client.close());
  return client;
}

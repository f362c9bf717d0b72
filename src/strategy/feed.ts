import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import { type Clock, systemClock, type Timer } from '../domain/clock.js';
import { type Micros, ONE_DOLLAR, parseDollars } from '../domain/money.js';
import { parseTimestamp } from '../domain/time.js';
import type { EpochMs } from '../domain/types.js';
import { describeThrown } from './errors.js';

/** A fair-value document that cannot be used; the previous data stays in force. */
export class FairValueFeedError extends Error {
  override readonly name = 'FairValueFeedError';
  readonly code = 'invalid_fair_value_feed';
  constructor(
    readonly source: string,
    readonly problem: string,
  ) {
    super(`fair-value feed ${source}: ${problem}`);
  }
}

export interface FairValueDocument {
  readonly values: ReadonlyMap<string, Micros>;
  /** The document's own timestamp (`asOf`), when it has one. */
  readonly asOf?: EpochMs;
}

/**
 * Parses a feed document. Two shapes are accepted:
 * - flat: `{ "KXBTC-26-T100": "0.53", ... }`;
 * - wrapped: `{ "fairValues": { "KXBTC-26-T100": "0.53" }, "asOf": "2026-07-06T01:55:01Z" }`.
 * Values are dollar strings strictly inside (0, 1). Any bad entry rejects the whole document:
 * a producer that writes garbage must not get half of it quoted.
 */
export function parseFairValueDocument(json: unknown, source: string): FairValueDocument {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new FairValueFeedError(source, 'expected a JSON object of ticker → dollar string');
  }
  const root = json as Record<string, unknown>;
  let entries = root;
  let asOf: EpochMs | undefined;
  if ('fairValues' in root) {
    const extra = Object.keys(root).filter((key) => key !== 'fairValues' && key !== 'asOf');
    if (extra.length > 0)
      throw new FairValueFeedError(source, `unknown key(s) ${extra.join(', ')} next to fairValues`);
    const wrapped = root['fairValues'];
    if (typeof wrapped !== 'object' || wrapped === null || Array.isArray(wrapped)) {
      throw new FairValueFeedError(source, 'fairValues must be an object of ticker → dollar string');
    }
    entries = wrapped as Record<string, unknown>;
    if (root['asOf'] !== undefined) {
      try {
        asOf = parseTimestamp(root['asOf'], 'asOf');
      } catch (error) {
        throw new FairValueFeedError(source, describeThrown(error));
      }
    }
  }
  const values = new Map<string, Micros>();
  const problems: string[] = [];
  for (const [ticker, raw] of Object.entries(entries)) {
    try {
      const value = parseDollars(raw, ticker);
      if (value <= 0 || value >= ONE_DOLLAR) problems.push(`${ticker}: ${String(raw)} is outside (0, 1)`);
      else values.set(ticker, value);
    } catch (error) {
      problems.push(describeThrown(error));
    }
  }
  if (problems.length > 0) {
    const shown = problems.slice(0, 5).join('; ');
    throw new FairValueFeedError(
      source,
      problems.length > 5 ? `${shown}; and ${problems.length - 5} more` : shown,
    );
  }
  return { values, ...(asOf !== undefined ? { asOf } : {}) };
}

export interface FairValueFeedOptions {
  /** A file path (relative to the working directory), a `file:` URL, or an `http(s):` URL. */
  readonly source: string;
  /** How often to check for changes. */
  readonly reloadMs: number;
  /** Limit of one fetch; reloads due while a fetch is out join it. @default 10000 */
  readonly requestTimeoutMs?: number;
  readonly clock?: Clock;
  readonly fetch?: typeof fetch;
  readonly logger?: Logger;
}

export type FairValueLookup =
  | { readonly kind: 'ok'; readonly value: Micros; readonly ageMs: number }
  | { readonly kind: 'no-data'; readonly reason: string }
  | { readonly kind: 'stale'; readonly ageMs: number }
  | { readonly kind: 'missing' };

interface Snapshot {
  readonly values: ReadonlyMap<string, Micros>;
  readonly asOf: EpochMs | undefined;
}

/**
 * Per-ticker fair values from a JSON file or an HTTP endpoint, reloaded when they change:
 * a file when its mtime, size or inode changes; a URL by re-fetching with `If-None-Match`.
 * Age is the document's `asOf`, else the file's mtime, else the last successful fetch
 * (200 or 304). A failed reload keeps the previous data, which then ages out.
 */
export class FairValueFeed {
  readonly #source: string;
  readonly #url: URL | undefined;
  readonly #path: string | undefined;
  readonly #reloadMs: number;
  readonly #requestTimeoutMs: number;
  readonly #clock: Clock;
  readonly #fetch: typeof fetch;
  readonly #log: Logger | undefined;
  #snapshot: Snapshot | undefined;
  /** Data time when the document has no asOf. */
  #seenAt: EpochMs | undefined;
  #fileStamp: string | undefined;
  #etag: string | undefined;
  #lastError: string | undefined;
  #timer: Timer | undefined;
  #stopped = false;
  #inFlight: Promise<void> | undefined;

  constructor(options: FairValueFeedOptions) {
    this.#source = options.source;
    if (/^https?:\/\//i.test(options.source)) this.#url = new URL(options.source);
    else
      this.#path = options.source.startsWith('file:')
        ? fileURLToPath(options.source)
        : resolve(options.source);
    this.#reloadMs = options.reloadMs;
    this.#requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.#clock = options.clock ?? systemClock;
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#log = options.logger;
  }

  get source(): string {
    return this.#source;
  }

  /** The last load error, cleared by the next successful load. */
  get lastError(): string | undefined {
    return this.#lastError;
  }

  /** Loads once, then keeps reloading every `reloadMs` until `stop()`. Never throws. */
  async start(): Promise<void> {
    this.#stopped = false;
    await this.refresh();
    this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    this.#timer?.cancel();
    this.#timer = undefined;
  }

  /** One reload now (concurrent callers share it). Errors are recorded in `lastError` and logged. */
  refresh(): Promise<void> {
    this.#inFlight ??= this.#load().finally(() => {
      this.#inFlight = undefined;
    });
    return this.#inFlight;
  }

  /** The fair value of a ticker if the data is at most `maxAgeMs` old. */
  lookup(ticker: string, maxAgeMs: number): FairValueLookup {
    const snapshot = this.#snapshot;
    if (snapshot === undefined) {
      return { kind: 'no-data', reason: this.#lastError ?? 'no fair-value data loaded yet' };
    }
    const dataTime = snapshot.asOf ?? this.#seenAt ?? 0;
    const ageMs = Math.max(0, this.#clock.now() - dataTime);
    if (ageMs > maxAgeMs) return { kind: 'stale', ageMs };
    const value = snapshot.values.get(ticker);
    return value === undefined ? { kind: 'missing' } : { kind: 'ok', value, ageMs };
  }

  /**
   * Reloads every `reloadMs` of the clock, counted from the last reload's start, not its end: on a
   * backtest's clock, time moves on while a read is out, and counting from its end would put the
   * next reload wherever the disk happened to answer (a replay would not give the same result
   * twice). A reload due while one is still out joins it.
   */
  #schedule(): void {
    if (this.#stopped) return;
    this.#timer = this.#clock.schedule(
      this.#reloadMs,
      () => {
        this.#schedule();
        void this.refresh();
      },
      { unref: true },
    );
  }

  async #load(): Promise<void> {
    try {
      if (this.#url !== undefined) await this.#loadUrl(this.#url);
      else await this.#loadFile(this.#path as string);
      if (this.#lastError !== undefined)
        this.#log?.info({ source: this.#source }, 'fair-value feed recovered');
      this.#lastError = undefined;
    } catch (error) {
      const reason = describeThrown(error);
      if (reason !== this.#lastError)
        this.#log?.warn({ source: this.#source, reason }, 'fair-value feed load failed');
      this.#lastError = reason;
    }
  }

  async #loadFile(path: string): Promise<void> {
    const info = await stat(path);
    const stamp = `${info.mtimeMs}:${info.size}:${info.ino}`;
    if (stamp === this.#fileStamp && this.#snapshot !== undefined) return;
    const document = parseFairValueDocument(
      parseJson(await readFile(path, 'utf8'), this.#source),
      this.#source,
    );
    this.#install(document, Math.floor(info.mtimeMs));
    this.#fileStamp = stamp;
  }

  async #loadUrl(url: URL): Promise<void> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.#etag !== undefined && this.#snapshot !== undefined) headers['if-none-match'] = this.#etag;
    const response = await this.#fetch(url, { headers, signal: AbortSignal.timeout(this.#requestTimeoutMs) });
    if (response.status === 304) {
      await response.body?.cancel();
      this.#seenAt = this.#clock.now();
      return;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new FairValueFeedError(this.#source, `HTTP ${response.status} ${response.statusText}`.trim());
    }
    const document = parseFairValueDocument(parseJson(await response.text(), this.#source), this.#source);
    this.#install(document, this.#clock.now());
    this.#etag = response.headers.get('etag') ?? undefined;
  }

  #install(document: FairValueDocument, seenAt: EpochMs): void {
    this.#snapshot = { values: document.values, asOf: document.asOf };
    this.#seenAt = seenAt;
    this.#log?.info({ source: this.#source, tickers: document.values.size }, 'fair values loaded');
  }
}

function parseJson(text: string, source: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new FairValueFeedError(source, `not valid JSON: ${describeThrown(error)}`);
  }
}

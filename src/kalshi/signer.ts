import type { Clock, Timer } from '../domain/clock.js';
import { type AuthHeaders, type KalshiCredentials, signRequest } from './auth.js';

/** Paths whose signatures are kept; one-shot paths (a quote id in them) come and go. */
const MAX_PATHS = 64;
/** A path not signed for this long is dropped and no longer refreshed. */
const IDLE_MS = 30_000;

interface Entry {
  headers: AuthHeaders;
  signedAt: number;
  usedAt: number;
  uses: number;
}

export interface SignedHeaders {
  readonly headers: AuthHeaders;
  /** Signed for an earlier request of the same method and path. */
  readonly reused: boolean;
}

/**
 * Signs requests, reusing a method and path's signature for `reuseMs`. Kalshi signs the
 * timestamp, method and path but not the body, so every quote create (one path) may carry the
 * same headers while their timestamp is fresh (Kalshi accepted timestamps 10 s old). A path
 * signed more than once is re-signed in the background before it ages out, so a create seldom
 * pays for its RSA-PSS signature (~0.3 ms of the bot's thread, milliseconds under load) on its
 * way out. `reuseMs` 0 signs every request. After `disableReuse` (the exchange refused reused
 * headers) every request is signed afresh.
 */
export class RequestSigner {
  readonly #credentials: KalshiCredentials;
  readonly #clock: Clock;
  #reuseMs: number;
  readonly #entries = new Map<string, Entry>();
  #refresh: Timer | undefined;
  #stopped = false;

  constructor(credentials: KalshiCredentials, options: { readonly reuseMs: number; readonly clock: Clock }) {
    this.#credentials = credentials;
    this.#clock = options.clock;
    this.#reuseMs = options.reuseMs;
  }

  get reuseMs(): number {
    return this.#reuseMs;
  }

  /** The auth headers of one request to `pathname` (no query string). */
  sign(method: string, pathname: string): SignedHeaders {
    const now = this.#clock.now();
    if (this.#reuseMs <= 0)
      return { headers: signRequest(this.#credentials, method, pathname, now), reused: false };
    const key = `${method} ${pathname}`;
    const entry = this.#entries.get(key);
    if (entry !== undefined && now >= entry.signedAt && now - entry.signedAt < this.#reuseMs) {
      entry.usedAt = now;
      entry.uses++;
      return { headers: entry.headers, reused: true };
    }
    const headers = signRequest(this.#credentials, method, pathname, now);
    if (entry !== undefined) {
      Object.assign(entry, { headers, signedAt: now, usedAt: now });
      entry.uses++;
    } else {
      if (this.#entries.size >= MAX_PATHS) this.#dropOldest();
      this.#entries.set(key, { headers, signedAt: now, usedAt: now, uses: 1 });
    }
    this.#scheduleRefresh();
    return { headers, reused: false };
  }

  /** Signs every request afresh from now on. */
  disableReuse(): void {
    this.#reuseMs = 0;
    this.#refresh?.cancel();
    this.#refresh = undefined;
    this.#entries.clear();
  }

  /** No more background re-signing; requests still reuse what is fresh. */
  stop(): void {
    this.#stopped = true;
    this.#refresh?.cancel();
    this.#refresh = undefined;
  }

  #dropOldest(): void {
    let oldest: string | undefined;
    let oldestUse = Number.POSITIVE_INFINITY;
    for (const [key, entry] of this.#entries) {
      if (entry.usedAt < oldestUse) {
        oldest = key;
        oldestUse = entry.usedAt;
      }
    }
    if (oldest !== undefined) this.#entries.delete(oldest);
  }

  #scheduleRefresh(): void {
    if (this.#refresh !== undefined || this.#reuseMs <= 0 || this.#stopped) return;
    this.#refresh = this.#clock.schedule(
      Math.max(1, Math.floor(this.#reuseMs / 2)),
      () => {
        this.#refresh = undefined;
        this.#refreshHotPaths();
      },
      { unref: true },
    );
  }

  /** Re-signs the paths in repeated use that are half way to stale; forgets the idle ones. */
  #refreshHotPaths(): void {
    const now = this.#clock.now();
    for (const [key, entry] of this.#entries) {
      if (now - entry.usedAt >= IDLE_MS) {
        this.#entries.delete(key);
        continue;
      }
      if (entry.uses < 2 || now - entry.signedAt < this.#reuseMs / 2) continue;
      const space = key.indexOf(' ');
      entry.headers = signRequest(this.#credentials, key.slice(0, space), key.slice(space + 1), now);
      entry.signedAt = now;
    }
    if (this.#entries.size > 0) this.#scheduleRefresh();
  }
}

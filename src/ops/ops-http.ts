/**
 * Pieces of the ops server that guard it: bearer tokens compared in constant time, a bounded
 * body reader, and warnings that a flood of refused requests cannot turn into a flood of logs.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { Clock, Timer } from '../domain/clock.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** Constant-time comparison: hashing first makes the lengths equal. */
export function tokenMatches(presented: string, expected: string): boolean {
  return timingSafeEqual(digest(presented), digest(expected));
}

/** The token of an `Authorization: Bearer <token>` header, if that is what was sent. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/** Whether the request carries one of the tokens (none given: nobody is let in). */
export function presentsOneOf(req: IncomingMessage, tokens: readonly (string | undefined)[]): boolean {
  const presented = bearerToken(req);
  if (presented === undefined) return false;
  let found = false;
  // Every token compared, so the time taken says nothing about which one matched.
  for (const token of tokens) if (token !== undefined && tokenMatches(presented, token)) found = true;
  return found;
}

export class BodyTooLargeError extends Error {
  override readonly name = 'BodyTooLargeError';
  readonly code = 'body_too_large';
}

/** The request body as text, refused past `maxBytes` (at once when Content-Length says more). */
export async function readBoundedBody(req: IncomingMessage, maxBytes: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) {
    throw new BodyTooLargeError(`body of ${declared} bytes exceeds ${maxBytes}`);
  }
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > maxBytes) throw new BodyTooLargeError(`body exceeds ${maxBytes} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * One kind of warning, logged at most once per interval: the first at once, the others counted
 * and reported in one line when the interval ends (`suppressed`), which opens the next interval.
 * A client hammering the server with bad tokens costs one log line a minute, not one a request.
 */
export class ThrottledWarning {
  #windowEndsAt = Number.NEGATIVE_INFINITY;
  #suppressed = 0;
  #last: Record<string, unknown> = {};
  #timer: Timer | undefined;

  constructor(
    private readonly log: Logger,
    private readonly message: string,
    private readonly intervalMs: number,
    private readonly clock: Clock,
  ) {}

  note(fields: Record<string, unknown>): void {
    const now = this.clock.now();
    if (now < this.#windowEndsAt) {
      this.#suppressed++;
      this.#last = fields;
      return;
    }
    this.log.warn(fields, this.message);
    this.#open(now);
  }

  #open(now: number): void {
    this.#windowEndsAt = now + this.intervalMs;
    this.#timer?.cancel();
    this.#timer = this.clock.schedule(this.intervalMs, () => this.#flush(), { unref: true });
  }

  #flush(): void {
    this.#timer = undefined;
    if (this.#suppressed === 0) return;
    const suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.log.warn(
      { ...this.#last, suppressed, intervalMs: this.intervalMs },
      `${this.message} (${suppressed} more in the last ${Math.round(this.intervalMs / 1000)} s)`,
    );
    this.#open(this.clock.now());
  }

  /** Reports what is still counted and stops the timer. */
  close(): void {
    this.#timer?.cancel();
    this.#flush();
    this.#timer?.cancel();
    this.#timer = undefined;
  }
}

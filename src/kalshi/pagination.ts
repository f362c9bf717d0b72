/**
 * Cursor pagination as async generators: `for await (const rfq of client.rfqs({ status: 'open' }))`.
 * Follows `cursor` until it is empty, null or absent; the caller's filters are repeated on every
 * page (the fetcher closes over them). Two guards: a page limit, and a cursor the exchange hands
 * back twice (which would loop forever).
 */
import type { Logger } from 'pino';
import { PaginationError } from './errors.js';
import type { Page } from './mappers.js';

export interface PaginationOptions {
  /** Most pages to fetch. @default 1000 */
  readonly maxPages?: number;
  /**
   * When a guard trips: `throw` a PaginationError after yielding what was read (the default:
   * a silently truncated listing is worse than a failed one), or `stop` with a logged warning.
   * @default 'throw'
   */
  readonly onGuard?: 'throw' | 'stop';
}

export const DEFAULT_MAX_PAGES = 1000;

export interface PaginateArgs<P> {
  readonly endpoint: string;
  readonly fetchPage: (cursor: string | undefined) => Promise<P>;
  readonly cursorOf: (page: P) => string | undefined;
  readonly logger: Logger;
  readonly options?: PaginationOptions | undefined;
}

/** Yields every page in order. */
export async function* paginatePages<P>(args: PaginateArgs<P>): AsyncGenerator<P, void, undefined> {
  const maxPages = args.options?.maxPages ?? DEFAULT_MAX_PAGES;
  if (!Number.isSafeInteger(maxPages) || maxPages < 1) {
    throw new RangeError(`${args.endpoint}: maxPages must be a positive integer, got ${String(maxPages)}`);
  }
  const onGuard = args.options?.onGuard ?? 'throw';
  const seen = new Set<string>();
  let cursor: string | undefined;
  let pages = 0;
  for (;;) {
    const page = await args.fetchPage(cursor);
    pages += 1;
    yield page;
    const next = args.cursorOf(page);
    if (next === undefined || next === '') return;
    let guard: PaginationError | undefined;
    if (seen.has(next)) {
      guard = new PaginationError(
        `the exchange returned a cursor already followed after ${pages} pages; stopping`,
        args.endpoint,
        'cursor_loop',
        pages,
      );
    } else if (pages >= maxPages) {
      guard = new PaginationError(
        `more pages remain after the limit of ${maxPages} pages`,
        args.endpoint,
        'max_pages_exceeded',
        pages,
      );
    }
    if (guard) {
      args.logger.warn({ endpoint: args.endpoint, pages, guard: guard.code }, guard.message);
      if (onGuard === 'throw') throw guard;
      return;
    }
    seen.add(next);
    cursor = next;
  }
}

/** Yields every item of every page. */
export async function* paginate<T>(
  endpoint: string,
  fetchPage: (cursor: string | undefined) => Promise<Page<T>>,
  logger: Logger,
  options?: PaginationOptions,
): AsyncGenerator<T, void, undefined> {
  for await (const page of paginatePages({
    endpoint,
    fetchPage,
    cursorOf: (p) => p.cursor,
    logger,
    options,
  })) {
    yield* page.items;
  }
}

import type { RouteResult } from './router.js';

/** A refusal of the admin API: `{"error": "<message>"}` with its status. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const bad = (message: string): AdminError => new AdminError(400, message);
export const missing = (what: string): AdminError => new AdminError(404, `${what} not found`);

export interface AdminContext {
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** The JSON body; `{}` when none was sent. */
  readonly body: Record<string, unknown>;
}

export interface AdminRoute {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The full path, `/_sim/…`, with `{param}` segments. */
  readonly template: string;
  readonly handler: (ctx: AdminContext) => RouteResult;
}

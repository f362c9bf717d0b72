import type { SimUser } from '../accounts/accounts.js';

export interface RouteContext {
  readonly user: SimUser | undefined;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  readonly body: unknown;
}

export interface RouteResult {
  readonly status: number;
  readonly body?: unknown;
}

/** What the router matches on: a method and a path template with `{param}` segments. */
export interface RouteShape {
  readonly method: string;
  readonly template: string;
}

export interface Route extends RouteShape {
  readonly method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Path under /trade-api/v2 with `{param}` segments, as in Kalshi's docs ("/markets/{ticker}"). */
  readonly template: string;
  /** `required`: 401 without a valid signature; `optional`: public, but verified when signed. */
  readonly auth: 'required' | 'optional';
  /** The route reads a JSON body: it must come with `Content-Type: application/json`. */
  readonly jsonBody?: boolean;
  readonly handler: (ctx: RouteContext) => RouteResult;
}

interface Compiled<R> {
  readonly route: R;
  readonly segments: readonly string[];
  readonly statics: number;
}

export interface RouteMatch<R extends RouteShape = Route> {
  readonly route: R;
  readonly params: Record<string, string>;
}

/**
 * Template routing for the Kalshi API and the admin API; a static segment beats a parameter
 * ("/markets/orderbooks" vs "/markets/{ticker}"). Parameters arrive URI-decoded; one that
 * cannot be decoded does not match.
 */
export class Router<R extends RouteShape = Route> {
  private readonly compiled: Compiled<R>[] = [];

  add(...routes: R[]): this {
    for (const route of routes) {
      const segments = route.template.split('/').filter((s) => s.length > 0);
      this.compiled.push({ route, segments, statics: segments.filter((s) => !s.startsWith('{')).length });
    }
    this.compiled.sort((a, b) => b.statics - a.statics);
    return this;
  }

  match(method: string, path: string): RouteMatch<R> | undefined {
    const parts = path.split('/').filter((s) => s.length > 0);
    for (const c of this.compiled) {
      if (c.route.method !== method || c.segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < parts.length && ok; i++) {
        const seg = c.segments[i] as string;
        const part = parts[i] as string;
        if (seg.startsWith('{')) {
          try {
            params[seg.slice(1, -1)] = decodeURIComponent(part);
          } catch {
            ok = false;
          }
        } else ok = seg === part;
      }
      if (ok) return { route: c.route, params };
    }
    return undefined;
  }

  /** Lists the routes (for the README check and the admin index). */
  routes(): R[] {
    return this.compiled.map((c) => c.route);
  }
}

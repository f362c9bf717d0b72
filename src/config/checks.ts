/**
 * Rules that span several keys. They run even when other keys are invalid (every problem is
 * reported at once), so they read the value defensively: a key that failed its own validation
 * is skipped here.
 */
import type { z } from 'zod';

type Path = readonly (string | number)[];

function get(value: unknown, path: Path): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

/** A complete message (not an expected-phrase); `at` is where to point when `path` is absent. */
function report(ctx: z.RefinementCtx, path: Path, message: string, at?: Path): void {
  ctx.addIssue({
    code: 'custom',
    path: [...path],
    message,
    params: { complete: true, ...(at ? { at: [...at] } : {}) },
  });
}

function orderedPair(
  ctx: z.RefinementCtx,
  value: unknown,
  base: Path,
  low: string,
  high: string,
  what: string,
) {
  const a = get(value, [...base, low]);
  const b = get(value, [...base, high]);
  if (typeof a === 'number' && typeof b === 'number' && a > b) {
    report(ctx, [...base, low], `${low} must not exceed ${high} (${what})`);
  }
}

export function checkConfig(value: unknown, ctx: z.RefinementCtx): void {
  if (value === null || typeof value !== 'object') return;

  if (
    get(value, ['exchange', 'environment']) === 'production' &&
    get(value, ['exchange', 'confirmProduction']) !== true
  ) {
    report(
      ctx,
      ['exchange', 'confirmProduction'],
      'production trades real money: set exchange.confirmProduction: true to start against production',
      ['exchange', 'environment'],
    );
  }

  const routes = get(value, ['strategies', 'routes']);
  if (Array.isArray(routes)) {
    const seen = new Map<string, number>();
    routes.forEach((route, index) => {
      const name = get(route, ['name']);
      if (typeof name !== 'string') return;
      const first = seen.get(name);
      if (first === undefined) seen.set(name, index);
      else {
        report(
          ctx,
          ['strategies', 'routes', index, 'name'],
          `duplicate route name "${name}" (also the name of route ${first + 1}); route names must be unique`,
        );
      }
    });
  }

  orderedPair(ctx, value, ['poller', 'filters'], 'minContracts', 'maxContracts', 'contracts');
  orderedPair(ctx, value, ['poller', 'filters'], 'minTargetCost', 'maxTargetCost', 'dollars');
  orderedPair(ctx, value, ['exchange', 'retry'], 'baseDelayMs', 'maxDelayMs', 'milliseconds');
  orderedPair(ctx, value, ['exchange'], 'hvmConfirmWindowMs', 'confirmWindowMs', 'milliseconds');
  // node:http refuses a headers time-out longer than the request time-out.
  orderedPair(ctx, value, ['ops'], 'headersTimeoutMs', 'requestTimeoutMs', 'milliseconds');

  const callLimit = get(value, ['strategies', 'timeoutMs']);
  const hardLimit = get(value, ['strategies', 'workers', 'hardTimeoutMs']);
  if (typeof callLimit === 'number' && typeof hardLimit === 'number' && hardLimit < callLimit) {
    report(
      ctx,
      ['strategies', 'workers', 'hardTimeoutMs'],
      `hardTimeoutMs (${hardLimit}) must be at least strategies.timeoutMs (${callLimit}), or a worker would be terminated while a call may still legitimately run`,
    );
  }

  const margin = get(value, ['quoting', 'confirmSafetyMarginMs']);
  const hvmWindow = get(value, ['exchange', 'hvmConfirmWindowMs']);
  if (typeof margin === 'number' && typeof hvmWindow === 'number' && margin >= hvmWindow) {
    report(
      ctx,
      ['quoting', 'confirmSafetyMarginMs'],
      `confirmSafetyMarginMs (${margin}) must be less than exchange.hvmConfirmWindowMs (${hvmWindow}), or no high-volatility accept could ever be confirmed`,
    );
  }
}

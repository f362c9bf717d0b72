/**
 * Readiness: what the app knows about its own health, turned into named checks with reasons
 * (the ops server's /readyz and the dashboard show the same list).
 */
export interface ReadinessCheck {
  /** e.g. `exchange_authenticated`, `poller_recent`, `not_kill_switched`. */
  readonly name: string;
  readonly ok: boolean;
  /** Why it fails (or a short status); shown in the 503 body. */
  readonly detail?: string;
}

/** What the app knows about its own health, turned into the standard readiness checks. */
export interface ReadinessState {
  readonly authenticated: boolean;
  /** Epoch ms of the last completed poller cycle, if any. */
  readonly lastPollerCycleAt: number | undefined;
  readonly pollerIntervalMs: number;
  readonly killSwitched: boolean;
  readonly killReason?: string;
  readonly now: number;
  /** A cycle older than this many intervals (at least 10 s) counts as stalled. @default 5 */
  readonly staleAfterIntervals?: number;
  /** The journal's write health, when a journal is kept. */
  readonly journal?: { readonly ok: boolean; readonly error?: string | undefined };
}

export function standardReadinessChecks(state: ReadinessState): ReadinessCheck[] {
  const staleMs = Math.max(10_000, state.pollerIntervalMs * (state.staleAfterIntervals ?? 5));
  const age = state.lastPollerCycleAt === undefined ? undefined : state.now - state.lastPollerCycleAt;
  return [
    {
      name: 'exchange_authenticated',
      ok: state.authenticated,
      ...(state.authenticated ? {} : { detail: 'not authenticated to the exchange yet' }),
    },
    {
      name: 'poller_recent',
      ok: age !== undefined && age <= staleMs,
      detail:
        age === undefined
          ? 'the poller has not completed a cycle yet'
          : `last cycle ${Math.round(age)} ms ago (limit ${staleMs} ms)`,
    },
    ...(state.journal
      ? [
          {
            name: 'journal_writable',
            ok: state.journal.ok,
            ...(state.journal.ok ? {} : { detail: state.journal.error ?? 'journal writes failing' }),
          },
        ]
      : []),
    {
      name: 'not_kill_switched',
      ok: !state.killSwitched,
      ...(state.killSwitched
        ? { detail: `kill switch active${state.killReason ? `: ${state.killReason}` : ''}` }
        : {}),
    },
  ];
}

/**
 * The life cycle of one of our quotes, as the bot tracks it:
 *
 *   pending ──created──▶ open ──accept seen──▶ accepted ──confirmed──▶ confirmed ──▶ executed
 *      │                  │                       │                        │
 *      └─▶ failed         ├─▶ deleting ─▶ deleted └─▶ expired (lapsed,     └─▶ cancelled
 *                         ├─▶ replaced               declined or late)
 *                         └─▶ cancelled (RFQ closed)
 *
 * `deleting` can fall back to `open` (the delete failed) or forward to `accepted` (a requester
 * accepted while we were deleting: the exchange answers 404 and the quote stays accepted).
 */
export type QuoteState =
  | 'pending'
  | 'open'
  | 'deleting'
  | 'accepted'
  | 'confirming'
  | 'confirmed'
  | 'executed'
  | 'deleted'
  | 'replaced'
  | 'cancelled'
  | 'expired'
  | 'failed';

const TRANSITIONS: Readonly<Record<QuoteState, readonly QuoteState[]>> = {
  pending: ['open', 'failed', 'accepted', 'cancelled'],
  open: ['deleting', 'accepted', 'replaced', 'cancelled', 'expired', 'executed', 'confirmed'],
  deleting: ['deleted', 'open', 'accepted', 'cancelled', 'replaced', 'executed', 'confirmed'],
  accepted: ['confirming', 'expired', 'confirmed', 'executed', 'cancelled'],
  confirming: ['confirmed', 'expired', 'accepted', 'executed', 'cancelled'],
  confirmed: ['executed', 'cancelled'],
  executed: [],
  deleted: [],
  replaced: [],
  cancelled: [],
  expired: ['confirmed', 'executed'],
  failed: [],
};

const LIVE: ReadonlySet<QuoteState> = new Set(['pending', 'open', 'deleting']);
const AWAITING_FILL: ReadonlySet<QuoteState> = new Set(['accepted', 'confirming', 'confirmed']);
const TERMINAL: ReadonlySet<QuoteState> = new Set(['executed', 'deleted', 'replaced', 'cancelled', 'failed']);

export class IllegalTransitionError extends Error {
  override readonly name = 'IllegalTransitionError';
  readonly code = 'illegal_transition';
  constructor(
    readonly from: QuoteState,
    readonly to: QuoteState,
    readonly rfqId: string,
    readonly quoteId: string | undefined,
  ) {
    super(`quote ${quoteId ?? '(unsent)'} on RFQ ${rfqId}: illegal transition ${from} -> ${to}`);
  }
}

export function canTransition(from: QuoteState, to: QuoteState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Can a requester still hit it? Pending counts: a create in flight may already be live. */
export function isLive(state: QuoteState): boolean {
  return LIVE.has(state);
}

/** Accepted or confirmed but not yet executed: exposure counts it as filled. */
export function isAwaitingFill(state: QuoteState): boolean {
  return AWAITING_FILL.has(state);
}

/**
 * Nothing more can happen to it. `expired` is not terminal: the exchange does not say when
 * an accept lapses, so a late confirm seen at the exchange can still move it on.
 */
export function isTerminal(state: QuoteState): boolean {
  return TERMINAL.has(state);
}

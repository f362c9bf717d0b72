/** The calls waiting in the action queue, and the errors it refuses them with. */

import { GateRejectedError, PRIORITY_ORDER, type Priority, type RequestSpec } from '../kalshi/gate.js';

export type RejectReason = GateRejectedError['reason'];

/** A call's cost is not a number ≥ 0 or can never fit its bucket (capacity less any reserve). */
export class TokenCostError extends Error {
  override readonly name = 'TokenCostError';
  readonly code = 'invalid_token_cost';
  readonly endpoint: string;
  readonly cost: number;
  constructor(
    spec: RequestSpec,
    /** The most this call could ever be given. */
    readonly room: number,
  ) {
    super(
      `${spec.endpoint} costs ${spec.cost} tokens; its ${spec.bucket} bucket can give it at most ${room}`,
    );
    this.endpoint = spec.endpoint;
    this.cost = spec.cost;
  }
}

export interface QueuedAction {
  readonly seq: number;
  readonly spec: RequestSpec;
  readonly send: () => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
  state: 'queued' | 'sending' | 'done';
  queuedAt: number;
  attempts: number;
  rateLimited: number;
  /** The 429 that sent it back to the queue, if any: the cause when it is refused later. */
  lastError?: unknown;
  readonly cleanup: (() => void)[];
}

/** One FIFO per priority, each ordered by seq so that a retried call keeps its place. */
export class ActionLanes {
  readonly #lanes = new Map<Priority, QueuedAction[]>(PRIORITY_ORDER.map((p) => [p, []]));
  #size = 0;

  get size(): number {
    return this.#size;
  }

  insert(action: QueuedAction): void {
    const lane = this.#lanes.get(action.spec.priority)!;
    let lo = 0;
    let hi = lane.length;
    if (hi > 0 && lane[hi - 1]!.seq < action.seq) lo = hi;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (lane[mid]!.seq < action.seq) lo = mid + 1;
      else hi = mid;
    }
    lane.splice(lo, 0, action);
    this.#size++;
  }

  /** The head of the highest non-empty lane. */
  peek(): QueuedAction | undefined {
    for (const lane of this.#lanes.values()) if (lane.length > 0) return lane[0];
    return undefined;
  }

  /** Removes the action `peek` returned. */
  shift(action: QueuedAction): void {
    this.#lanes.get(action.spec.priority)!.shift();
    this.#size--;
  }

  remove(matches: (action: QueuedAction) => boolean): QueuedAction[] {
    const removed: QueuedAction[] = [];
    for (const [priority, lane] of this.#lanes) {
      if (!lane.some(matches)) continue;
      const kept: QueuedAction[] = [];
      for (const action of lane) (matches(action) ? removed : kept).push(action);
      this.#lanes.set(priority, kept);
    }
    this.#size -= removed.length;
    return removed;
  }
}

export function rejection(spec: RequestSpec, reason: RejectReason, cause?: unknown): GateRejectedError {
  const why = { deadline: 'its deadline passed', closed: 'the queue is closed', aborted: 'it was aborted' }[
    reason
  ];
  const error = new GateRejectedError(`${spec.endpoint} not sent: ${why}`, spec.endpoint, reason);
  if (cause !== undefined) error.cause = cause;
  return error;
}

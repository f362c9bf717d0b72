/**
 * Messages between the bot's thread and a strategy worker. Everything crosses by structured
 * clone, so nothing the worker changes can reach the bot's objects. Besides the port, each
 * worker shares a small buffer with the bot: the worker writes which message (and which call)
 * it is processing, so a stuck or crashed worker can be blamed on the right call, and position
 * reads (synchronous in the strategy API) wait on it for their answer.
 */
import type { HookName } from '../host.js';

export type AsyncDataMethod = 'market' | 'orderBook' | 'fees';
export type SyncDataMethod = 'position' | 'eventPosition';
export type DataMethod = AsyncDataMethod | SyncDataMethod;

/** The key of a prefetched read. */
export function prefetchKey(method: DataMethod, ticker: string): string {
  return `${method}:${ticker}`;
}

export const ASYNC_DATA_METHODS: ReadonlySet<string> = new Set<AsyncDataMethod>([
  'market',
  'orderBook',
  'fees',
]);
export const SYNC_DATA_METHODS: ReadonlySet<string> = new Set<SyncDataMethod>(['position', 'eventPosition']);

/** Int32 slots of the shared buffer. */
export const SLOT = {
  /** Sequence number of the last message from the bot the worker started processing. */
  processed: 0,
  /** Id of the call whose message the worker processed last (0: none). */
  currentCall: 1,
  /** Request number of the last answered synchronous read. */
  syncDone: 2,
  /** 0: the answer is in the value slot; 1: the read failed. */
  syncStatus: 3,
} as const;

/** Byte offset of the Float64 value of a synchronous read (after the four Int32 slots). */
export const SYNC_VALUE_OFFSET = 16;
export const SHARED_BYTES = 24;

export interface WorkerInit {
  readonly shared: SharedArrayBuffer;
  /** The bot's log level: the worker drops lines below it before they cross. */
  readonly logLevel: string;
  /** How long a synchronous position read waits for the bot's answer. */
  readonly syncTimeoutMs: number;
}

export interface WireError {
  readonly name: string;
  readonly message: string;
}

interface Numbered {
  /** Per-worker sequence number of the message. */
  readonly seq: number;
}

interface CallBase extends Numbered {
  /** Pool-wide call id (a positive int32). */
  readonly id: number;
  readonly key: string;
  readonly timeoutMs: number;
  /** `ctx.log` bindings: strategy, route, rfqId, … */
  readonly fields: Readonly<Record<string, unknown>>;
  /** The bot clock's time at dispatch: the worker's `ctx.clock` starts from it. */
  readonly now: number;
}

export type ToWorker =
  | (CallBase & {
      readonly t: 'setup';
      /** The plugin file (absolute path, for messages), the module URL to import, the strategy's name in it. */
      readonly file: string;
      readonly module: string;
      readonly strategy: string;
      /** Raw options from config: the worker parses them with its own copy of the strategy. */
      readonly options: unknown;
    })
  | (CallBase & {
      readonly t: 'call';
      readonly hook: Exclude<HookName, 'setup'>;
      readonly args: unknown[];
      /** Market data sent along (`method:ticker` → value): reads the worker need not ask for. */
      readonly prefetched?: Readonly<Record<string, unknown>>;
    })
  | (Numbered & { readonly t: 'data'; readonly call: number; readonly req: number; readonly value: unknown })
  | (Numbered & {
      readonly t: 'data';
      readonly call: number;
      readonly req: number;
      readonly error: WireError;
    })
  | (Numbered & { readonly t: 'ping'; readonly n: number })
  /** Aborts `ctx.signal` of calls in flight (the runner is stopping). */
  | (Numbered & { readonly t: 'cancel' })
  /** A config reload's log level: lines below it are dropped before they cross. */
  | (Numbered & { readonly t: 'logLevel'; readonly level: string });

export type FromWorker =
  | { readonly t: 'ready' }
  | { readonly t: 'done'; readonly id: number; readonly value: unknown }
  | { readonly t: 'done'; readonly id: number; readonly error: WireError }
  | {
      readonly t: 'data';
      readonly call: number;
      readonly req: number;
      readonly method: AsyncDataMethod;
      readonly ticker: string;
      /** When the worker asked (`wallNow()`): how long the read waited on the bot's thread. */
      readonly sentAt: number;
    }
  | {
      readonly t: 'sync';
      readonly call: number;
      readonly req: number;
      readonly method: SyncDataMethod;
      readonly ticker: string;
      readonly sentAt: number;
    }
  /** One pino line of a strategy's `ctx.log`, as JSON. */
  | { readonly t: 'log'; readonly line: string }
  | { readonly t: 'pong'; readonly n: number };

/** Epoch milliseconds, sub-millisecond, comparable between the bot's thread and its workers. */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export function toWireError(error: unknown, describe: (error: unknown) => string): WireError {
  const name = error instanceof Error ? error.name : 'Error';
  return { name, message: describe(error) };
}

/** An Error rebuilt from the worker's description (name and message; the stack stays there). */
export function fromWireError(wire: WireError): Error {
  const error = new Error(wire.message);
  error.name = wire.name;
  return error;
}

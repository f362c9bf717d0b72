/**
 * A strategy worker: loads the plugin modules it is asked for, keeps one set of parsed options
 * per instance, and runs hook calls. Every input arrives as a clone and is frozen before the
 * strategy sees it; results go back by clone. Started only by the worker pool.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Logger } from 'pino';
import { describeThrown, StrategyStoppedError, StrategyTimeoutError } from '../errors.js';
import { deepFreeze } from '../freeze.js';
import { exportedStrategies, validateStrategy } from '../loader.js';
import type { Strategy, StrategyContext } from '../types.js';
import {
  type FromWorker,
  SLOT,
  SYNC_VALUE_OFFSET,
  type ToWorker,
  toWireError,
  type WorkerInit,
} from './protocol.js';
import { DataChannel, forwardingLogger, workerClock } from './remote.js';
import { lockDownProcess } from './sandbox.js';

type SetupMessage = Extract<ToWorker, { t: 'setup' }>;
type CallMessage = Extract<ToWorker, { t: 'call' }>;

interface Instance {
  readonly strategy: Strategy<unknown>;
  readonly options: unknown;
}

const port = parentPort;
if (port === null) throw new Error('the strategy worker entry runs only as a worker thread');
const init = workerData as WorkerInit;
lockDownProcess();

const ints = new Int32Array(init.shared, 0, 4);
const data = new DataChannel(
  port,
  ints,
  new Float64Array(init.shared, SYNC_VALUE_OFFSET, 1),
  init.syncTimeoutMs,
);
const log: Logger = forwardingLogger(port, init.logLevel);
const instances = new Map<string, Instance>();
const running = new Map<number, LazySignal>();
const modules = new Map<string, Promise<unknown[]>>();

function post(message: FromWorker): void {
  port?.postMessage(message);
}

function reply(id: number, hook: string, value: unknown): void {
  try {
    post({ t: 'done', id, value });
  } catch (error) {
    // A function or a class instance in the result cannot be cloned back.
    const message = `${hook} returned a value that cannot leave the worker: ${describeThrown(error)}`;
    post({ t: 'done', id, error: { name: 'DataCloneError', message } });
  }
}

function fail(id: number, error: unknown): void {
  post({ t: 'done', id, error: toWireError(error, describeThrown) });
}

/** The strategies of a plugin module, by the URL the bot imported it from (compiled TypeScript, or the file). */
function strategiesOf(module: string): Promise<unknown[]> {
  let loaded = modules.get(module);
  if (loaded === undefined) {
    loaded = import(module).then(exportedStrategies);
    modules.set(module, loaded);
  }
  return loaded;
}

/**
 * A call's abort signal, made when the strategy first asks for it (most never do: a controller
 * and a timer per call were a good part of what each call allocated). Aborted at the time limit
 * counted from the call's start, or when the runner stops.
 */
class LazySignal {
  #controller: AbortController | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #abortedWith: { readonly reason: unknown } | undefined;
  readonly #startedAt = performance.now();

  constructor(
    private readonly call: string,
    private readonly timeoutMs: number,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#abortedWith !== undefined) this.#controller.abort(this.#abortedWith.reason);
      else {
        const left = Math.max(0, this.timeoutMs - (performance.now() - this.#startedAt));
        this.#timer = setTimeout(() => this.abort(new StrategyTimeoutError(this.call, this.timeoutMs)), left);
      }
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#abortedWith !== undefined) return;
    this.#abortedWith = { reason };
    this.#controller?.abort(reason);
  }

  end(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
  }
}

/** Runs one hook with its own signal, aborted at the time limit or when the runner stops. */
async function runHook(
  message: SetupMessage | CallMessage,
  instance: Instance,
  hook: string,
  invoke: (ctx: StrategyContext<unknown>) => unknown,
): Promise<unknown> {
  const lazy = new LazySignal(`${instance.strategy.name}.${hook}`, message.timeoutMs);
  running.set(message.id, lazy);
  try {
    let callLog: Logger | undefined;
    return await invoke({
      options: instance.options,
      // A pino child per call costs more than the rest of the hop: made only when used.
      get log() {
        callLog ??= log.child(message.fields);
        return callLog;
      },
      clock: workerClock(message.now),
      get signal() {
        return lazy.signal;
      },
      data: data.forCall(message.id, message.t === 'call' ? message.prefetched : undefined),
    });
  } finally {
    lazy.end();
    running.delete(message.id);
  }
}

async function setup(message: SetupMessage): Promise<void> {
  try {
    const found = (await strategiesOf(message.module)).find(
      (value) => (value as { name?: unknown } | null)?.name === message.strategy,
    );
    if (found === undefined)
      throw new Error(`${message.file} no longer exports strategy "${message.strategy}"`);
    const strategy = validateStrategy(found, message.file);
    const instance: Instance = { strategy, options: deepFreeze(strategy.options.parse(message.options)) };
    const hook = strategy.setup;
    if (hook !== undefined) await runHook(message, instance, 'setup', (ctx) => hook.call(strategy, ctx));
    instances.set(message.key, instance);
    reply(message.id, 'setup', undefined);
  } catch (error) {
    fail(message.id, error);
  }
}

async function call(message: CallMessage): Promise<void> {
  const instance = instances.get(message.key);
  try {
    if (instance === undefined) throw new Error(`instance ${message.key} is not set up in this worker`);
    if (message.hook === 'teardown') instances.delete(message.key);
    const hook = instance.strategy[message.hook] as ((...args: unknown[]) => unknown) | undefined;
    if (hook === undefined) {
      if (message.hook !== 'teardown') throw new Error(`strategy has no ${message.hook}`);
      reply(message.id, message.hook, undefined);
      return;
    }
    const args = message.args.map((arg) => deepFreeze(arg));
    const value = await runHook(message, instance, message.hook, (ctx) =>
      hook.call(instance.strategy, ...args, ctx),
    );
    reply(message.id, message.hook, value);
  } catch (error) {
    fail(message.id, error);
  }
}

port.on('message', (message: ToWorker) => {
  Atomics.store(ints, SLOT.processed, message.seq);
  switch (message.t) {
    case 'setup':
      Atomics.store(ints, SLOT.currentCall, message.id);
      void setup(message);
      return;
    case 'call':
      Atomics.store(ints, SLOT.currentCall, message.id);
      void call(message);
      return;
    case 'data':
      // The strategy continues from here: until the next message this call is the one running.
      Atomics.store(ints, SLOT.currentCall, message.call);
      data.answer(message);
      return;
    case 'ping':
      post({ t: 'pong', n: message.n });
      return;
    case 'cancel':
      for (const call of running.values()) call.abort(new StrategyStoppedError());
      return;
    case 'logLevel':
      // pino throws on a level it does not know; the bot's config allows only known ones.
      if (Object.hasOwn(log.levels.values, message.level) || message.level === 'silent')
        log.level = message.level;
      return;
  }
});

// A strategy's forgotten promise must not end the worker (and every call on it).
process.on('unhandledRejection', (reason) => {
  log.warn({ reason: describeThrown(reason) }, 'unhandled rejection in a strategy (ignored)');
});

post({ t: 'ready' });

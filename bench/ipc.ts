/**
 * A small request/response protocol over Node's IPC channel, so that the simulator and each
 * bot under test run in processes of their own: the bot's CPU, RSS and event-loop lag then
 * include nothing of the exchange's.
 */
import { type ChildProcess, fork } from 'node:child_process';
import { setPriority } from 'node:os';
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Request {
  readonly id: number;
  readonly method: string;
  readonly params: unknown;
}

type Reply =
  | { readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** Microsecond wall time shared by every process on the machine (high-resolution `Date.now`). */
export function wallNow(): number {
  return performance.timeOrigin + performance.now();
}

export type Handlers = Record<string, (params: never) => unknown>;

/** Serves `handlers` to the parent process; exits when the parent goes away. */
export function serve(handlers: Handlers): void {
  if (!process.send) throw new Error('this script runs as a child process of bench/run.ts');
  process.on('message', (message: Request) => {
    void (async () => {
      let reply: Reply;
      try {
        const handler = handlers[message.method];
        if (!handler) throw new Error(`unknown method ${message.method}`);
        reply = { id: message.id, ok: true, result: await handler(message.params as never) };
      } catch (error) {
        const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
        reply = { id: message.id, ok: false, error: text };
      }
      process.send?.(reply);
    })();
  });
  process.on('disconnect', () => process.exit(0));
}

/** The parent's end: fork a TypeScript script (through tsx) and call its handlers. */
export class Child {
  readonly #process: ChildProcess;
  readonly #pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #exited: Promise<number | null>;

  /**
   * `script` is absolute, or relative to bench/; TypeScript runs through tsx unless `tsx` is false.
   * `niceness` (0-19) lowers the child's CPU priority.
   */
  constructor(
    script: string,
    options: {
      readonly execArgv?: readonly string[];
      readonly tsx?: boolean;
      readonly niceness?: number;
    } = {},
  ) {
    const path = isAbsolute(script) ? script : fileURLToPath(new URL(script, import.meta.url));
    this.#process = fork(path, [], {
      execArgv: [...(options.tsx === false ? [] : ['--import', 'tsx']), ...(options.execArgv ?? [])],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced',
    });
    if (options.niceness !== undefined && this.#process.pid !== undefined) {
      try {
        setPriority(this.#process.pid, options.niceness);
      } catch {
        // not permitted here: the child runs at the default priority
      }
    }
    this.#process.on('message', (reply: Reply) => {
      const waiter = this.#pending.get(reply.id);
      if (!waiter) return;
      this.#pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(`child ${script}: ${reply.error}`));
    });
    this.#exited = new Promise((resolve) => {
      this.#process.on('exit', (code) => {
        for (const waiter of this.#pending.values())
          waiter.reject(new Error(`child ${script} exited (${code})`));
        this.#pending.clear();
        resolve(code);
      });
    });
  }

  get pid(): number | undefined {
    return this.#process.pid;
  }

  call<T>(method: string, params: unknown = {}): Promise<T> {
    const id = this.#nextId++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#process.send({ id, method, params } satisfies Request);
    });
  }

  /** Disconnects (the child exits on its own) and kills it if it lingers. */
  async close(graceMs = 3_000): Promise<void> {
    if (this.#process.exitCode !== null || this.#process.signalCode !== null) return;
    if (this.#process.connected) this.#process.disconnect();
    const timer = setTimeout(() => this.#process.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
  }
}

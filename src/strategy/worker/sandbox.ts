/**
 * What a strategy in a worker may not do to the bot's process. In a worker `process.exit` would
 * only end the worker, but `process.kill(process.pid)` reaches the whole bot, and none of these
 * has any business in pricing code. This guards against mistakes, not malice: worker threads
 * share the process, its files and its network.
 */

/** Thrown when a strategy calls a process function it may not use. */
export class StrategySandboxError extends Error {
  override readonly name = 'StrategySandboxError';
  readonly code = 'strategy_sandbox';
  constructor(readonly what: string) {
    super(`${what} is not available to strategies (they run in a worker and must return a decision)`);
  }
}

const BLOCKED = [
  'kill',
  'abort',
  'chdir',
  'dlopen',
  'setuid',
  'setgid',
  'seteuid',
  'setegid',
  'setgroups',
  'initgroups',
] as const;
/** Node's own crash path in a worker ends it with these; strategies may not. */
const EXITS = ['exit', 'reallyExit'] as const;

type FatalHandler = (...args: unknown[]) => unknown;

function refuse(name: string): () => never {
  return () => {
    throw new StrategySandboxError(`process.${name}()`);
  };
}

/** Replaces the dangerous `process` functions for good (not writable, not configurable). */
export function lockDownProcess(target: NodeJS.Process = process): void {
  for (const name of BLOCKED) {
    Object.defineProperty(target, name, { value: refuse(name), writable: false, configurable: false });
  }
  // An uncaught exception must still end the worker (the pool replaces it): Node's handler
  // reports the error to the bot and then calls process.exit, which is let through from there only.
  const internals = target as unknown as { _fatalException?: FatalHandler };
  const fatal = internals._fatalException;
  let crashing = false;
  if (typeof fatal === 'function') {
    internals._fatalException = function (this: unknown, ...args: unknown[]) {
      crashing = true;
      return fatal.apply(this, args);
    };
  }
  for (const name of EXITS) {
    const real = (target as unknown as Record<string, unknown>)[name];
    const refused = refuse(name);
    Object.defineProperty(target, name, { get: () => (crashing ? real : refused), configurable: false });
  }
}

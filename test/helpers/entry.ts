import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { workerScript } from '../../src/ops/threads.js';

const ROOT = resolve(import.meta.dirname, '../..');

/**
 * The node arguments that run one of our TypeScript entry points (a path from the repository's
 * root): the entry bundled into plain JS once per test worker (as the container runs compiled
 * code), not through tsx, whose loader costs each process about half a second of CPU more;
 * through tsx where no bundle can be made. The npm scripts themselves are tested as they are.
 */
export async function entryArgs(entry: string): Promise<string[]> {
  const script = await workerScript(pathToFileURL(join(ROOT, entry)));
  return script.eval ? ['--import', 'tsx', entry] : [fileURLToPath(script.url as URL)];
}

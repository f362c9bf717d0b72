import type { NpmRun } from './bot-process.js';
import { type ProcessInfo, waitUntilGone } from './process-tree.js';

/** Where a signal goes: npm alone, the whole process group (Ctrl-C, systemd), or the program npm runs. */
export type Target = 'npm' | 'group' | 'program';

/** The program npm runs: the deepest process of the tree whose command names `script`. */
export function programOf(tree: readonly ProcessInfo[], script: string): ProcessInfo {
  const named = tree.filter((p) => p.command.includes(script));
  const leaf = named.find((p) => !named.some((other) => other.ppid === p.pid));
  if (!leaf) throw new Error(`no process runs ${script}: ${tree.map((p) => p.command).join(' | ')}`);
  return leaf;
}

export function send(run: NpmRun, program: ProcessInfo, target: Target, signal: NodeJS.Signals): void {
  if (target === 'npm') process.kill(run.pid, signal);
  else if (target === 'group')
    process.kill(-run.pid, signal); // a terminal's Ctrl-C, systemd's KillMode
  else process.kill(program.pid, signal);
}

/** npm's exit code (or signal), or 'still running' when it has not exited within `ms`. */
export async function exitWithin(run: NpmRun, ms: number): Promise<number | string> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve('still running'), ms);
  });
  const result = await Promise.race([run.exited, late]);
  clearTimeout(timer);
  return result;
}

/** What is left of a tree, readable in a failed assertion. */
export async function survivors(tree: readonly ProcessInfo[]): Promise<string[]> {
  return (await waitUntilGone(tree)).map((p) => `${p.pid} ${p.command}`);
}

export const SIGNAL_CASES: readonly [NodeJS.Signals, Target][] = [
  ['SIGTERM', 'npm'],
  ['SIGINT', 'npm'],
  ['SIGINT', 'group'],
  ['SIGTERM', 'group'],
  ['SIGTERM', 'program'],
  ['SIGINT', 'program'],
];

import { readdirSync, readFileSync } from 'node:fs';

/** A process as /proc shows it; `startTime` tells it apart from a later process given the same pid. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  readonly state: string;
  readonly startTime: string;
  readonly command: string;
}

/** Reads /proc/PID (Linux); undefined when there is no such process. */
export function readProcess(pid: number): ProcessInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name sits in parentheses and may itself hold spaces and parentheses.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const command = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
    return {
      pid,
      state: fields[0] ?? '?',
      ppid: Number(fields[1]),
      pgid: Number(fields[2]),
      startTime: fields[19] ?? '',
      command,
    };
  } catch {
    return undefined;
  }
}

function allProcesses(): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const info = readProcess(Number(name));
    if (info) out.push(info);
  }
  return out;
}

/** The process `rootPid` and all its descendants. */
export function processTree(rootPid: number): ProcessInfo[] {
  const all = allProcesses();
  const tree: ProcessInfo[] = [];
  const root = all.find((p) => p.pid === rootPid);
  if (!root) return tree;
  tree.push(root);
  for (let i = 0; i < tree.length; i++) {
    const parent = tree[i]!.pid;
    for (const p of all) if (p.ppid === parent) tree.push(p);
  }
  return tree;
}

/** Still the same process and not yet exited (a zombie has exited; only its parent has not looked). */
export function isRunning(info: ProcessInfo): boolean {
  const now = readProcess(info.pid);
  return now !== undefined && now.startTime === info.startTime && now.state !== 'Z';
}

/** Waits until every process in `procs` has exited; returns those still running at the time-out. */
export async function waitUntilGone(
  procs: readonly ProcessInfo[],
  timeoutMs = 15_000,
): Promise<ProcessInfo[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const running = procs.filter(isRunning);
    if (running.length === 0 || Date.now() > deadline) return running;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** SIGKILLs, by pid, whichever of `procs` still runs (test clean-up). */
export function killSurvivors(procs: readonly ProcessInfo[]): void {
  for (const p of procs) {
    if (!isRunning(p)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // exited meanwhile
    }
  }
}

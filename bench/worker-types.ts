/** Messages between bench/run.ts and bench/bot-worker.ts. */
import type { BotSettings } from './config.js';
import type { ConfirmTiming, ProbeCounts, RfqTiming } from './probe.js';
import type { SimInfo } from './sim-types.js';

/** `bot`: the App as shipped; `unbudgeted`: the App with an unlimited gate; `naive`: the SDK loop. */
export type BotMode = 'bot' | 'unbudgeted' | 'naive';

export interface WorkerSettings extends Omit<BotSettings, 'journalPath'> {
  /** Record the journal (the shipped default), into a temporary file of the bot's process. @default true */
  readonly journal?: boolean;
  /** Track the RFQs of every other market without quoting them (`MarketSet` 'standing'). */
  readonly standingBook?: boolean;
  /** A silent logger instead of JSON lines to /dev/null. @default false */
  readonly silent?: boolean;
  /** Record per-request timings (bench/probe.ts). @default true */
  readonly probe?: boolean;
  /**
   * Run the ops server (with the dashboard) and have this many dashboards watch its event stream
   * from the runner's process during the scenario. Unset: no ops server, as before.
   */
  readonly dashboards?: number;
}

export interface WorkerStart {
  readonly mode: BotMode;
  readonly sim: SimInfo;
  readonly settings: WorkerSettings;
}

export interface BotStatus {
  readonly bookSize: number;
  readonly live: number;
  readonly queuedWrites: number;
  readonly rssMb: number;
  readonly heapUsedMb: number;
  readonly killSwitched: boolean;
  /** Event-loop utilization since the previous status call. */
  readonly recentElu: number;
}

/** The bot process's memory at the end of the window, before any forced GC. */
export interface MemoryBreakdown {
  readonly rssMb: number;
  /** The main thread's V8 heap: reserved, and in use (live and not yet collected). */
  readonly heapTotalMb: number;
  readonly heapUsedMb: number;
  /** C++ objects tied to JS ones (buffers, sockets), array buffers included. */
  readonly externalMb: number;
  readonly arrayBuffersMb: number;
  readonly heapSpacesMb: Readonly<Record<string, number>>;
  /** RSS by kind of mapping: file (code), mallocHeap, anonymous (V8 heaps of every thread, arenas). */
  readonly rssByMappingMb?: Readonly<Record<string, number>>;
}

export interface WorkerReport {
  readonly mode: BotMode;
  readonly status: BotStatus;
  /** Share of one core over the steady window. */
  readonly cpuPercent: number;
  readonly lagP50Ms: number;
  readonly lagP99Ms: number;
  readonly lagMaxMs: number;
  readonly lagSamples: number;
  /** Share of the window the event loop was busy. */
  readonly eventLoopUtilization: number;
  /** Since the process started. */
  readonly peakRssMb: number;
  /** Highest RSS sampled (every 100 ms) during the window. */
  readonly windowMaxRssMb: number;
  readonly memory: MemoryBreakdown;
  readonly heapAfterGcMb?: number;
  readonly rssAfterGcMb?: number;
  readonly counts: ProbeCounts;
  readonly rfqTimings: readonly RfqTiming[];
  readonly confirmTimings: readonly ConfirmTiming[];
  readonly maxQueuedWrites: number;
  readonly minQueuedWrites: number;
  readonly queue:
    | { readonly writeTokensSpent: number; readonly readTokensSpent: number; readonly rateLimited: number }
    | undefined;
  readonly counters: Record<string, number>;
  readonly naiveErrors: number;
}

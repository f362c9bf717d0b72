/** Messages between bench/run.ts and bench/bot-worker.ts. */
import type { BotSettings } from './config.js';
import type { ConfirmTiming, ProbeCounts, RfqTiming } from './probe.js';
import type { SimInfo } from './sim-types.js';

/** `bot`: the App as shipped; `unbudgeted`: the App with an unlimited gate; `naive`: the SDK loop. */
export type BotMode = 'bot' | 'unbudgeted' | 'naive';

export interface WorkerSettings extends BotSettings {
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

/**
 * The dashboard's engine: one timer, once a second, samples the token budgets (and every ten
 * seconds the P&L) and, while anyone watches, builds the state once and writes the same bytes
 * to every stream. Activity (accepts, fills, kill switch) is pushed as it happens, from a
 * timer of its own so that the quoting path that reported it never waits for a socket.
 */
import type { ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Logger } from 'pino';
import { repeatEvery, type Timer } from '../../domain/clock.js';
import type { EpochMs } from '../../domain/types.js';
import type { ActivityNotice } from './activity.js';
import type { ActivityEvent, BudgetSample, DashboardState, FillRow, PnlPoint } from './api-types.js';
import { dayStartCache, downsample, SampleRing } from './history.js';
import type { DashboardSources } from './sources.js';
import { killSwitchView, StateBuilder } from './state.js';
import { acceptView, dollars, executionRow, journaledFillRow } from './trading-view.js';

export interface DashboardOptions {
  readonly sources: DashboardSources;
  readonly logger: Logger;
  /** How often the state is pushed (and at most how often it is built). @default 1000 */
  readonly intervalMs?: number;
  /** A stream whose reader lags by more than this many buffered bytes is closed. @default 4 MiB */
  readonly maxBufferedBytes?: number;
}

/** Ten minutes of token use, one sample a second. */
const BUDGET_SAMPLES = 600;
/** A day of P&L, one point every ten seconds. */
const PNL_SAMPLE_EVERY = 10;
const PNL_SAMPLES = 8_640;
/** Most points in a chart series sent to a page. */
export const MAX_CHART_POINTS = 720;
/** Activity events written per flush; a burst beyond this is summarised by the next state. */
const MAX_EVENTS_PER_FLUSH = 200;

interface PnlSample {
  readonly at: EpochMs;
  readonly day: string;
  readonly realized: number;
  readonly total: number;
}

export class Dashboard {
  readonly #sources: DashboardSources;
  readonly #log: Logger;
  readonly #intervalMs: number;
  readonly #maxBuffered: number;
  readonly #builder: StateBuilder;
  readonly #dayStart: ReturnType<typeof dayStartCache>;
  readonly #budgetSamples = new SampleRing<BudgetSample>(BUDGET_SAMPLES);
  readonly #pnlSamples = new SampleRing<PnlSample>(PNL_SAMPLES);
  readonly #clients = new Set<ServerResponse>();
  readonly #cleanups: (() => void)[] = [];
  #timer: Timer | undefined;
  #ticks = 0;
  #lastSpent: { read: number; write: number } | undefined;
  #cached: { at: EpochMs; state: DashboardState; json: string } | undefined;
  #pending: ActivityEvent[] = [];
  #flushing = false;
  /** States built since start: what proves the build is shared between viewers. */
  builds = 0;
  /** Event-loop time the dashboard's timer took (sampling, building, writing), for the benchmark. */
  readonly cost = { ticks: 0, busyMs: 0, maxTickMs: 0 };

  constructor(options: DashboardOptions) {
    this.#sources = options.sources;
    this.#log = options.logger;
    this.#intervalMs = options.intervalMs ?? 1_000;
    this.#maxBuffered = options.maxBufferedBytes ?? 4 * 1024 * 1024;
    this.#builder = new StateBuilder(this.#sources);
    this.#dayStart = dayStartCache(this.#sources.dayTimeZone);
  }

  get clients(): number {
    return this.#clients.size;
  }

  start(): void {
    if (this.#timer) return;
    const sources = this.#sources;
    this.#cleanups.push(
      sources.activity.onNotice((notice) => this.#enqueue(activityEvent(notice, sources.redact))),
      sources.killSwitch.onChange((state) =>
        this.#enqueue({ type: 'kill_switch', ...killSwitchView(state, sources.redact) }),
      ),
    );
    this.#sample();
    this.#timer = repeatEvery(sources.clock, this.#intervalMs, () => this.#tick(), { unref: true });
  }

  /** The current state: built now only when the last one is a whole interval old. */
  current(): { readonly state: DashboardState; readonly json: string } {
    const now = this.#sources.clock.now();
    if (this.#cached && now - this.#cached.at < this.#intervalMs) return this.#cached;
    const { day, start } = this.#dayStart(now);
    const state = this.#builder.build({ day, dayStart: start });
    this.builds++;
    this.#cached = { at: now, state, json: JSON.stringify(state) };
    return this.#cached;
  }

  /** Takes over `res` as an event stream until either side closes it. */
  addClient(res: ServerResponse, onClose: () => void): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
      'x-content-type-options': 'nosniff',
    });
    res.socket?.setNoDelay(true);
    this.#clients.add(res);
    res.once('close', () => {
      this.#clients.delete(res);
      onClose();
    });
    // The reconnect delay, then the state at once: a new viewer does not wait a tick.
    this.#write(res, `retry: 2000\n\nevent: state\ndata: ${this.current().json}\n\n`);
  }

  budgetHistory(): BudgetSample[] {
    return this.#budgetSamples.toArray();
  }

  /** The day's P&L: the journal's snapshots (which survive restarts), then this process's samples. */
  pnlSeries(from: EpochMs | undefined): PnlPoint[] {
    const now = this.#sources.clock.now();
    const { day, start } = this.#dayStart(now);
    const since = Math.max(from ?? start, start);
    const journal = this.#sources.journal();
    const points: PnlSample[] = [];
    if (journal) {
      for (const record of journal.pnl(since, now + 1)) if (record.day === day) points.push(record);
    }
    const after = points.at(-1)?.at ?? since - 1;
    for (const sample of this.#pnlSamples.toArray()) {
      if (sample.day === day && sample.at > after && sample.at >= since) points.push(sample);
    }
    const live = this.#sources.exposure.snapshot().pnl;
    if (live.day === day || live.day === '') {
      points.push({ at: now, day, realized: live.realized, total: live.total });
    }
    return downsample(points, MAX_CHART_POINTS).map((point) => ({
      at: point.at,
      realized: dollars(point.realized),
      marked: dollars(point.total),
    }));
  }

  /** Fills traded at or after `since`, newest first (the journal's once it records fills, else our executions). */
  fills(since: EpochMs, limit: number): { source: 'journal' | 'memory'; fills: FillRow[] } {
    const now = this.#sources.clock.now();
    const journal = this.#sources.journal();
    if (journal?.recordsFills()) {
      return { source: 'journal', fills: journal.latestFills(since, now + 1, limit).map(journaledFillRow) };
    }
    return { source: 'memory', fills: this.#sources.activity.executions(since, limit).map(executionRow) };
  }

  /** Stops the timers and ends every stream. */
  close(): void {
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#pending = [];
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    for (const res of this.#clients) res.end();
    this.#clients.clear();
  }

  #tick(): void {
    const started = performance.now();
    try {
      this.#sample();
      if (this.#clients.size === 0) return;
      const { json } = this.current();
      this.#broadcast(`event: state\ndata: ${json}\n\n`);
    } catch (error) {
      this.#log.error({ err: error }, 'dashboard update failed');
    } finally {
      const took = performance.now() - started;
      this.cost.ticks++;
      this.cost.busyMs += took;
      this.cost.maxTickMs = Math.max(this.cost.maxTickMs, took);
    }
  }

  #sample(): void {
    const sources = this.#sources;
    const now = sources.clock.now();
    const spent = sources.tokensSpent();
    if (spent) {
      const last = this.#lastSpent ?? spent;
      this.#budgetSamples.push({
        at: now,
        readSpent: round1(spent.read - last.read),
        writeSpent: round1(spent.write - last.write),
        readAvailable: round1(sources.budget('read')?.available ?? 0),
        writeAvailable: round1(sources.budget('write')?.available ?? 0),
      });
      this.#lastSpent = { read: spent.read, write: spent.write };
    }
    if (this.#ticks++ % PNL_SAMPLE_EVERY === 0) {
      const pnl = sources.exposure.snapshot().pnl;
      if (this.#pnlSamples.last()?.day !== pnl.day) this.#pnlSamples.clear();
      this.#pnlSamples.push({ at: now, day: pnl.day, realized: pnl.realized, total: pnl.total });
    }
  }

  #enqueue(event: ActivityEvent): void {
    if (this.#clients.size === 0) return;
    if (this.#pending.length < MAX_EVENTS_PER_FLUSH) this.#pending.push(event);
    if (this.#flushing) return;
    this.#flushing = true;
    // After this turn of the event loop, not after a time: no clock is involved.
    setImmediate(() => {
      this.#flushing = false;
      const events = this.#pending;
      this.#pending = [];
      let text = '';
      for (const item of events) text += `event: activity\ndata: ${JSON.stringify(item)}\n\n`;
      if (text) this.#broadcast(text);
    });
  }

  #broadcast(text: string): void {
    for (const res of this.#clients) this.#write(res, text);
  }

  #write(res: ServerResponse, text: string): void {
    if (res.writableLength > this.#maxBuffered) {
      this.#log.warn(
        { bufferedBytes: res.writableLength, remoteAddress: res.socket?.remoteAddress },
        'dashboard stream closed: the viewer is not reading',
      );
      res.destroy();
      return;
    }
    res.write(text);
  }
}

function activityEvent(notice: ActivityNotice, redact: (text: string) => string): ActivityEvent {
  return notice.kind === 'accept'
    ? { type: 'accept', ...acceptView(notice.record, redact) }
    : { type: 'execution', ...executionRow(notice.record) };
}

const round1 = (n: number) => (Number.isFinite(n) ? Math.round(n * 10) / 10 : 0);

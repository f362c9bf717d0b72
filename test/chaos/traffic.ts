/**
 * Requester-side load while a fault is on: new RFQs on the busy markets, some closed again by
 * their requesters, and accepts of our open quotes (so confirms run under the fault too).
 */
import type { SimQuote } from '../helpers/bot.js';
import { acceptQuote, createRfqs, ourQuotes, type World } from './world.js';

export interface TrafficOptions {
  readonly rfqEveryMs?: number;
  readonly acceptEveryMs?: number;
  /** Accepts per run: positions stay well inside the limits the probes need. */
  readonly maxAccepts?: number;
  /** Share of new RFQs their requester closes again after 1-3 s. */
  readonly closeShare?: number;
  readonly minContracts?: number;
  readonly maxContracts?: number;
  /**
   * At stop, the requesters close every RFQ of the traffic still open: the flood ends. Where the
   * quotes churn fast (a 1 s TTL), the RFQs left open keep the write budget saturated with
   * deletes and re-quotes after the fault, and a probe waits its turn behind them. @default false
   */
  readonly withdrawAtStop?: boolean;
  /** Share of accepts that take only part of the offer (25–90% of it). @default 0 */
  readonly partialShare?: number;
  /** Which open quote of ours to accept next (default: a random one on a busy RFQ). */
  readonly pick?: (open: readonly SimQuote[]) => SimQuote | undefined;
  readonly random?: () => number;
}

export class Traffic {
  readonly rfqs: string[] = [];
  readonly accepted: string[] = [];
  partial = 0;
  closed = 0;
  errors = 0;
  #timers: NodeJS.Timeout[] = [];
  #pending = new Set<Promise<unknown>>();
  #stopped = false;
  readonly #random: () => number;

  constructor(
    private readonly world: World,
    private readonly options: TrafficOptions = {},
  ) {
    this.#random = options.random ?? Math.random;
  }

  start(): void {
    const { rfqEveryMs = 600, acceptEveryMs = 1_500 } = this.options;
    this.#timers.push(setInterval(() => this.#track(this.#newRfq()), rfqEveryMs));
    this.#timers.push(setInterval(() => this.#track(this.#accept()), acceptEveryMs));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    await Promise.allSettled([...this.#pending]);
    if (this.options.withdrawAtStop) {
      // One already closed (closeShare, or expired) answers an error: nothing to do for it.
      await Promise.allSettled(
        this.rfqs.map((id) =>
          this.world.admin('POST', `/_sim/rfqs/${id}/close`, { reason: 'deleted_by_creator' }),
        ),
      );
    }
  }

  #track(work: Promise<unknown>): void {
    const p = work.catch(() => {
      this.errors++;
    });
    this.#pending.add(p);
    void p.finally(() => this.#pending.delete(p));
  }

  async #newRfq(): Promise<void> {
    if (this.#stopped) return;
    const { minContracts = 10, maxContracts = 50, closeShare = 0.25 } = this.options;
    const market = this.world.busy[Math.floor(this.#random() * this.world.busy.length)]!;
    const contracts = minContracts + Math.floor(this.#random() * (maxContracts - minContracts + 1));
    const [id] = await createRfqs(this.world, market, 1, contracts);
    if (!id) return;
    this.rfqs.push(id);
    if (this.#random() < closeShare) {
      const timer = setTimeout(
        () =>
          this.#track(
            this.world.admin('POST', `/_sim/rfqs/${id}/close`, { reason: 'deleted_by_creator' }).then(() => {
              this.closed++;
            }),
          ),
        1_000 + this.#random() * 2_000,
      );
      this.#timers.push(timer);
    }
  }

  async #accept(): Promise<void> {
    if (this.#stopped) return;
    if (this.accepted.length >= (this.options.maxAccepts ?? 6)) return;
    const open = await ourQuotes(this.world, 'open');
    const busy = new Set(this.world.busy);
    const candidates = open.filter((q) => busy.has(q.market_ticker));
    const pick =
      this.options.pick?.(candidates) ?? candidates[Math.floor(this.#random() * candidates.length)];
    if (!pick) return;
    const partial =
      this.#random() < (this.options.partialShare ?? 0) ? 0.25 + this.#random() * 0.65 : undefined;
    if (await acceptQuote(this.world, pick, partial)) {
      this.accepted.push(pick.id);
      if (partial !== undefined) this.partial++;
    }
  }
}

/**
 * Several instances on one Kalshi account, through Redis (docs/cluster.md): the rate budgets
 * and the exposure are shared, each RFQ is quoted by one instance at most, and in a group one
 * leader quotes while the others stand by. Built only when `cluster.redis` is set; without it
 * none of this runs.
 */
import type { Logger } from 'pino';
import type { Registry } from 'prom-client';
import type { ClusterConfig } from '../config/index.js';
import { type Clock, repeatEvery, type Timer } from '../domain/clock.js';
import type { TierLimits } from '../domain/rate-limits.js';
import type { EpochMs, Quote } from '../domain/types.js';
import { GateRejectedError } from '../kalshi/gate.js';
import type { ClusterGateChange, ClusterHooks, QuoteWrites } from '../quotes/context.js';
import type { OwnQuotesSource } from '../quotes/own-quote-watcher.js';
import { RedisBudget } from './budgets.js';
import { ClusterConnection, RECONNECT_MAX_MS } from './connection.js';
import type { ClusterExposureBook } from './exposure-book.js';
import { clusterKeys } from './keys.js';
import { Membership } from './membership.js';
import { type ClusterMetrics, createClusterMetrics } from './metrics.js';
import { Reservations } from './reservations.js';

export interface ClusterOptions {
  readonly config: ClusterConfig & { readonly redis: string };
  readonly namespace: string;
  readonly password?: string | undefined;
  readonly limits: TierLimits;
  readonly budgetSafety: number;
  readonly exposure: ClusterExposureBook;
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
}

interface GateState {
  readonly open: boolean;
  readonly pull: boolean;
  readonly reason: string;
}

const OPEN: GateState = Object.freeze({ open: true, pull: false, reason: 'quoting' });
const STARTING: GateState = Object.freeze({ open: false, pull: false, reason: 'starting' });

export class Cluster implements ClusterHooks {
  readonly connection: ClusterConnection;
  readonly budget: RedisBudget;
  readonly membership: Membership;
  readonly reservations: Reservations;
  readonly metrics: ClusterMetrics;
  readonly #options: ClusterOptions;
  readonly #log: Logger;
  readonly #listeners = new Set<(change: ClusterGateChange) => void>();
  #gate: GateState = STARTING;
  #takingOver = false;
  #takeover: (() => Promise<void>) | undefined;
  #timer: Timer | undefined;
  #refreshing = false;
  #closed = false;
  /**
   * Redis answered again: no new quote until the other instances have had time to notice it and
   * re-publish their reservations (Redis may have lost them), and we have read them. Opening at
   * once let an instance quote into room another's lost reservations still held (chaos
   * `cluster-redis-restart`: 5 quotes on an event whose limit is 4).
   */
  #resyncUntil: number | undefined;

  constructor(options: ClusterOptions) {
    this.#options = options;
    const { config, clock } = options;
    this.#log = options.logger.child({ module: 'cluster' });
    const keys = clusterKeys(options.namespace);
    this.connection = new ClusterConnection({
      url: config.redis,
      password: options.password,
      commandTimeoutMs: Math.max(200, Math.round(config.failoverMs / 10)),
      logger: this.#log,
      clock,
    });
    this.budget = new RedisBudget({
      connection: this.connection,
      keys,
      limits: options.limits,
      safety: options.budgetSafety,
      localShare: config.localShare,
      clock,
      logger: this.#log,
    });
    this.membership = new Membership({
      connection: this.connection,
      keys,
      group: config.group,
      failoverMs: config.failoverMs,
      clock,
      logger: this.#log,
      fillsBookedThrough: () => options.exposure.fillsBookedThrough,
    });
    this.reservations = new Reservations({
      connection: this.connection,
      keys,
      instanceId: this.membership.id,
      clock,
      logger: this.#log,
    });
    options.exposure.share(this.reservations);
    this.metrics = createClusterMetrics(options.registry);
  }

  get instanceId(): string {
    return this.membership.id;
  }

  /** Every fill before `through` is booked here: the others may drop their executed reservations. */
  fillsCaughtUp(through: EpochMs): void {
    const exposure = this.#options.exposure;
    exposure.fillsBookedThrough = Math.max(exposure.fillsBookedThrough, through);
  }

  /** Connects, announces this instance, reads the others' reservations, starts the heartbeat. */
  async start(): Promise<void> {
    const { config } = this.#options;
    this.connection.onChange((up) => {
      this.metrics.redisUp.set(up ? 1 : 0);
      // The first connect of start() is no return: start() joins and reads the others itself.
      if (up && this.#timer !== undefined) {
        this.#resyncUntil = this.#options.clock.now() + RECONNECT_MAX_MS + this.membership.intervalMs;
        this.#log.warn('cluster: Redis answers again; re-publishing our reservations');
        void this.membership
          .tick()
          .then(() => this.reservations.republish())
          .catch((error: unknown) => this.#log.warn({ err: error }, 'cluster: re-sync failed; retrying'))
          .finally(() => this.#update());
      } else if (!up) {
        this.#log.error(
          { onRedisDown: config.onRedisDown, localShare: config.localShare },
          config.onRedisDown === 'stop'
            ? 'cluster: Redis unreachable: pulling every quote until it answers'
            : `cluster: Redis unreachable: no new quotes, ${config.localShare} of the rate budget, live quotes kept for at most ${this.membership.ttlMs} ms`,
        );
      }
      this.#update();
    });
    this.membership.onRoleChange((change) => {
      this.metrics.leader.set(change.leader ? 1 : 0);
      if (change.leader) void this.#promoted();
      this.#update();
    });
    this.membership.onRejoin(() => {
      this.#log.warn('cluster: our presence had lapsed; re-publishing our reservations');
      void this.reservations.republish().catch(() => undefined);
    });
    const connected = await this.connection.connect();
    this.metrics.redisUp.set(connected ? 1 : 0);
    await this.membership.start();
    if (connected) await this.reservations.sync().catch(() => undefined);
    this.#timer = repeatEvery(this.#options.clock, this.membership.intervalMs, () => void this.#refresh(), {
      unref: true,
    });
    this.#log.info(
      {
        instance: this.membership.id,
        group: config.group,
        namespace: this.#options.namespace,
        redisUp: connected,
        failoverMs: config.failoverMs,
      },
      config.group
        ? `cluster: instance ${this.membership.id} in group ${config.group}, standing by until it holds the lease`
        : `cluster: instance ${this.membership.id} sharing budgets and exposure`,
    );
    this.#update();
  }

  /** Runs on every promotion before quoting opens: adopt or delete what the old leader left. */
  setTakeover(takeover: () => Promise<void>): void {
    this.#takeover = takeover;
  }

  /** Another instance's quotes ended or executed (`count` of them): room under the shared limits. */
  onOthersFreed(listener: (count: number) => void): () => void {
    return this.reservations.onOthersFreed(listener);
  }

  /** Whether another instance published `orderId` as its quote's (its fills are not strangers). */
  othersOrder(orderId: string): boolean {
    return this.reservations.othersOrder(orderId);
  }

  /** Whether new quotes may be admitted now; unlike `blocked()`, it changes nothing. */
  get open(): boolean {
    return this.#state().open;
  }

  blocked(): string | undefined {
    this.#update();
    return this.#gate.open ? undefined : this.#gate.reason;
  }

  onChange(listener: (change: ClusterGateChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  async admit(exposureId: string, recheck: () => string | undefined): Promise<string | undefined> {
    const refusal = this.blocked() ?? (await this.reservations.admit(exposureId, recheck));
    this.metrics.admissions.inc({ outcome: refusal === undefined ? 'admitted' : outcomeOf(refusal) });
    return refusal;
  }

  /** The writes of the quote manager, with creates and confirms fenced; deletes always go. */
  fence(client: QuoteWrites): QuoteWrites {
    const check = async (endpoint: string) => {
      if (await this.membership.mayWrite()) return;
      this.metrics.fenced.inc({ endpoint });
      this.#update();
      const why = this.membership.group
        ? 'this instance does not hold the leader lease'
        : 'our cluster presence lapsed';
      throw new GateRejectedError(`${endpoint} not sent: ${why} (fenced)`, endpoint, 'closed');
    };
    return {
      createQuote: async (args, call) => {
        await check('create_quote');
        return client.createQuote(args, call);
      },
      confirmQuote: async (rfqId, quoteId, opts) => {
        await check('confirm_quote');
        return client.confirmQuote(rfqId, quoteId, opts);
      },
      deleteQuote: (rfqId, quoteId, call) => client.deleteQuote(rfqId, quoteId, call),
      getQuote: (rfqId, quoteId, call) => client.getQuote(rfqId, quoteId, call),
      getRfq: (rfqId, call) => client.getRfq(rfqId, call),
      getOrder: (orderId, call) => client.getOrder(orderId, call),
      // Cancelling a resting remainder only reduces exposure: never fenced, like a delete.
      cancelOrder: (orderId, call) => client.cancelOrder(orderId, call),
      fills: (filter, call) => client.fills(filter, call),
    };
  }

  /**
   * "Our" quotes at the exchange are the account's: leaves out those another live instance
   * claims (reading the claims afresh before passing on a quote nobody seems to own), and,
   * while Redis is unreachable, every quote whose owner cannot be told.
   */
  ownQuotes(source: OwnQuotesSource): OwnQuotesSource {
    const reservations = this.reservations;
    const connection = this.connection;
    async function* filtered(quotes: AsyncIterable<Quote>): AsyncGenerator<Quote> {
      // Whether this listing read the others' reservations: a quote none of them claims is ours
      // (a stray to adopt or delete) only then. A failed read leaves a view that may lack
      // another instance's newest quotes, which would then be deleted as strays.
      let synced: boolean | undefined;
      for await (const quote of quotes) {
        if (reservations.ownsRfq(quote.rfqId)) {
          yield quote;
          continue;
        }
        synced ??=
          connection.up &&
          (await reservations.sync().then(
            () => true,
            () => false,
          ));
        if (!synced || !connection.up || reservations.claimedByOther(quote.rfqId)) continue;
        yield quote;
      }
    }
    return { quotes: (filter, options) => filtered(source.quotes(filter, options)) };
  }

  /** For /readyz: up and quoting (or a standby ready to take over). */
  readiness(): { name: string; ok: boolean; detail: string } {
    const up = this.connection.up;
    const role = this.membership.group ? (this.membership.leading() ? 'leader' : 'standby') : 'member';
    const detail = `${role}, Redis ${up ? 'up' : 'unreachable'}, ${this.reservations.members} other instance(s); ${this.#gate.reason}`;
    return { name: 'cluster', ok: up && this.membership.present(), detail };
  }

  /** Shutdown, after our quotes were pulled: give the lease and presence up. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#timer?.cancel();
    this.#listeners.clear();
    await this.membership.leave();
    await this.connection.close();
  }

  async #promoted(): Promise<void> {
    this.#takingOver = true;
    this.#update();
    try {
      await this.reservations.sync().catch(() => undefined);
      await this.#takeover?.();
    } catch (error) {
      this.#log.error({ err: error }, 'cluster: takeover failed; quoting anyway');
    } finally {
      this.#takingOver = false;
      this.#update();
    }
  }

  async #refresh(): Promise<void> {
    if (this.#refreshing || this.#closed) return;
    this.#refreshing = true;
    try {
      if (this.connection.up) {
        await this.reservations.refresh();
        // Read after every instance has had time to re-publish: the re-sync is complete.
        if (this.#resyncUntil !== undefined && this.#options.clock.now() >= this.#resyncUntil) {
          this.#resyncUntil = undefined;
          this.#log.info('cluster: re-synced with the other instances; quoting resumes');
        }
      }
      this.metrics.members.set(this.reservations.members);
    } catch {
      // Reported through the connection state; the next tick tries again.
    } finally {
      this.#refreshing = false;
      this.#update();
    }
  }

  #state(): GateState {
    const { config } = this.#options;
    if (this.#closed) return { open: false, pull: false, reason: 'cluster closed' };
    if (config.group !== undefined && !this.membership.leading())
      return { open: false, pull: true, reason: 'standby: another instance leads' };
    if (!this.membership.present()) {
      // Not joined yet: no quote of ours exists to pull, and nothing has lapsed.
      if (!this.membership.joined)
        return this.connection.up
          ? STARTING
          : { open: false, pull: false, reason: 'Redis unreachable: cannot join the cluster yet' };
      return { open: false, pull: true, reason: 'our cluster presence lapsed (Redis unreachable too long)' };
    }
    if (!this.connection.up) {
      return config.onRedisDown === 'stop'
        ? { open: false, pull: true, reason: 'Redis unreachable (onRedisDown: stop)' }
        : { open: false, pull: false, reason: 'Redis unreachable: live quotes kept, no new ones' };
    }
    if (this.#resyncUntil !== undefined)
      return { open: false, pull: false, reason: 're-syncing reservations after Redis returned' };
    if (this.#takingOver) return { open: false, pull: false, reason: 'taking over from the previous leader' };
    return OPEN;
  }

  #update(): void {
    const next = this.#state();
    const previous = this.#gate;
    this.#gate = next;
    if (next.open === previous.open && next.pull === previous.pull) return;
    if (previous.reason !== 'starting' || next.pull || next.open) {
      this.#log.info(
        { open: next.open, pull: next.pull, reason: next.reason },
        `cluster gate: ${next.reason}`,
      );
    }
    for (const listener of [...this.#listeners]) {
      try {
        listener(next);
      } catch (error) {
        this.#log.warn({ err: error }, 'cluster gate listener threw');
      }
    }
  }
}

function outcomeOf(refusal: string): string {
  if (refusal.startsWith('Redis')) return 'redis_down';
  if (refusal === 'another instance quotes this RFQ') return 'claimed';
  if (refusal.startsWith('standby') || refusal.includes('presence')) return 'not_leader';
  return 'limits';
}

/**
 * Exposure shared between instances: each instance publishes its live quotes (as the exposure
 * book records them) as reservations in Redis and mirrors everybody else's. A new quote is
 * admitted by a compare-and-set: the reservation is written only if no other instance added
 * exposure since the view the guard approved it under; otherwise the view is read again and
 * the guard asked again. Releases never need a check: they only lower exposure.
 *
 * Each reservation also claims its RFQ: two instances on one account must never quote the same
 * RFQ (a second quote of one user replaces the first at the exchange).
 */
import type { Logger } from 'pino';
import type { Clock } from '../domain/clock.js';
import { RecentSet } from '../domain/recent.js';
import type { QuoteExposure } from '../risk/snapshot.js';
import type { ClusterConnection } from './connection.js';
import type { ClusterKeys } from './keys.js';

/** A reservation as stored: the owner's exposure record, and when it executed (if it did). */
interface StoredReservation {
  readonly e: QuoteExposure;
  readonly x?: number;
}

export interface RemoteReservation {
  readonly field: string;
  readonly owner: string;
  readonly exposure: QuoteExposure;
  readonly executedAt?: number;
}

interface OwnReservation {
  readonly field: string;
  readonly rfqId: string;
  /** The record to publish; undefined once released. */
  stored: StoredReservation | undefined;
  /** An admission is publishing it: the change hook leaves the first write to it. */
  admitting: boolean;
  /** Writes of one reservation go one after the other. */
  chain: Promise<void>;
}

/** Slack on `fillsBookedThrough`: a fill may be stamped a little before its execution is published. */
export const FILL_OVERLAP_MS = 2_000;
/** An executed reservation is dropped after this even if some instance never catches up. */
const EXECUTED_MAX_MS = 10 * 60_000;
const MAX_ADMIT_ATTEMPTS = 8;
/** Far more orders than the others execute within a fill's attribution grace (30 s). */
const OTHERS_ORDERS_KEPT = 10_000;

export interface ReservationsOptions {
  readonly connection: ClusterConnection;
  readonly keys: ClusterKeys;
  readonly instanceId: string;
  readonly clock: Clock;
  readonly logger: Logger;
}

export class Reservations {
  readonly #options: ReservationsOptions;
  readonly #own = new Map<string, OwnReservation>();
  #remote = new Map<string, RemoteReservation>();
  /** Other live instances → the time each has booked every fill before (`fillsBookedThrough`). */
  #members = new Map<string, number>();
  /** Order ids the others' reservations named: their fills reach us too, and are not strangers. */
  readonly #othersOrders = new RecentSet<string>(OTHERS_ORDERS_KEPT);
  #version = 0;
  #syncing: Promise<void> | undefined;
  readonly #freedListeners = new Set<(count: number) => void>();
  /** Releases that could not be written (Redis down): done by the next full re-sync. */
  #dirty = false;

  constructor(options: ReservationsOptions) {
    this.#options = options;
  }

  get version(): number {
    return this.#version;
  }

  /** Other instances' live reservations, as last read. */
  remote(): readonly RemoteReservation[] {
    return [...this.#remote.values()];
  }

  /** A fill no quote of ours claims: another instance's, whose accept a sync now brings in. */
  othersTraded(): void {
    if (this.#options.connection.up) void this.sync().catch(() => undefined);
  }

  /** Whether another instance published `orderId` as its quote's (remembered after it released it). */
  othersOrder(orderId: string): boolean {
    return this.#othersOrders.has(orderId);
  }

  /**
   * Calls `listener` with how many of the others' live quotes a read found gone or executed
   * since the last: room under shared limits that RFQs we turned away may fit now.
   */
  onOthersFreed(listener: (count: number) => void): () => void {
    this.#freedListeners.add(listener);
    return () => this.#freedListeners.delete(listener);
  }

  /** Other live instances, as last read. */
  get members(): number {
    return this.#members.size;
  }

  /** Whether another live instance holds (or is about to send) a quote on this RFQ, as last read. */
  claimedByOther(rfqId: string): boolean {
    for (const r of this.#remote.values()) if (r.exposure.rfqId === rfqId) return true;
    return false;
  }

  /** Whether one of our own reservations is on this RFQ. */
  ownsRfq(rfqId: string): boolean {
    for (const own of this.#own.values()) if (own.rfqId === rfqId && own.stored !== undefined) return true;
    return false;
  }

  /**
   * The exposure book changed one of our quotes (undefined: it is no longer live). A new quote
   * is published by its admission; adopted quotes and later changes are published here.
   */
  changed(localId: string, exposure: QuoteExposure | undefined, executedAt?: number): void {
    const existing = this.#own.get(localId);
    if (exposure === undefined && executedAt === undefined) {
      if (!existing) return;
      existing.stored = undefined;
      this.#enqueue(existing, () => this.#release(existing));
      return;
    }
    const stored: StoredReservation = {
      e: exposure ?? existing?.stored?.e ?? (undefined as never),
      ...(executedAt === undefined ? {} : { x: executedAt }),
    };
    if (stored.e === undefined) return;
    if (existing) {
      existing.stored = stored;
      // An accept can add exposure (expected model): versioned, never refused — it happened.
      this.#enqueue(existing, () => this.#write(existing, 'bump'));
      return;
    }
    const own: OwnReservation = {
      field: `${this.#options.instanceId}|${localId}`,
      rfqId: stored.e.rfqId,
      stored,
      admitting: false,
      chain: Promise.resolve(),
    };
    this.#own.set(localId, own);
    // The quoter admits a new quote in the same tick; anything else (adopted) is published as is.
    queueMicrotask(() => {
      if (!own.admitting) this.#enqueue(own, () => this.#write(own, 'bump'));
    });
  }

  /**
   * Publishes a new quote before its create is sent, if the account-wide view the guard
   * approved it under still holds. `recheck` runs the guard again on a fresh view (this quote
   * left out) and says why not, if not. Resolves undefined when admitted, else the reason.
   */
  async admit(localId: string, recheck: () => string | undefined): Promise<string | undefined> {
    const own = this.#own.get(localId);
    if (!own || own.stored === undefined) return 'the quote is no longer reserved';
    own.admitting = true;
    const { connection, logger } = this.#options;
    if (!connection.up) return 'Redis is unreachable: no new quote until it answers';
    for (let attempt = 0; attempt < MAX_ADMIT_ATTEMPTS; attempt++) {
      let reply: [number, string?];
      try {
        reply = (await this.#reserve(own, 'check')) as [number, string?];
      } catch {
        return 'Redis is unreachable: no new quote until it answers';
      }
      if (own.stored === undefined) {
        // Released while we waited (the RFQ went): take the write back.
        this.#enqueue(own, () => this.#release(own));
        return 'the quote was released';
      }
      if (reply[0] === 1) return undefined;
      if (reply[0] === -2) return 'another instance quotes this RFQ';
      if (reply[0] === -1) return 'our cluster presence lapsed';
      await this.sync();
      const refusal = recheck();
      if (refusal) return refusal;
      logger.debug({ attempt }, 'another instance added exposure meanwhile; admitted again');
    }
    return 'the shared exposure kept changing; giving up on this quote';
  }

  /** Reads every live reservation (dropping those of lapsed instances). Concurrent calls share one read. */
  sync(): Promise<void> {
    this.#syncing ??= this.#sync().finally(() => {
      this.#syncing = undefined;
    });
    return this.#syncing;
  }

  /**
   * Writes all our reservations again and drops those Redis has that we no longer hold: after
   * Redis restarted or lost its data, or our presence lapsed and the others dropped us.
   */
  async republish(): Promise<void> {
    const { connection, keys, instanceId } = this.#options;
    const fields = (await connection.command('hkeys', (redis) => redis.hkeys(keys.reservations))).filter(
      (f) => f.startsWith(`${instanceId}|`),
    );
    const held = new Set([...this.#own.values()].filter((o) => o.stored).map((o) => o.field));
    for (const field of fields) {
      if (!held.has(field)) await connection.command('hdel', (redis) => redis.hdel(keys.reservations, field));
    }
    for (const own of this.#own.values()) {
      if (own.stored !== undefined) this.#enqueue(own, () => this.#write(own, 'bump'));
    }
    await Promise.all([...this.#own.values()].map((own) => own.chain));
    this.#dirty = false;
    await this.sync();
  }

  /** Housekeeping each tick: a fresh view, and executed reservations everyone has seen dropped. */
  async refresh(): Promise<void> {
    if (this.#dirty) await this.republish();
    else await this.sync();
    const now = this.#options.clock.now();
    const seenBy = Math.min(Number.POSITIVE_INFINITY, ...this.#members.values());
    for (const [localId, own] of this.#own) {
      const executedAt = own.stored?.x;
      if (executedAt === undefined) continue;
      if (seenBy > executedAt + FILL_OVERLAP_MS || now - executedAt > EXECUTED_MAX_MS) {
        own.stored = undefined;
        this.#enqueue(own, () => this.#release(own));
        this.#own.delete(localId);
      }
    }
  }

  async #sync(): Promise<void> {
    const { connection, keys, instanceId } = this.#options;
    const reply = (await connection.run(
      'snapshot',
      keys.reservations,
      keys.version,
      keys.claims,
      keys.instances,
      keys.presencePrefix,
    )) as [string, string[], string[]];
    const members = new Map<string, number>();
    for (let i = 0; i + 1 < reply[1].length; i += 2) {
      if (reply[1][i] !== instanceId) members.set(reply[1][i]!, Number(reply[1][i + 1]) || 0);
    }
    const remote = new Map<string, RemoteReservation>();
    for (let i = 0; i + 1 < reply[2].length; i += 2) {
      const field = reply[2][i]!;
      const owner = field.slice(0, field.indexOf('|'));
      if (owner === instanceId) continue;
      const parsed = parseStored(reply[2][i + 1]!);
      if (!parsed) {
        this.#options.logger.warn({ field }, 'unreadable reservation in Redis; ignored');
        continue;
      }
      if (parsed.e.orderId !== undefined) this.#othersOrders.add(parsed.e.orderId);
      remote.set(field, {
        field,
        owner,
        exposure: parsed.e,
        ...(parsed.x === undefined ? {} : { executedAt: parsed.x }),
      });
    }
    this.#version = Number(reply[0]) || 0;
    let freed = 0;
    for (const [field, before] of this.#remote) {
      const after = remote.get(field);
      if (!after || (before.executedAt === undefined && after.executedAt !== undefined)) freed++;
    }
    this.#remote = remote;
    this.#members = members;
    if (freed > 0) for (const listener of [...this.#freedListeners]) listener(freed);
  }

  #reserve(own: OwnReservation, mode: 'check' | 'bump' | 'plain'): Promise<unknown> {
    const { connection, keys, instanceId } = this.#options;
    return connection.run(
      'reserve',
      keys.reservations,
      keys.version,
      keys.writers,
      keys.claims,
      keys.presence(instanceId),
      instanceId,
      own.field,
      JSON.stringify(own.stored),
      own.rfqId,
      this.#version,
      mode,
      keys.presencePrefix,
    );
  }

  async #write(own: OwnReservation, mode: 'bump' | 'plain'): Promise<void> {
    if (own.stored === undefined) return;
    try {
      const reply = (await this.#reserve(own, mode)) as [number];
      if (reply[0] !== 1) this.#dirty = true;
    } catch {
      this.#dirty = true;
    }
  }

  async #release(own: OwnReservation): Promise<void> {
    const { connection, keys } = this.#options;
    try {
      await connection.run('release', keys.reservations, keys.claims, own.field, own.rfqId);
    } catch {
      this.#dirty = true;
    }
    if (own.stored === undefined) {
      for (const [id, o] of this.#own) if (o === own) this.#own.delete(id);
    }
  }

  #enqueue(own: OwnReservation, work: () => Promise<void>): void {
    own.chain = own.chain.then(work, work);
  }
}

function parseStored(text: string): StoredReservation | undefined {
  try {
    const value = JSON.parse(text) as StoredReservation;
    const e = value?.e;
    if (!e || typeof e.quoteId !== 'string' || typeof e.marketTicker !== 'string' || !e.yes || !e.no)
      return undefined;
    return value;
  } catch {
    return undefined;
  }
}

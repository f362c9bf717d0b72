/**
 * This instance's presence in the cluster and, in a group, the leader lease.
 *
 * Presence is a key with a TTL, renewed every tick: while it exists, our reservations and RFQ
 * claims count for the others; once it lapses they drop them. So we may create or confirm only
 * while our presence is certainly still there: until the send time of the last renewal that
 * succeeded plus the TTL, less a margin for clock rates. The lease works the same way, with a
 * fencing token: every create and confirm of a leader is checked against it in Redis first.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Logger } from 'pino';
import { type Clock, repeatEvery, type Timer } from '../domain/clock.js';
import { type ClusterConnection, describeRedisError } from './connection.js';
import type { ClusterKeys } from './keys.js';

export interface MembershipOptions {
  readonly connection: ClusterConnection;
  readonly keys: ClusterKeys;
  /** Hot-standby group; undefined: no lease, this instance quotes whenever it is present. */
  readonly group: string | undefined;
  readonly failoverMs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Every fill of the account before this time is booked here (published with the presence). */
  readonly fillsBookedThrough: () => number;
}

export type RoleChange = { readonly leader: boolean; readonly reason: string };

/** A readable instance id: host (sanitised, short) and a random suffix; no '|' or ':'. */
export function makeInstanceId(): string {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9-]/g, '')
      .slice(0, 24) || 'host';
  return `${host}-${randomBytes(4).toString('hex')}`;
}

export class Membership {
  readonly id = makeInstanceId();
  /** Presence and lease TTL: the others stop counting us this long after our last renewal. */
  readonly ttlMs: number;
  readonly intervalMs: number;
  readonly #marginMs: number;
  readonly #options: MembershipOptions;
  #presentUntil = 0;
  #wasPresent = false;
  #token: string | undefined;
  #leaseUntil = 0;
  #timer: Timer | undefined;
  #ticking = false;
  #stopped = false;
  readonly #roleListeners = new Set<(change: RoleChange) => void>();
  readonly #rejoinListeners = new Set<() => void>();

  constructor(options: MembershipOptions) {
    this.#options = options;
    this.ttlMs = Math.round(options.failoverMs * 0.6);
    this.intervalMs = Math.max(50, Math.round(options.failoverMs / 10));
    this.#marginMs = Math.round(this.ttlMs / 10);
  }

  get group(): string | undefined {
    return this.#options.group;
  }

  /** Whether our presence ever reached Redis: before that nothing of ours can have lapsed. */
  get joined(): boolean {
    return this.#wasPresent;
  }

  /** Whether our presence (and so our reservations) certainly still counts for the others. */
  present(now = this.#options.clock.now()): boolean {
    return now < this.#presentUntil;
  }

  /** Leader (in a group) with a lease that has certainly not run out; outside a group: present. */
  leading(now = this.#options.clock.now()): boolean {
    if (this.#options.group === undefined) return this.present(now);
    return this.#token !== undefined && now < this.#leaseUntil && this.present(now);
  }

  get token(): string | undefined {
    return this.#token;
  }

  onRoleChange(listener: (change: RoleChange) => void): () => void {
    this.#roleListeners.add(listener);
    return () => this.#roleListeners.delete(listener);
  }

  /** Our presence had lapsed in Redis and is back: the others dropped our reservations. */
  onRejoin(listener: () => void): () => void {
    this.#rejoinListeners.add(listener);
    return () => this.#rejoinListeners.delete(listener);
  }

  async start(): Promise<void> {
    await this.tick();
    this.#timer = repeatEvery(this.#options.clock, this.intervalMs, () => void this.tick(), { unref: true });
  }

  /**
   * Checked in Redis right before a create or a confirm: our presence is there and, in a group,
   * the lease still carries our token. Redis not answering in time falls back to the local
   * clocks (lease and presence not yet run out).
   */
  async mayWrite(): Promise<boolean> {
    if (!this.leading()) return false;
    const { connection, keys, group } = this.#options;
    if (!connection.up) return true;
    try {
      const ok = await connection.run(
        'fenceCheck',
        group === undefined ? '' : keys.lease(group),
        keys.presence(this.id),
        this.#token ?? '',
      );
      if (ok === 1) return true;
    } catch {
      return this.leading();
    }
    // Redis says we are no longer the leader (or no longer present): act on it now.
    if (group !== undefined && this.#token !== undefined)
      this.#demote('the lease is held by another instance');
    return false;
  }

  /** One heartbeat: presence, then lease renewal or acquisition. Never overlaps itself. */
  async tick(): Promise<void> {
    if (this.#ticking || this.#stopped) return;
    this.#ticking = true;
    try {
      await this.#heartbeat();
    } finally {
      this.#ticking = false;
    }
  }

  async #heartbeat(): Promise<void> {
    const { connection, keys, group, clock, logger } = this.#options;
    const sentAt = clock.now();
    if (connection.up) {
      try {
        const existed = await connection.run(
          'presence',
          keys.presence(this.id),
          keys.instances,
          this.id,
          this.ttlMs,
          String(this.#options.fillsBookedThrough()),
        );
        const lapsed = this.#wasPresent && (existed === 0 || sentAt >= this.#presentUntil);
        this.#presentUntil = sentAt + this.ttlMs - this.#marginMs;
        this.#wasPresent = true;
        if (lapsed) for (const listener of [...this.#rejoinListeners]) listener();
        if (group !== undefined) await this.#lease(group, sentAt);
      } catch (error) {
        logger.debug({ reason: describeRedisError(error) }, 'cluster heartbeat failed');
      }
    }
    // Without an answer in time the lease runs out on our own clock.
    if (this.#token !== undefined && !this.leading()) this.#demote('the lease could not be renewed in time');
  }

  async #lease(group: string, sentAt: number): Promise<void> {
    const { connection, keys, clock } = this.#options;
    if (this.#token !== undefined) {
      const renewed = await connection.run(
        'leaseRenew',
        keys.lease(group),
        keys.presence(this.id),
        this.#token,
        this.ttlMs,
      );
      if (renewed === 1 || renewed === 2) this.#leaseUntil = sentAt + this.ttlMs - this.#marginMs;
      else this.#demote('the lease is held by another instance');
      return;
    }
    // After (re)connecting, wait one TTL: a Redis that lost its data must not hand the lease to
    // us while an old leader that cannot reach it still trusts its own clock.
    if (clock.now() < connection.connectedAt + this.ttlMs) return;
    const nonce = randomBytes(6).toString('hex');
    const reply = (await connection.run(
      'leaseAcquire',
      keys.lease(group),
      keys.fence(group),
      keys.holder(group),
      keys.presence(this.id),
      this.id,
      this.ttlMs,
      nonce,
      keys.presencePrefix,
    )) as [number, string];
    if (reply[0] !== 1) return;
    this.#token = reply[1];
    this.#leaseUntil = sentAt + this.ttlMs - this.#marginMs;
    this.#options.logger.warn({ group, token: this.#token }, 'cluster: this instance is now the leader');
    this.#emit({ leader: true, reason: 'acquired the lease' });
  }

  #demote(reason: string): void {
    if (this.#token === undefined) return;
    this.#token = undefined;
    this.#leaseUntil = 0;
    this.#options.logger.error(
      { group: this.#options.group, reason },
      `cluster: lost the leader lease: ${reason}`,
    );
    this.#emit({ leader: false, reason });
  }

  #emit(change: RoleChange): void {
    for (const listener of [...this.#roleListeners]) {
      try {
        listener(change);
      } catch (error) {
        this.#options.logger.warn({ err: error }, 'cluster role listener threw');
      }
    }
  }

  /** Shutdown: stop renewing; give the lease and our presence up so the others need not wait. */
  async leave(): Promise<void> {
    this.#stopped = true;
    this.#timer?.cancel();
    const { connection, keys, group } = this.#options;
    const token = this.#token;
    this.#token = undefined;
    this.#presentUntil = 0;
    if (!connection.up) return;
    try {
      if (group !== undefined && token !== undefined)
        await connection.run('leaseRelease', keys.lease(group), token);
      await connection.command('del', (redis) => redis.del(keys.presence(this.id)));
    } catch {
      // Our keys lapse by themselves within one TTL.
    }
  }
}

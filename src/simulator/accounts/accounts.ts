import { createPublicKey, type KeyObject } from 'node:crypto';
import type { Micros } from '../../domain/money.js';
import type { TierLimits, UsageTier } from '../../domain/rate-limits.js';
import type { EpochMs } from '../../domain/types.js';
import type { Rng } from '../random.js';

export interface SimUser {
  /** Private user id (UUID), shown only to the user itself as `creator_user_id`. */
  readonly id: string;
  /** Public pseudonymous id: `creator_id` on RFQs and quotes. */
  readonly communicationsId: string;
  readonly keyId?: string;
  readonly publicKey?: KeyObject;
  /** A synthetic taker (no API key; acts from inside the simulator). */
  readonly internal: boolean;
  readonly label: string;
  tier: UsageTier;
  /** Per-user override of the tier's token budgets. */
  limits?: TierLimits;
  /** Available balance: cash minus holds. */
  balance: Micros;
  /** Held for accepted (requester) or confirmed (maker) quotes until execution. */
  held: Micros;
  updatedAt: EpochMs;
}

export interface UserSpec {
  readonly keyId?: string;
  /** PEM text (SPKI or PKCS#1) or a KeyObject; a private key is reduced to its public half. */
  readonly publicKey?: string | KeyObject;
  /** Starting balance in micros. */
  readonly balance?: Micros;
  readonly tier?: UsageTier;
  readonly limits?: TierLimits;
  readonly label?: string;
  readonly internal?: boolean;
}

export class AccountError extends Error {
  override readonly name = 'AccountError';
  readonly code = 'invalid_user';
}

function toPublicKey(key: string | KeyObject, keyId: string | undefined): KeyObject {
  if (typeof key !== 'string' && key.type === 'public') return key;
  try {
    return createPublicKey(key);
  } catch {
    throw new AccountError(`API key ${keyId ?? ''} has no readable RSA public key (PEM expected)`);
  }
}

/** Users, their keys and their balances (holds included). */
export class Accounts {
  private readonly byId = new Map<string, SimUser>();
  private readonly byKey = new Map<string, SimUser>();
  private readonly byCommId = new Map<string, SimUser>();

  constructor(
    private readonly rng: Rng,
    private readonly now: () => EpochMs,
    private readonly defaults: { readonly balance: Micros; readonly tier: UsageTier },
  ) {}

  register(spec: UserSpec): SimUser {
    if (spec.keyId !== undefined) {
      if (this.byKey.has(spec.keyId)) throw new AccountError(`API key ${spec.keyId} is already registered`);
      if (spec.publicKey === undefined) throw new AccountError(`API key ${spec.keyId} needs a public key`);
    }
    const publicKey = spec.publicKey === undefined ? undefined : toPublicKey(spec.publicKey, spec.keyId);
    if (publicKey && publicKey.asymmetricKeyType !== 'rsa') {
      throw new AccountError(`API key ${spec.keyId ?? ''} is not an RSA key`);
    }
    const user: SimUser = {
      id: this.rng.uuid(),
      communicationsId: this.rng.hex(64),
      ...(spec.keyId === undefined ? {} : { keyId: spec.keyId }),
      ...(publicKey ? { publicKey } : {}),
      internal: spec.internal === true,
      label: spec.label ?? (spec.internal ? `taker-${this.byId.size + 1}` : `user-${this.byId.size + 1}`),
      tier: spec.tier ?? this.defaults.tier,
      ...(spec.limits ? { limits: spec.limits } : {}),
      balance: spec.balance ?? this.defaults.balance,
      held: 0,
      updatedAt: this.now(),
    };
    this.byId.set(user.id, user);
    this.byCommId.set(user.communicationsId, user);
    if (user.keyId !== undefined) this.byKey.set(user.keyId, user);
    return user;
  }

  byKeyId(keyId: string): SimUser | undefined {
    return this.byKey.get(keyId);
  }

  get(id: string): SimUser | undefined {
    return this.byId.get(id);
  }

  /** By user id, communications id, key id or label (admin look-ups). */
  find(ref: string): SimUser | undefined {
    return (
      this.byId.get(ref) ??
      this.byCommId.get(ref) ??
      this.byKey.get(ref) ??
      [...this.byId.values()].find((u) => u.label === ref)
    );
  }

  all(): SimUser[] {
    return [...this.byId.values()];
  }

  /** Moves `amount` from available to held; false (and no change) when it does not fit. */
  hold(user: SimUser, amount: Micros): boolean {
    if (amount > user.balance) return false;
    user.balance -= amount;
    user.held += amount;
    user.updatedAt = this.now();
    return true;
  }

  release(user: SimUser, amount: Micros): void {
    user.held -= amount;
    user.balance += amount;
    user.updatedAt = this.now();
  }

  /** A hold is spent: the trade it covered executed. */
  spend(user: SimUser, amount: Micros): void {
    user.held -= amount;
    user.updatedAt = this.now();
  }

  /** Takes a charge straight from the available balance (fills not covered by a hold). */
  debit(user: SimUser, amount: Micros): void {
    user.balance -= amount;
    user.updatedAt = this.now();
  }

  credit(user: SimUser, amount: Micros): void {
    user.balance += amount;
    user.updatedAt = this.now();
  }

  setBalance(user: SimUser, amount: Micros): void {
    user.balance = amount;
    user.updatedAt = this.now();
  }
}

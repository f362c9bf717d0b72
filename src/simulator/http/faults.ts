import type { Clock } from '../../domain/clock.js';
import { compileGlobs } from '../../domain/glob.js';
import type { EpochMs } from '../../domain/types.js';
import type { Rng } from '../random.js';

/** Every fault the simulator can inject. Probabilities are per request (0..1). */
export interface FaultConfig {
  /** Fixed added latency, ms. */
  latencyMs: number;
  /** Uniform random extra latency in [0, jitterMs). */
  jitterMs: number;
  /** Answer 500/502/503 without processing. */
  error5xx: number;
  /** Process the request, then answer 500/502/503 anyway (the client cannot know it worked). */
  error5xxAfter: number;
  /** Destroy the connection without processing. */
  drop: number;
  /** Process, then destroy the connection without answering. */
  dropAfter: number;
  /** Delay a response by `slowMs` (longer than a client's time-out). */
  slow: number;
  slowMs: number;
  /** On a quote create, the RFQ's (synthetic) creator deletes it just before the write lands. */
  rfqCloseRace: number;
  /** On a quote delete, the RFQ's (synthetic) creator accepts it just before the delete lands. */
  acceptDuringDelete: number;
  /** A 200 body replaced by an empty, truncated or non-JSON body. */
  malformed: number;
  /** Extra fields the client does not know, added to every object of a response. */
  unknownFields: number;
  /** Enum values the client does not know, in some fields of a response. */
  unknownEnums: number;
  /** A 200 body padded to `oversizedMb` megabytes (valid JSON, the real body inside). */
  oversized: number;
  oversizedMb: number;
  /** A listing page with one item more than its limit (or the endpoint's maximum) allows. */
  oversizedPage: number;
  /** Every rate-limited request gets 429 until this wall time. */
  stormUntil: EpochMs;
  /** Server clock offset for signature timestamps: clients look skewed and get 401. */
  skewMs: number;
  /** HTTP faults apply only to requests matching one of these ("METHOD:/glob" or "/glob"); empty = all. */
  match: string[];
  /** Exchange faults (never filtered by `match`). Chance per second of a server roll. */
  flushRate: number;
  /** Extra chance per execution that a fresh order sweeps through the quoter's price. */
  cross: number;
  /** Every execution meets such a sweep until this wall time (post-only cancels, then 429s). */
  postOnlyCrossStormUntil: EpochMs;
  /** RFQs created from now on expire this long after creation (0: the configured lifetime). */
  rfqTtlMs: number;
  /** Websocket: the next n `orderbook_delta` frames are lost (their `seq` still counts: a gap). */
  wsDropBookDeltas: number;
  /** One-shot actions of the spec (`flush`, `expireRfqs`), run once by `Faults.apply`. */
  actions: FaultAction[];
}

export type FaultAction = 'flush' | 'expireRfqs';

export function noFaults(): FaultConfig {
  return {
    latencyMs: 0,
    jitterMs: 0,
    error5xx: 0,
    error5xxAfter: 0,
    drop: 0,
    dropAfter: 0,
    slow: 0,
    slowMs: 0,
    rfqCloseRace: 0,
    acceptDuringDelete: 0,
    malformed: 0,
    unknownFields: 0,
    unknownEnums: 0,
    oversized: 0,
    oversizedMb: 0,
    oversizedPage: 0,
    stormUntil: 0,
    skewMs: 0,
    match: [],
    flushRate: 0,
    cross: 0,
    postOnlyCrossStormUntil: 0,
    rfqTtlMs: 0,
    wsDropBookDeltas: 0,
    actions: [],
  };
}

export class FaultSpecError extends Error {
  override readonly name = 'FaultSpecError';
  readonly code = 'invalid_fault_spec';
  constructor(
    message: string,
    readonly spec: string,
  ) {
    super(message);
  }
}

type Setter = (value: string, into: FaultConfig, now: EpochMs) => void;

function nonNegative(value: string, key: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0)
    throw new Error(`${key} needs a number >= 0, got "${value}"`);
  return n;
}

function probability(value: string, key: string): number {
  const p = nonNegative(value, key);
  if (p > 1) throw new Error(`${key} is a probability (0..1), got "${value}"`);
  return p;
}

function action(name: FaultAction): Setter {
  return (value, into) => {
    if (value !== '' && value !== '1' && value !== 'now')
      throw new Error(`${name} takes no value (or 1), got "${value}"`);
    into.actions.push(name);
  };
}

const prob =
  (field: keyof FaultConfig): Setter =>
  (value, into) => {
    (into as unknown as Record<string, number>)[field] = probability(value, field);
  };

/**
 * The fault grammar: `key=value` entries joined by commas. One setter per key, so a new
 * fault kind is one entry here plus its use in the server.
 */
const FAULT_KINDS: Readonly<Record<string, Setter>> = {
  latency: (v, f) => {
    f.latencyMs = nonNegative(v, 'latency');
  },
  jitter: (v, f) => {
    f.jitterMs = nonNegative(v, 'jitter');
  },
  error5xx: prob('error5xx'),
  error5xxAfter: prob('error5xxAfter'),
  drop: prob('drop'),
  dropAfter: prob('dropAfter'),
  slow: (v, f) => {
    const [p = '', ms = '15000'] = v.split(':');
    f.slow = probability(p, 'slow');
    f.slowMs = nonNegative(ms, 'slow delay');
  },
  rfqCloseRace: prob('rfqCloseRace'),
  acceptDuringDelete: prob('acceptDuringDelete'),
  malformed: prob('malformed'),
  unknownFields: prob('unknownFields'),
  unknownEnums: prob('unknownEnums'),
  oversized: (v, f) => {
    const [p = '', mb = '16'] = v.split(':');
    f.oversized = probability(p, 'oversized');
    const size = nonNegative(mb, 'oversized size (MB)');
    if (size <= 0 || size > 512)
      throw new Error(`oversized size must be above 0 and at most 512 MB, got "${mb}"`);
    f.oversizedMb = size;
  },
  oversizedPage: prob('oversizedPage'),
  storm: (v, f, now) => {
    f.stormUntil = now + nonNegative(v, 'storm');
  },
  skewMs: (v, f) => {
    const n = Number(v);
    if (v.trim() === '' || !Number.isFinite(n)) throw new Error(`skewMs needs a number, got "${v}"`);
    f.skewMs = n;
  },
  match: (v, f) => {
    f.match = v
      .split('|')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
  },
  flushRate: prob('flushRate'),
  cross: prob('cross'),
  postOnlyCrossStorm: (v, f, now) => {
    f.postOnlyCrossStormUntil = now + nonNegative(v, 'postOnlyCrossStorm');
  },
  rfqTtl: (v, f) => {
    f.rfqTtlMs = nonNegative(v, 'rfqTtl');
  },
  wsDropBookDeltas: (v, f) => {
    const n = nonNegative(v, 'wsDropBookDeltas');
    if (!Number.isInteger(n)) throw new Error(`wsDropBookDeltas needs a whole number, got "${v}"`);
    f.wsDropBookDeltas = n;
  },
  flush: action('flush'),
  expireRfqs: action('expireRfqs'),
};

/** Keys that may stand alone (`flush` = `flush=1`). */
const ACTIONS: readonly string[] = ['flush', 'expireRfqs'];

export const FAULT_KEYS = Object.keys(FAULT_KINDS);

/** Parses e.g. `latency=30,jitter=10,error5xx=0.05,slow=0.01:15000,storm=5000` onto `base`. */
export function parseFaultSpec(spec: string, now: EpochMs, base: FaultConfig = noFaults()): FaultConfig {
  const into: FaultConfig = { ...base, match: [...base.match], actions: [] };
  for (const entry of spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0)) {
    const bare = ACTIONS.includes(entry);
    const eq = bare ? entry.length : entry.indexOf('=');
    if (eq <= 0) throw new FaultSpecError(`fault entry "${entry}" is not key=value`, spec);
    const key = entry.slice(0, eq).trim();
    const setter = FAULT_KINDS[key];
    if (!setter) {
      throw new FaultSpecError(`unknown fault "${key}"; known: ${FAULT_KEYS.join(', ')}`, spec);
    }
    try {
      setter(entry.slice(eq + 1).trim(), into, now);
    } catch (err) {
      throw new FaultSpecError((err as Error).message, spec);
    }
  }
  return into;
}

/** The live fault settings and the dice they are rolled with. */
export class Faults {
  private current: FaultConfig = noFaults();
  private matcher: ((value: string) => boolean) | undefined;
  private readonly actionHandlers = new Map<FaultAction, () => void>();
  readonly injected: Record<string, number> = {};

  constructor(
    private readonly rng: Rng,
    private readonly wallClock: Clock,
  ) {}

  get config(): Readonly<FaultConfig> {
    return this.current;
  }

  /** Replaces the settings (spec grammar); `merge` keeps what the spec does not mention. */
  apply(spec: string, merge = false): FaultConfig {
    const parsed = parseFaultSpec(spec, this.wallClock.now(), merge ? this.current : noFaults());
    this.set({ ...parsed, actions: [] });
    for (const name of parsed.actions) {
      this.injected[name] = (this.injected[name] ?? 0) + 1;
      this.actionHandlers.get(name)?.();
    }
    return this.current;
  }

  /** What a one-shot action of the spec does (wired by the simulator). */
  onAction(name: FaultAction, handler: () => void): void {
    this.actionHandlers.set(name, handler);
  }

  /** Whether the next `orderbook_delta` frame is to be lost (`wsDropBookDeltas`); counts it down. */
  dropBookDelta(): boolean {
    if (this.current.wsDropBookDeltas <= 0) return false;
    this.current = { ...this.current, wsDropBookDeltas: this.current.wsDropBookDeltas - 1 };
    this.injected['wsDropBookDeltas'] = (this.injected['wsDropBookDeltas'] ?? 0) + 1;
    return true;
  }

  /** A post-only cross storm is on (every execution meets a sweep). */
  crossStormActive(): boolean {
    return this.wallClock.now() < this.current.postOnlyCrossStormUntil;
  }

  set(config: FaultConfig): void {
    this.current = config;
    this.matcher = config.match.length > 0 ? compileGlobs(config.match) : undefined;
  }

  clear(): void {
    this.set(noFaults());
  }

  /** Forces 429s on every rate-limited request for `ms` from now. */
  storm(ms: number): void {
    this.current = { ...this.current, stormUntil: this.wallClock.now() + ms };
  }

  stormActive(): boolean {
    return this.wallClock.now() < this.current.stormUntil;
  }

  /** Whether HTTP faults apply to this request (`match` filter). */
  applies(method: string, path: string): boolean {
    if (!this.matcher) return true;
    return this.matcher(`${method.toUpperCase()}:${path}`) || this.matcher(path);
  }

  /** Rolls a probability fault; counts the hit. */
  roll(
    kind:
      | 'error5xx'
      | 'error5xxAfter'
      | 'drop'
      | 'dropAfter'
      | 'slow'
      | 'rfqCloseRace'
      | 'acceptDuringDelete'
      | 'malformed'
      | 'unknownFields'
      | 'unknownEnums'
      | 'oversized'
      | 'oversizedPage',
  ): boolean {
    const p = this.current[kind];
    if (!(p > 0) || !this.rng.chance(p)) return false;
    this.injected[kind] = (this.injected[kind] ?? 0) + 1;
    return true;
  }

  /** Added latency for one request (fixed + jitter), ms. */
  latency(): number {
    const { latencyMs, jitterMs } = this.current;
    return latencyMs + (jitterMs > 0 ? this.rng.next() * jitterMs : 0);
  }

  pick<T>(items: readonly T[]): T {
    return this.rng.pick(items);
  }

  describe(): Record<string, unknown> {
    const { stormUntil, postOnlyCrossStormUntil, actions: _actions, ...rest } = this.current;
    return {
      ...rest,
      stormRemainingMs: Math.max(0, stormUntil - this.wallClock.now()),
      postOnlyCrossStormRemainingMs: Math.max(0, postOnlyCrossStormUntil - this.wallClock.now()),
      injected: this.injected,
    };
  }
}

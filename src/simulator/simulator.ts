import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { pino } from 'pino';
import { type Clock, ManualClock, systemClock } from '../domain/clock.js';
import { API_PREFIX, WS_PATH } from '../kalshi/wire.js';
import { Accounts, type SimUser, type UserSpec } from './accounts/accounts.js';
import { Ledger } from './accounts/ledger.js';
import type { SimContext } from './context.js';
import { BlockTrades } from './exchange/block-trades.js';
import { EventBus } from './exchange/events.js';
import { Exchange, type ExchangeFaultView } from './exchange/exchange.js';
import { Housekeeping } from './exchange/housekeeping.js';
import { ExchangeStore } from './exchange/store.js';
import { Faults } from './http/faults.js';
import { RateLimiter } from './http/rate-limit.js';
import { Router } from './http/router.js';
import { createAdminHandler } from './http/routes-admin.js';
import { communicationsRoutes } from './http/routes-communications.js';
import { marketRoutes } from './http/routes-market.js';
import { orderRoutes } from './http/routes-orders.js';
import { portfolioRoutes } from './http/routes-portfolio.js';
import { SimHttpServer } from './http/server.js';
import { DEFAULT_LIFECYCLE, DEFAULT_STARTING_BALANCE, type SimulatorOptions } from './options.js';
import { Rng } from './random.js';
import { startRecorder } from './recorder.js';
import { newCounters } from './stats.js';
import { DEFAULT_TAKER_OPTIONS, type TakerOptions, Takers } from './takers.js';
import { TimerScope } from './timer-scope.js';
import { mergeTruth, TRUTH_DEFAULTS } from './truth.js';
import { World } from './world/world.js';
import { SimWebSocket } from './ws.js';

export interface SimUserInfo {
  readonly userId: string;
  readonly communicationsId: string;
  readonly keyId?: string;
  readonly label: string;
}

export interface EmbeddedCredentials extends SimUserInfo {
  readonly keyId: string;
  /** PKCS#1 PEM, the format Kalshi hands out. Never log it. */
  readonly privateKeyPem: string;
}

export interface SimulatorHandle {
  /** Origin, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** REST base, `<url>/trade-api/v2`. */
  readonly apiBase: string;
  /** `ws://127.0.0.1:<port>/trade-api/ws/v2`. */
  readonly wsUrl: string;
  readonly port: number;
  readonly seed: number;
  /** Present when started with `embeddedUser`. */
  readonly embeddedUser?: EmbeddedCredentials;
  /** Simulation time; a `ManualClock` passed in options is returned here. */
  readonly clock: Clock;
  /** The parts, for in-process tests and benchmarks (prefer the HTTP and /_sim/ APIs). */
  readonly context: SimContext;
  registerUser(spec: UserSpec): SimUserInfo;
  /** Stops timers, closes websockets and the server. Safe to call twice. */
  stop(): Promise<void>;
}

function info(user: SimUser): SimUserInfo {
  return {
    userId: user.id,
    communicationsId: user.communicationsId,
    label: user.label,
    ...(user.keyId === undefined ? {} : { keyId: user.keyId }),
  };
}

function takerOptions(option: SimulatorOptions['takers']): TakerOptions {
  if (option === false) return { ...DEFAULT_TAKER_OPTIONS, ratePerMinute: 0 };
  if (typeof option === 'number') return { ...DEFAULT_TAKER_OPTIONS, ratePerMinute: option };
  return { ...DEFAULT_TAKER_OPTIONS, ...option };
}

/** Starts a Kalshi-compatible exchange on a local port (in-process). */
export async function startSimulator(options: SimulatorOptions = {}): Promise<SimulatorHandle> {
  const seed = options.seed ?? Rng.randomSeed();
  const logger = options.logger ?? pino({ level: 'silent' });
  const baseClock = options.clock ?? systemClock;
  const clock = new TimerScope(baseClock);
  const wallClock = options.wallClock ?? systemClock;
  const ids = Rng.stream(seed, 'ids');
  const world = new World(Rng.stream(seed, 'world'), clock, {
    walkIntervalMs: options.walkIntervalMs ?? 1000,
    ...(options.events ? { events: options.events } : {}),
    ...(options.series ? { series: options.series } : {}),
  });
  const accounts = new Accounts(ids, () => clock.now(), {
    balance: options.startingBalance ?? DEFAULT_STARTING_BALANCE,
    tier: options.tier ?? 'basic',
  });
  for (const spec of options.users ?? []) accounts.register(spec);
  let embeddedUser: EmbeddedCredentials | undefined;
  if (options.embeddedUser) {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const extra = options.embeddedUser === true ? {} : options.embeddedUser;
    const keyId = randomUUID();
    const user = accounts.register({ label: 'embedded', ...extra, keyId, publicKey });
    embeddedUser = {
      ...info(user),
      keyId,
      privateKeyPem: privateKey.export({ type: 'pkcs1', format: 'pem' }).toString(),
    };
  }
  const truth = mergeTruth(TRUTH_DEFAULTS, options.truth ?? {});
  // the owner of synthetic liquidity: the other side of fills against the book
  const liquidity = accounts.register({
    internal: true,
    label: 'liquidity',
    balance: 1_000_000_000 * 1_000_000,
  });
  const store = new ExchangeStore();
  const bus = new EventBus(logger);
  const counters = newCounters();
  const ledger = new Ledger();
  const faults = new Faults(Rng.stream(seed, 'faults'), wallClock);
  const faultView: ExchangeFaultView = {
    crossChance: () => faults.config.cross,
    crossStormActive: () => faults.crossStormActive(),
    rfqTtlMs: () => (faults.config.rfqTtlMs > 0 ? faults.config.rfqTtlMs : undefined),
  };
  const exchange = new Exchange({
    store,
    world,
    accounts,
    ledger,
    clock,
    ids,
    bus,
    counters,
    config: { ...DEFAULT_LIFECYCLE, ...options.lifecycle },
    truth,
    liquidity,
    rng: Rng.stream(seed, 'execution'),
    faults: faultView,
  });
  const housekeeping = new Housekeeping(
    exchange,
    clock,
    Rng.stream(seed, 'rolls'),
    truth,
    () => faults.config.flushRate,
  );
  faults.onAction('flush', () => exchange.flushOpenQuotes());
  faults.onAction('expireRfqs', () => exchange.expireAll());
  if (options.faults) faults.apply(options.faults);
  const limiter = new RateLimiter({
    wallClock,
    ...(options.rateLimits ? { limits: options.rateLimits } : {}),
    ...(options.endpointCosts ? { endpointCosts: options.endpointCosts } : {}),
  });
  const takers = new Takers(
    { exchange, store, world, accounts, clock, bus, logger, truth },
    Rng.stream(seed, 'takers'),
    takerOptions(options.takers),
  );
  const sim: SimContext = {
    exchange,
    store,
    blockTrades: new BlockTrades(exchange.deps),
    world,
    accounts,
    ledger,
    counters,
    faults,
    limiter,
    clock,
    bus,
    takers,
    truth,
    housekeeping,
    logger,
  };
  const router = new Router().add(
    ...communicationsRoutes(sim),
    ...marketRoutes(sim),
    ...portfolioRoutes(sim),
    ...orderRoutes(sim),
  );
  const auth = {
    pastToleranceMs: options.auth?.pastToleranceMs ?? 20_000,
    futureToleranceMs: options.auth?.futureToleranceMs ?? 45_000,
    wallClock,
    skewMs: () => faults.config.skewMs,
  };
  const holder: { ws?: SimWebSocket; http?: SimHttpServer } = {};
  const admin = createAdminHandler(sim, {
    wsConnections: () => holder.ws?.connectionCount ?? 0,
    requestsInFlight: () => holder.http?.inFlight ?? 0,
    dropWebSockets: () => holder.ws?.dropAll() ?? 0,
    ...(baseClock instanceof ManualClock ? { manualClock: baseClock } : {}),
  });
  const http = new SimHttpServer(sim, router, admin, auth);
  holder.http = http;
  const ws = new SimWebSocket(sim, http.server, auth, {
    pingIntervalMs: options.wsPingIntervalMs ?? 10_000,
    maxBufferedBytes: 8 << 20,
  });
  holder.ws = ws;
  let address: Awaited<ReturnType<SimHttpServer['listen']>>;
  try {
    address = await http.listen(options.port ?? 0, options.host ?? '127.0.0.1');
  } catch (err) {
    clock.close();
    ws.close();
    throw err;
  }
  const lifecycle = { ...DEFAULT_LIFECYCLE, ...options.lifecycle };
  const recorder =
    options.record === undefined
      ? undefined
      : startRecorder({
          path: options.record,
          bus,
          world,
          clock,
          meta: {
            seed,
            confirmWindowMs: lifecycle.confirmWindowMs,
            executionDelayMs: lifecycle.executionDelayMs,
            hvConfirmWindowMs: lifecycle.hvConfirmWindowMs,
            hvExecutionDelayMs: lifecycle.hvExecutionDelayMs,
          },
        });
  world.start();
  takers.start();
  housekeeping.start();
  const host =
    options.host === undefined || options.host === '0.0.0.0' || options.host === '::'
      ? '127.0.0.1'
      : options.host;
  const url = `http://${host}:${address.port}`;
  logger.info({ url, seed }, 'simulator listening');
  let stopped: Promise<void> | undefined;
  return {
    url,
    apiBase: `${url}${API_PREFIX}`,
    wsUrl: `ws://${host}:${address.port}${WS_PATH}`,
    port: address.port,
    seed,
    ...(embeddedUser ? { embeddedUser } : {}),
    clock: baseClock,
    context: sim,
    registerUser: (spec) => info(accounts.register(spec)),
    stop: () => {
      stopped ??= (async () => {
        clock.close();
        ws.close();
        await http.close();
        await recorder?.stop();
      })();
      return stopped;
    },
  };
}

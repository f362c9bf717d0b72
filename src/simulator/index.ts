export { type Clock, ManualClock, systemClock, type Timer } from '../domain/clock.js';
export type { SimUser, UserSpec } from './accounts/accounts.js';
export type { LifecycleConfig } from './exchange/exchange.js';
export { FAULT_KEYS, type FaultConfig, FaultSpecError, noFaults, parseFaultSpec } from './http/faults.js';
export { DEFAULT_LIFECYCLE, DEFAULT_STARTING_BALANCE, type SimulatorOptions } from './options.js';
export { Rng } from './random.js';
export {
  type EmbeddedCredentials,
  type SimUserInfo,
  type SimulatorHandle,
  startSimulator,
} from './simulator.js';
export { DEFAULT_TAKER_OPTIONS, type TakerOptions } from './takers.js';
export { TRUTH_DEFAULTS, TRUTH_OFF, type TruthOptions } from './truth.js';
export { BASE_EVENTS, type EventSeed, type MarketSeed, SEED_SERIES, type SeriesSeed } from './world/seed.js';
export { SEED_EVENTS } from './world/seed-world.js';

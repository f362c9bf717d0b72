/**
 * Test helpers for strategy authors: `import { createStrategyHarness } from '../src/testing.js'`.
 * Kept apart from `./index.js` so the authoring kit stays free of test-only code.
 */

export { ManualClock } from './domain/clock.js';
export {
  createStrategyHarness,
  type HarnessResult,
  type HarnessSkipCause,
  type StrategyHarness,
  type StrategyHarnessOptions,
} from './strategy/harness.js';
export {
  InMemoryMarketData,
  type TestLevel,
  type TestMarketInit,
  type TestRfqInit,
  testBook,
  testMarket,
  testRfq,
  UnknownMarketError,
} from './strategy/memory-data.js';

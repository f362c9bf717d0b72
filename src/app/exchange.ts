/**
 * Where the bot trades: the embedded simulator (started here, with a user of its own) or the
 * configured exchange with the keys from the environment.
 */
import type { Logger } from 'pino';
import { type Config, wsUrlFor } from '../config/index.js';
import { type KalshiCredentials, makeCredentials } from '../kalshi/index.js';
import type { SimulatorHandle, SimulatorOptions } from '../simulator/index.js';

export interface ExchangeConnection {
  readonly baseUrl: string;
  readonly wsUrl: string;
  readonly credentials: KalshiCredentials | undefined;
  /** The embedded simulator, when the bot started one. */
  readonly simulator: SimulatorHandle | undefined;
}

export async function connectExchange(
  config: Config,
  logger: Logger,
  simulatorOverrides: Partial<SimulatorOptions> = {},
): Promise<ExchangeConnection> {
  const { exchange, simulator, secrets } = config;
  if (exchange.environment === 'simulator' && !exchange.baseUrl) {
    // Loaded only when embedded: a bot on a real exchange carries none of the simulator's code.
    const { startSimulator } = await import('../simulator/index.js');
    const sim = await startSimulator({
      port: simulator.port,
      seed: simulator.seed,
      takers: simulator.takersPerMinute > 0 ? simulator.takersPerMinute : false,
      tier: simulator.tier,
      lifecycle: {
        confirmWindowMs: simulator.confirmWindowMs,
        executionDelayMs: simulator.executionDelayMs,
      },
      faults: simulator.faults,
      startingBalance: simulator.startingBalance,
      embeddedUser: true,
      logger: logger.child({ module: 'simulator' }),
      ...simulatorOverrides,
    });
    const user = sim.embeddedUser!;
    return {
      baseUrl: sim.apiBase,
      wsUrl: sim.wsUrl,
      credentials: makeCredentials(user.keyId, { pem: user.privateKeyPem }),
      simulator: sim,
    };
  }
  const baseUrl = exchange.baseUrl;
  if (!baseUrl) throw new Error(`exchange.baseUrl is not set for environment ${exchange.environment}`);
  const credentials =
    secrets.apiKeyId && secrets.privateKeyPem
      ? makeCredentials(secrets.apiKeyId, { pem: secrets.privateKeyPem })
      : undefined;
  return { baseUrl, wsUrl: exchange.wsUrl ?? wsUrlFor(baseUrl), credentials, simulator: undefined };
}

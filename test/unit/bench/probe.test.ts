import { beforeAll, describe, expect, it } from 'vitest';
import { wallNow } from '../../../bench/ipc.js';
import { Probe, type RfqTiming } from '../../../bench/probe.js';
import {
  GateRejectedError,
  type RequestGate,
  type RequestSpec,
  unlimitedGate,
} from '../../../src/kalshi/gate.js';

const BASE = 'http://127.0.0.1:1/trade-api/v2';
const EVENT_PATH = '/events/KXTEST-26JUL06';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** The bot's own time after the failed read: wide enough that a GC pause on a loaded machine is noise. */
const POST_READ_MS = 20;
/** What a pause between a failure and its recording may add (seen: 4.8 ms in CI with four forks). */
const SLACK_MS = 5;

function spec(endpoint: string, method: RequestSpec['method'], path: string): RequestSpec {
  return { endpoint, method, path, bucket: 'read', cost: 10, priority: 'read' };
}

/**
 * A pushed RFQ whose pricing made one event read (`read`, which fails and returns when it
 * failed), then worked 20 ms more on the bot's thread and sent its create.
 */
async function pricedAfterFailedRead(
  read: (probe: Probe) => Promise<number>,
): Promise<{ timing: RfqTiming; readEnded: number }> {
  const probe = new Probe();
  const fetch = probe.fetch(async () => new Response('{"id":"q1"}', { status: 201 }));
  probe.pushing = true;
  probe.rfqAdded('r1', 'KXTEST-26JUL06-T50');
  probe.pushing = false;
  const readEnded = await read(probe);
  await sleep(POST_READ_MS);
  await probe
    .gate(() => unlimitedGate)
    .run(spec('create_quote', 'POST', '/communications/quotes'), () =>
      fetch(`${BASE}/communications/quotes`, { method: 'POST', body: '{"rfq_id":"r1"}' }),
    );
  const [timing] = probe.rfqTimings();
  if (timing === undefined) throw new Error('no timing for the RFQ');
  return { timing, readEnded };
}

describe('bench probe: requests that failed end their wait when they fail', () => {
  // fetch's classes load on first use (~15 ms): not inside a measured span.
  beforeAll(async () => {
    await new Probe().fetch(async () => new Response('{}'))(`${BASE}${EVENT_PATH}`);
  });

  it('a market read whose fetch failed is network time until it failed, not until the create', async () => {
    const { timing, readEnded } = await pricedAfterFailedRead(async (probe) => {
      let failedAt = Number.NaN;
      const fetch = probe.fetch(async () => {
        await sleep(5);
        failedAt = wallNow();
        throw new TypeError('fetch failed');
      });
      await probe
        .gate(() => unlimitedGate)
        .run(spec('get_event', 'GET', EVENT_PATH), () => fetch(`${BASE}${EVENT_PATH}`))
        .catch(() => undefined);
      return failedAt;
    });
    // Everything after the failure is the bot's own time.
    expect(timing.networkMs).toBeLessThanOrEqual(readEnded - timing.added + SLACK_MS);
    expect(timing.internalMs).toBeGreaterThanOrEqual(timing.createStart - readEnded - SLACK_MS);
  });

  it('a market read the gate refused is a token wait until it was refused, not until the create', async () => {
    const { timing, readEnded } = await pricedAfterFailedRead(async (probe) => {
      let refusedAt = Number.NaN;
      const refusing: RequestGate = {
        run: async () => {
          await sleep(5);
          refusedAt = wallNow();
          throw new GateRejectedError('get_event: deadline passed before sending', 'get_event', 'deadline');
        },
        budget: unlimitedGate.budget,
      };
      await probe
        .gate(() => refusing)
        .run(spec('get_event', 'GET', EVENT_PATH), async () => undefined)
        .catch(() => undefined);
      return refusedAt;
    });
    expect(timing.budgetMs).toBeLessThanOrEqual(readEnded - timing.added + SLACK_MS);
    expect(timing.internalMs).toBeGreaterThanOrEqual(timing.createStart - readEnded - SLACK_MS);
  });
});

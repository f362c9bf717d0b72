/**
 * Which listed quotes an instance takes for its own (to adopt, confirm or delete as strays): one
 * no instance claims is ours only when this listing could read the others' reservations.
 */
import { describe, expect, it } from 'vitest';
import type { Quote } from '../../../src/domain/types.js';
import type { OwnQuotesSource } from '../../../src/quotes/own-quote-watcher.js';
import { startBot } from '../../helpers/bot.js';
import { redisForTest, startTestSimulator } from './helpers.js';

/** A listing of quotes on these RFQs (only `rfqId` matters to the filter). */
function listing(rfqIds: readonly string[]): OwnQuotesSource {
  return {
    async *quotes() {
      for (const rfqId of rfqIds) yield { id: `q-${rfqId}`, rfqId } as unknown as Quote;
    },
  };
}

async function listed(source: OwnQuotesSource): Promise<string[]> {
  const ids: string[] = [];
  for await (const quote of source.quotes({ userFilter: 'self' })) ids.push(quote.rfqId);
  return ids;
}

describe("an instance's own quotes in a listing (real redis-server)", () => {
  it('takes an unclaimed quote for its own only after reading the reservations', async () => {
    const redis = await redisForTest();
    const ts = await startTestSimulator({ userCount: 1, takers: false, walkIntervalMs: 0 });
    const bot = await startBot(ts, ts.users[0]!, { cluster: { redis: redis.url, failoverMs: 2_000 } });
    const cluster = bot.app.cluster!;
    expect(cluster.connection.up).toBe(true);
    // Redis answers: a quote on an RFQ no instance reserved is a stray of ours.
    expect(await listed(cluster.ownQuotes(listing(['rfq-stray'])))).toEqual(['rfq-stray']);
    // The read fails (an error reply, the connection still up): the same quote may be another
    // instance's newest, and is left alone.
    const sync = cluster.reservations.sync.bind(cluster.reservations);
    cluster.reservations.sync = () =>
      Promise.reject(new Error('READONLY You cannot write against a read only replica'));
    try {
      expect(await listed(cluster.ownQuotes(listing(['rfq-stray', 'rfq-other'])))).toEqual([]);
    } finally {
      cluster.reservations.sync = sync;
    }
    expect(await listed(cluster.ownQuotes(listing(['rfq-stray'])))).toEqual(['rfq-stray']);
  }, 20_000);
});

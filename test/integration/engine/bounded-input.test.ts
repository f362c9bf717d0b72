import { describe, expect, it } from 'vitest';
import type { App } from '../../../src/app/app.js';
import { simQuotes, startBot } from '../../helpers/bot.js';
import { startTestSimulator, waitFor } from '../../helpers/simulator.js';

async function pollerCycles(app: App, outcome: string): Promise<number> {
  const { values } = await app.metrics.pollerCycles.get();
  return values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe('oversized exchange answers', () => {
  it.each([
    ['a page with more RFQs than asked', 'oversizedPage=1'],
    ['a 12 MB listing', 'oversized=1:12'],
  ])(
    '%s fails the poll cycle; known RFQs and their quotes stay, quoting resumes after',
    async (_name, fault) => {
      const ts = await startTestSimulator({ userCount: 1 });
      const [user] = ts.users;
      // Polling only: the websocket would learn of new RFQs without the listing.
      const { app } = await startBot(ts, user!, { poller: { websocket: false } });
      const first = (await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { contracts: 10 })).body.ids[0]!;
      const quote = await waitFor(
        async () => (await simQuotes(ts, user!, 'open')).find((q) => q.rfq_id === first),
        {
          what: 'a quote on the first RFQ',
        },
      );

      await ts.admin('PUT', '/_sim/faults', { spec: `${fault},match=GET:/communications/rfqs` });
      const failedBefore = await pollerCycles(app, 'error');
      await waitFor(async () => (await pollerCycles(app, 'error')) >= failedBefore + 3, {
        what: 'three failed poll cycles',
      });
      expect(app.book.has(first)).toBe(true);
      expect(app.store.byQuoteId(quote.id)?.state).toBe('open');
      expect((await simQuotes(ts, user!, 'open')).map((q) => q.id)).toContain(quote.id);
      expect(app.killSwitch.isTripped).toBe(false);

      await ts.admin('DELETE', '/_sim/faults');
      const second = (await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', { contracts: 10 })).body
        .ids[0]!;
      await waitFor(async () => (await simQuotes(ts, user!, 'open')).some((q) => q.rfq_id === second), {
        what: 'a quote on an RFQ created after the fault',
      });
      const report = await app.stop('test');
      expect(report.openAtExit).toBe(0);
    },
  );
});

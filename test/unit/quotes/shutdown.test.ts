import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import type { Quote } from '../../../src/domain/types.js';
import { deleteStragglers } from '../../../src/quotes/shutdown.js';

/** A fake exchange side: our open quotes, deletes that remove them, a clock that sleeps move. */
function exchange(open: string[], options: { listFails?: boolean; landsAt?: number } = {}) {
  const clock = new ManualClock(1_000);
  const deleted: string[] = [];
  let late = options.landsAt;
  return {
    deleted,
    listings: 0,
    clock,
    sleep: async (ms: number) => {
      clock.advance(ms);
    },
    async listOpen(): Promise<Quote[]> {
      this.listings++;
      if (options.listFails) throw new Error('exchange unreachable');
      if (late !== undefined && clock.now() >= late) {
        open.push('late');
        late = undefined;
      }
      return open.map((id) => ({ id, rfqId: `rfq-${id}` }) as Quote);
    },
    client: {
      async deleteQuote(_rfqId: string, quoteId: string) {
        deleted.push(quoteId);
        open.splice(open.indexOf(quoteId), 1);
        return { outcome: 'deleted' as const };
      },
    },
  };
}

const logger = pino({ level: 'silent' });

describe('deleteStragglers', () => {
  it('deletes what is still open and reports 0 once the exchange lists nothing', async () => {
    const x = exchange(['a', 'b']);
    const left = await deleteStragglers({
      ...x,
      listOpen: () => x.listOpen(),
      deadline: 10_000,
      settleAt: 0,
      logger,
    });
    expect(left).toBe(0);
    expect(x.deleted.sort()).toEqual(['a', 'b']);
    expect(x.listings).toBe(2);
  });

  it('looks again after a create that may still land, and deletes it when it does', async () => {
    const x = exchange([], { landsAt: 1_500 });
    const left = await deleteStragglers({
      ...x,
      listOpen: () => x.listOpen(),
      deadline: 10_000,
      settleAt: 2_000,
      logger,
    });
    expect(left).toBe(0);
    expect(x.deleted).toEqual(['late']);
  });

  it('reports -1 when the exchange cannot be listed before the deadline', async () => {
    const x = exchange(['a'], { listFails: true });
    const left = await deleteStragglers({
      ...x,
      listOpen: () => x.listOpen(),
      deadline: 2_000,
      settleAt: 0,
      logger,
    });
    expect(left).toBe(-1);
    expect(x.listings).toBe(4);
  });
});

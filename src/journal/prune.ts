import type { JournalDatabase } from './database.js';

/** Deletes what is older than `before` (epoch ms); returns the rows deleted. Runs are kept. */
export function pruneBefore(db: JournalDatabase, before: number): number {
  return db.transaction(() => {
    let deleted = 0;
    deleted += db.prepare('DELETE FROM events WHERE at < ?').run(before).changes;
    deleted += db.prepare('DELETE FROM rfqs WHERE last_seen < ?').run(before).changes;
    deleted += db.prepare('DELETE FROM fills WHERE traded_at < ?').run(before).changes;
    return deleted;
  })();
}

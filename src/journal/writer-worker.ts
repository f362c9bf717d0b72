/**
 * The journal's writer thread: owns the write connection and turns each batch from the main
 * thread into one transaction, so SQLite's work never blocks quoting.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { journalErrorFrom, openJournalDatabase } from './database.js';
import type { JournalEvent } from './events.js';
import { JournalInserter } from './inserter.js';
import { pruneBefore } from './prune.js';

export type WriterRequest =
  | {
      readonly type: 'batch';
      readonly id: number;
      /** The batch's events as one JSON array. */
      readonly events: string;
      readonly runId?: string;
    }
  | { readonly type: 'prune'; readonly id: number; readonly before: number }
  | { readonly type: 'close' };

export type WriterReply =
  | { readonly type: 'ready' }
  | { readonly type: 'ack'; readonly id: number; readonly written: number; readonly duplicateFills: number }
  | { readonly type: 'pruned'; readonly id: number; readonly deleted: number }
  | { readonly type: 'error'; readonly id?: number; readonly code: string; readonly message: string };

const port = parentPort;
if (port) {
  const { path, maxBytes } = workerData as { path: string; maxBytes?: number };
  const reply = (message: WriterReply): void => port.postMessage(message);
  try {
    const db = openJournalDatabase(path, maxBytes !== undefined ? { maxBytes } : {});
    const inserter = new JournalInserter(db);
    port.on('message', (request: WriterRequest) => {
      if (request.type === 'close') {
        db.close();
        port.close();
        return;
      }
      try {
        if (request.type === 'batch') {
          const result = inserter.write(JSON.parse(request.events) as JournalEvent[], request.runId);
          reply({ type: 'ack', id: request.id, ...result });
        } else {
          reply({ type: 'pruned', id: request.id, deleted: pruneBefore(db, request.before) });
        }
      } catch (error) {
        const failure = journalErrorFrom(error, path);
        reply({ type: 'error', id: request.id, code: failure.code, message: failure.message });
      }
    });
    reply({ type: 'ready' });
  } catch (error) {
    const failure = journalErrorFrom(error, path);
    reply({ type: 'error', code: failure.code, message: failure.message });
  }
}

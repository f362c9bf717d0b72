/** A worker thread of a backtest sweep: runs what it is sent, one run at a time, and answers. */
import { parentPort } from 'node:worker_threads';
import { type RunRequest, runOne } from './runs.js';

const port = parentPort;
if (port === null) throw new Error('run-worker.ts runs as a worker thread of a backtest');

port.on('message', (message: { id: number; request: RunRequest }) => {
  runOne(message.request).then(
    (result) => port.postMessage({ id: message.id, result }),
    (error: unknown) =>
      port.postMessage({
        id: message.id,
        error: {
          name: error instanceof Error ? error.name : 'Error',
          message: error instanceof Error ? error.message : String(error),
        },
      }),
  );
});

import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { systemClock } from '../../../src/domain/clock.js';
import { compileRfqFilter } from '../../../src/rfq/filters.js';
import { RfqPushSource } from '../../../src/rfq/push-source.js';
import { RfqBook } from '../../../src/rfq/rfq-book.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the push source bounds its websocket messages', () => {
  it('closes (1009) on a message above maxPayloadBytes and reconnects', async () => {
    const server = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          for (const client of server.clients) client.terminate();
          server.close(() => resolve());
        }),
    );
    const closeCodes: number[] = [];
    let connections = 0;
    server.on('connection', (socket) => {
      connections++;
      socket.on('close', (code) => closeCodes.push(code));
      // A 2 MB frame: far more than any communications message.
      socket.send(
        JSON.stringify({ type: 'rfq_created', sid: 1, seq: 1, msg: { pad: 'x'.repeat(2_000_000) } }),
      );
    });
    const { port } = server.address() as AddressInfo;
    const push = new RfqPushSource({
      url: `ws://127.0.0.1:${port}/trade-api/ws/v2`,
      sign: () => ({}),
      book: new RfqBook(),
      filter: compileRfqFilter({ eventTickers: [], marketTickers: [], tickerGlobs: [] }),
      ownCommunicationsId: () => undefined,
      fetchRfq: () => Promise.reject(new Error('not used')),
      onOwnQuoteEvent: () => undefined,
      logger: pino({ level: 'silent' }),
      clock: systemClock,
      maxPayloadBytes: 1024 * 1024,
      minReconnectMs: 10,
      maxReconnectMs: 50,
    });
    cleanups.push(() => push.stop());
    push.start();
    await expect.poll(() => connections, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(closeCodes[0]).toBe(1009);
  });
});

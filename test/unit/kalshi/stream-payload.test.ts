import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { KalshiClient } from '../../../src/kalshi/index.js';
import { captureLogs, testKey } from './fixtures.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('the communications stream bounds its messages', () => {
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
    const key = testKey();
    const client = new KalshiClient({
      baseUrl: 'http://127.0.0.1:9/trade-api/v2',
      credentials: { keyId: key.keyId, privateKey: key.privateKey },
      logger: captureLogs().logger,
    });
    const stream = client.communicationsStream({
      url: `ws://127.0.0.1:${port}/trade-api/ws/v2`,
      maxPayloadBytes: 1024 * 1024,
      minReconnectMs: 10,
      maxReconnectMs: 50,
    });
    cleanups.push(() => stream.stop());
    stream.start();
    await expect.poll(() => connections, { timeout: 5_000 }).toBeGreaterThanOrEqual(2);
    expect(closeCodes[0]).toBe(1009);
  });
});

/**
 * A small scriptable websocket server on 127.0.0.1, port 0, for testing the client's stream for
 * real: it records each upgrade's headers and every command, answers a `subscribe` as Kalshi
 * does unless told otherwise, can refuse upgrades with a status, and sends whatever frames a
 * test scripts. `close()` ends every connection.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';
import { type WebSocket, WebSocketServer } from 'ws';

export interface ScriptedConnection {
  readonly ws: WebSocket;
  readonly headers: IncomingHttpHeaders;
  /** Commands received, parsed. */
  readonly commands: Record<string, unknown>[];
  /** Sends a frame: an object is JSON-encoded, a string goes as is. */
  send(frame: unknown): void;
  /** Stops reading the socket: no pongs, nothing heard, as a stuck peer. */
  freeze(): void;
}

export interface ScriptedWsServer {
  /** `ws://127.0.0.1:<port>/trade-api/ws/v2` */
  readonly url: string;
  readonly connections: ScriptedConnection[];
  /** Upgrades refused so far. */
  readonly refused: number;
  /** Refuse the next `count` upgrades with `status`. */
  refuseNext(count: number, status?: number): void;
  /** How a `subscribe` is answered: `ack` (default: its first channel, sid 1, 2, … per connection), or nothing. */
  onSubscribe:
    | 'ack'
    | 'ignore'
    | ((connection: ScriptedConnection, command: Record<string, unknown>) => void);
  /** Resolves with the `index`-th connection (0-based) once it exists. */
  connection(index: number): Promise<ScriptedConnection>;
  close(): Promise<void>;
}

export async function startScriptedWsServer(): Promise<ScriptedWsServer> {
  const http = createServer((_req, res) => res.writeHead(404).end());
  const wss = new WebSocketServer({ noServer: true });
  const connections: ScriptedConnection[] = [];
  const waiters: (() => void)[] = [];
  let refuse = 0;
  let refuseStatus = 401;
  const server: ScriptedWsServer = {
    url: '',
    connections,
    refused: 0,
    refuseNext(count, status = 401) {
      refuse = count;
      refuseStatus = status;
    },
    onSubscribe: 'ack',
    async connection(index) {
      while (connections.length <= index) await new Promise<void>((resolve) => waiters.push(resolve));
      return connections[index]!;
    },
    async close() {
      for (const c of connections) c.ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
    },
  };
  http.on('upgrade', (req, socket, head) => {
    if (refuse > 0) {
      refuse--;
      (server as { refused: number }).refused++;
      const body = '{"error":{"code":"authentication_error","message":"bad signature"}}';
      socket.end(
        `HTTP/1.1 ${refuseStatus} Refused\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
      );
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      let nextSid = 1;
      const connection: ScriptedConnection = {
        ws,
        headers: req.headers,
        commands: [],
        send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
        freeze: () => (ws as unknown as { _socket: { pause(): void } })._socket.pause(),
      };
      ws.on('message', (data) => {
        const command = JSON.parse(data.toString()) as Record<string, unknown>;
        connection.commands.push(command);
        if (command['cmd'] !== 'subscribe') return;
        const mode = server.onSubscribe;
        if (mode === 'ack') {
          const channels = (command['params'] as { channels?: string[] } | undefined)?.channels;
          connection.send({
            id: command['id'],
            type: 'subscribed',
            msg: { channel: channels?.[0] ?? 'communications', sid: nextSid++ },
          });
        } else if (typeof mode === 'function') mode(connection, command);
      });
      connections.push(connection);
      for (const wake of waiters.splice(0)) wake();
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const { port } = http.address() as AddressInfo;
  (server as { url: string }).url = `ws://127.0.0.1:${port}/trade-api/ws/v2`;
  onTestFinished(() => server.close());
  return server;
}

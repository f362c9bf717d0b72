import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { onTestFinished } from 'vitest';

/**
 * An HTTP proxy in front of a simulator that can hold matching requests until released: a test
 * then knows the bot is inside a given step (it waits on that request) and acts at that moment.
 */
export interface HoldingProxy {
  /** The proxy's origin, e.g. http://127.0.0.1:PORT. */
  readonly url: string;
  /** Every request seen, as "METHOD /path?query", in arrival order. */
  readonly requests: string[];
  /** Holds from now on every request for which `match` is true. */
  hold(match: (method: string, path: string) => boolean): void;
  /** Resolves once a held request is waiting. */
  heldRequest(): Promise<string>;
  /** Forwards the oldest held request; holding goes on. */
  releaseOne(): void;
  /** Stops holding and forwards the held requests. */
  release(): void;
}

export async function startHoldingProxy(target: string): Promise<HoldingProxy> {
  const targetUrl = new URL(target);
  const requests: string[] = [];
  let match: ((method: string, path: string) => boolean) | undefined;
  let held: (() => void)[] = [];
  let firstHeld: string | undefined;
  let onHeld: ((line: string) => void) | undefined;

  const forward = (req: IncomingMessage, res: ServerResponse): void => {
    const upstream = request(
      {
        host: targetUrl.hostname,
        port: targetUrl.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: targetUrl.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  };

  const server = createServer((req, res) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    const line = `${method} ${path}`;
    requests.push(line);
    if (match?.(method, path.split('?')[0]!)) {
      held.push(() => forward(req, res));
      firstHeld ??= line;
      onHeld?.(line);
      return;
    }
    forward(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    hold(next) {
      match = next;
    },
    heldRequest: () =>
      new Promise<string>((resolve) => {
        if (firstHeld !== undefined) resolve(firstHeld);
        else onHeld = resolve;
      }),
    releaseOne() {
      held.shift()?.();
    },
    release() {
      match = undefined;
      const waiting = held;
      held = [];
      for (const go of waiting) go();
    },
  };
}

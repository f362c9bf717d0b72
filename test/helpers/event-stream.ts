/**
 * A reader of a text/event-stream (the dashboard's /api/stream) over fetch, as the page reads it:
 * collects every message and waits for the next one matching a test.
 */

export interface StreamMessage {
  readonly event: string;
  readonly data: unknown;
  /** The raw `data:` text, to compare bytes between viewers. */
  readonly text: string;
}

export interface EventStreamClient {
  readonly status: number;
  readonly messages: StreamMessage[];
  /** Resolves with the first message, already received or future, after `from` that matches. */
  next(
    match: (message: StreamMessage) => boolean,
    options?: { from?: number; timeoutMs?: number },
  ): Promise<StreamMessage>;
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  close(): void;
}

export async function openEventStream(
  url: string,
  headers: Record<string, string> = {},
): Promise<EventStreamClient> {
  const controller = new AbortController();
  const response = await fetch(url, { headers, signal: controller.signal });
  const messages: StreamMessage[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  const ended = (async () => {
    if (!response.body) return;
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        buffer += decoder.decode(chunk as Uint8Array, { stream: true });
        for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          const data: string[] = [];
          for (const line of block.split('\n')) {
            if (line.startsWith('event:')) event = line.slice(6).trim();
            else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
          }
          if (data.length === 0) continue;
          const text = data.join('\n');
          messages.push({ event, text, data: JSON.parse(text) });
          for (const wake of waiters) wake();
        }
      }
    } catch {
      // aborted by close()
    }
    for (const wake of waiters) wake();
  })();
  let done = false;
  void ended.then(() => {
    done = true;
  });
  return {
    status: response.status,
    messages,
    ended,
    next(match, { from = 0, timeoutMs = 10_000 } = {}) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.slice(from).find(match);
          if (found) {
            cleanup();
            resolve(found);
          } else if (done) {
            cleanup();
            reject(new Error('the stream ended before a matching message'));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(
            new Error(`no matching stream message within ${timeoutMs} ms (${messages.length} received)`),
          );
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    close: () => controller.abort(),
  };
}

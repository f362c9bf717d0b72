// The page's side of the JSON API: the token (session storage only, sent as a bearer header,
// never in a URL), JSON reads, the kill/resume calls, and the event stream read through fetch
// (EventSource cannot send a header). The stream runs only while the tab is visible, so hidden
// tabs neither cost the bot anything nor hold one of the browser's six connections per host.

const TOKEN_KEY = 'kalshi-rfq-maker.opsToken';

export function savedToken() {
  try {
    return sessionStorage.getItem(TOKEN_KEY) ?? '';
  } catch {
    return '';
  }
}

export function saveToken(token) {
  if (token) sessionStorage.setItem(TOKEN_KEY, token);
  else sessionStorage.removeItem(TOKEN_KEY);
}

function headers(extra = {}) {
  const token = savedToken();
  return token ? { ...extra, authorization: `Bearer ${token}` } : extra;
}

export class HttpError extends Error {
  constructor(status, message) {
    super(message);
    this.name = 'HttpError';
    this.status = status;
  }
}

async function errorOf(response) {
  let message = `HTTP ${response.status}`;
  try {
    const body = await response.json();
    if (body && typeof body.error === 'string') message = body.error;
  } catch {
    // not JSON: keep the status
  }
  return new HttpError(response.status, message);
}

export async function getJson(path) {
  const response = await fetch(path, { headers: headers(), cache: 'no-store' });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

/** POST /kill or /resume with the ops token; resolves to the server's answer. */
export async function action(name, reason) {
  const response = await fetch(`/${name}`, {
    method: 'POST',
    headers: headers({ 'content-type': 'application/json' }),
    body: JSON.stringify({ reason }),
    cache: 'no-store',
  });
  if (!response.ok) throw await errorOf(response);
  return response.json();
}

/** Splits a text/event-stream into {event, data} messages. */
export function sseParser(onMessage) {
  let buffer = '';
  return (chunk) => {
    buffer += chunk.replace(/\r\n?/g, '\n');
    for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = 'message';
      const data = [];
      for (const line of block.split('\n')) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0) onMessage(event, data.join('\n'));
    }
  };
}

/**
 * Keeps /api/stream open while the page is visible, reconnecting with back-off.
 * `onStatus` hears 'live', 'reconnecting', 'paused' and 'unauthorized'.
 */
export function openStream({ onState, onActivity, onStatus }) {
  let controller;
  let retryMs = 1000;
  let timer;

  const handle = (event, data) => {
    const body = JSON.parse(data);
    if (event === 'state') onState(body);
    else if (event === 'activity') onActivity(body);
  };

  const connect = async () => {
    clearTimeout(timer);
    controller?.abort();
    const mine = new AbortController();
    controller = mine;
    try {
      const response = await fetch('/api/stream', {
        headers: headers(),
        cache: 'no-store',
        signal: mine.signal,
      });
      if (response.status === 401) {
        onStatus('unauthorized');
        return;
      }
      if (!response.ok || !response.body) throw new HttpError(response.status, `HTTP ${response.status}`);
      onStatus('live');
      retryMs = 1000;
      const feed = sseParser(handle);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        feed(value);
      }
    } catch {
      if (mine.signal.aborted) return;
    }
    if (mine.signal.aborted || document.hidden) return;
    onStatus('reconnecting');
    timer = setTimeout(connect, retryMs);
    retryMs = Math.min(retryMs * 2, 10_000);
  };

  const onVisibility = () => {
    if (document.hidden) {
      clearTimeout(timer);
      controller?.abort();
      onStatus('paused');
    } else {
      connect();
    }
  };
  document.addEventListener('visibilitychange', onVisibility);
  if (!document.hidden) connect();
  return { reconnect: connect };
}

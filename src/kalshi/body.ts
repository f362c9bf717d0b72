/**
 * Reading a response body with a byte cap: a misbehaving exchange or proxy must not be able to
 * make the bot buffer a body of any size (an out-of-memory crash leaves quotes live).
 */
import { bufferedBody } from './node-fetch.js';

/** The body went past the cap; `receivedBytes` is what Content-Length declared or had arrived. */
export class BodyTooLarge extends Error {
  override readonly name = 'BodyTooLarge';
  constructor(
    readonly limitBytes: number,
    readonly receivedBytes: number,
  ) {
    super(`response body of at least ${receivedBytes} bytes exceeds ${limitBytes}`);
  }
}

const utf8 = new TextDecoder('utf-8');

/** The same rules for a body already in memory (the node fetch reads it whole, up to a cap). */
function cappedText(whole: Buffer, maxBytes: number, over: 'refuse' | 'truncate'): string {
  if (whole.byteLength <= maxBytes) return utf8.decode(whole);
  if (over === 'refuse') throw new BodyTooLarge(maxBytes, whole.byteLength);
  return utf8.decode(whole.subarray(0, maxBytes));
}

/**
 * The body as text, read chunk by chunk. Past `maxBytes` it either throws BodyTooLarge
 * (`over: 'refuse'`, for bodies we must parse whole) or returns the first `maxBytes` bytes
 * (`over: 'truncate'`, for error bodies, where the status says what happened). Either way the
 * rest is never read: the stream is cancelled, which closes the connection.
 */
export async function readCappedText(
  response: Response,
  maxBytes: number,
  over: 'refuse' | 'truncate',
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const whole = bufferedBody(response);
  if (over === 'refuse' && Number.isFinite(declared) && declared > maxBytes) {
    if (whole === undefined) await response.body?.cancel().catch(() => undefined);
    throw new BodyTooLarge(maxBytes, declared);
  }
  if (whole !== undefined) return cappedText(whole, maxBytes, over);
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      await reader.cancel().catch(() => undefined);
      if (over === 'refuse') throw new BodyTooLarge(maxBytes, size + value.byteLength);
      chunks.push(value.subarray(0, maxBytes - size));
      size = maxBytes;
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  return utf8.decode(Buffer.concat(chunks, size));
}

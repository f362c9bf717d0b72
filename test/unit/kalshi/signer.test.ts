import { constants, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { makeCredentials } from '../../../src/kalshi/index.js';
import { RequestSigner } from '../../../src/kalshi/signer.js';
import { testKey } from './fixtures.js';

const CREATE = '/trade-api/v2/communications/quotes';

function check(headers: Record<string, string>, method: string, path: string): number {
  const timestamp = headers['KALSHI-ACCESS-TIMESTAMP']!;
  const ok = verify(
    'sha256',
    Buffer.from(`${timestamp}${method}${path}`),
    { key: testKey().publicKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
    Buffer.from(headers['KALSHI-ACCESS-SIGNATURE']!, 'base64'),
  );
  expect(ok, `signature of ${timestamp}${method}${path}`).toBe(true);
  return Number(timestamp);
}

function signer(reuseMs: number, clock = new ManualClock(1_000_000)) {
  const credentials = makeCredentials(testKey().keyId, testKey().privateKey);
  return { clock, signer: new RequestSigner(credentials, { reuseMs, clock }) };
}

describe('request signer (signature reuse)', () => {
  it('reuses a path’s signature while fresh, per method and path, and signs again once stale', () => {
    const { clock, signer: s } = signer(1_000);
    const first = s.sign('POST', CREATE);
    expect(first.reused).toBe(false);
    clock.jumpTo(1_000_400);
    const again = s.sign('POST', CREATE);
    expect(again).toEqual({ headers: first.headers, reused: true });
    // Another method or path has its own.
    expect(s.sign('GET', CREATE).reused).toBe(false);
    expect(s.sign('POST', `${CREATE}/q-1/confirm`).reused).toBe(false);
    clock.jumpTo(1_001_000);
    const stale = s.sign('POST', CREATE);
    expect(stale.reused).toBe(false);
    expect(check(stale.headers as unknown as Record<string, string>, 'POST', CREATE)).toBe(1_001_000);
    s.stop();
  });

  it('re-signs a path in repeated use in the background: no header handed out is older than reuseMs', () => {
    const { clock, signer: s } = signer(1_000);
    let fresh = 0;
    for (let t = 0; t < 10_000; t += 125) {
      clock.advanceTo(1_000_000 + t);
      const { headers, reused } = s.sign('POST', CREATE);
      if (!reused) fresh++;
      const signedAt = check(headers as unknown as Record<string, string>, 'POST', CREATE);
      expect(clock.now() - signedAt).toBeLessThan(1_000);
    }
    // Only the first request signed on its way out; the refresh kept the others fresh.
    expect(fresh).toBe(1);
    s.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not refresh one-shot paths, forgets idle ones and then stops its timer', () => {
    const { clock, signer: s } = signer(1_000);
    s.sign('DELETE', `${CREATE}/q-1`);
    expect(clock.pendingTimers).toBe(1);
    clock.advance(31_000);
    expect(clock.pendingTimers).toBe(0);
    expect(s.sign('DELETE', `${CREATE}/q-1`).reused).toBe(false);
    s.stop();
  });

  it('signs every request with reuseMs 0 or after disableReuse', () => {
    const { signer: off } = signer(0);
    expect(off.sign('POST', CREATE).reused).toBe(false);
    expect(off.sign('POST', CREATE).reused).toBe(false);
    const { clock, signer: s } = signer(1_000);
    s.sign('POST', CREATE);
    s.disableReuse();
    expect(s.sign('POST', CREATE).reused).toBe(false);
    expect(s.sign('POST', CREATE).reused).toBe(false);
    expect(clock.pendingTimers).toBe(0);
  });
});

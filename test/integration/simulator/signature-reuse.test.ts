/**
 * Signature reuse (`exchange.signatureReuseMs`) against the simulator's real RSA-PSS check:
 * creates share one signature while it is fresh; an exchange that refuses a reused signature
 * costs one 401, after which every request is signed afresh and nothing is lost.
 */
import { describe, expect, it } from 'vitest';
import { KalshiClient, makeCredentials } from '../../../src/kalshi/index.js';
import { capturingLogger } from '../../helpers/bot.js';
import { type SimTestUser, startTestSimulator, type TestSimulator } from '../../helpers/simulator.js';

function client(ts: TestSimulator, user: SimTestUser, logger = capturingLogger('info').logger) {
  return new KalshiClient({
    baseUrl: ts.sim.apiBase,
    credentials: makeCredentials(user.keyId, { pem: user.key.privatePem }),
    signatureReuseMs: 1_000,
    logger,
  });
}

async function quoteFiveRfqs(ts: TestSimulator, maker: KalshiClient): Promise<string[]> {
  const { body: created } = await ts.admin<{ ids: string[] }>('POST', '/_sim/rfqs', {
    count: 5,
    contracts: 5,
  });
  const quotes: string[] = [];
  for (const rfqId of created.ids) {
    quotes.push(
      await maker.createQuote({
        rfqId,
        yesBid: 400_000,
        noBid: 500_000,
        restRemainder: false,
        postOnly: false,
      }),
    );
  }
  const { body } = await ts.admin<{ quotes: { id: string }[] }>(
    'GET',
    `/_sim/users/${ts.users[0]!.userId}/quotes?status=open`,
  );
  expect(body.quotes.map((q) => q.id).sort()).toEqual([...quotes].sort());
  return quotes;
}

describe('signature reuse against the simulator', () => {
  it('five creates in a second share one signature, and the exchange takes each', async () => {
    const ts = await startTestSimulator({ userCount: 1 });
    const signatures = new Set<string>();
    const maker = new KalshiClient({
      baseUrl: ts.sim.apiBase,
      credentials: makeCredentials(ts.users[0]!.keyId, { pem: ts.users[0]!.key.privatePem }),
      signatureReuseMs: 1_000,
      fetch: (input, init) => {
        const request = new Request(input, init);
        if (request.method === 'POST') signatures.add(request.headers.get('kalshi-access-signature') ?? '');
        return fetch(request);
      },
    });
    try {
      await quoteFiveRfqs(ts, maker);
      expect(signatures.size).toBe(1);
    } finally {
      maker.close();
    }
  });

  it('an exchange refusing a reused signature costs one 401; then every request is signed afresh', async () => {
    const ts = await startTestSimulator({ userCount: 1, auth: { rejectReusedSignatures: true } });
    const { logger, lines } = capturingLogger('info');
    const maker = client(ts, ts.users[0]!, logger);
    try {
      await quoteFiveRfqs(ts, maker);
      expect(lines.filter((l) => /refused a reused request signature/.test(l.msg ?? ''))).toHaveLength(1);
    } finally {
      maker.close();
    }
  });
});

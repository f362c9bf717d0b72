/**
 * Response parsing under mutated bodies (issue 8 §2): real responses recorded from the
 * simulator, mutated (fields dropped, retyped, malformed decimals, unknown fields and enum
 * values, truncation, HTML), served to the real client. Every outcome is either a typed error
 * or a value whose every money and size field is the exact value of the body it came from.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  KalshiClient,
  makeCredentials,
  PaginationError,
  QuoteOutcomeUnknownError,
  ResponseFormatError,
} from '../../src/kalshi/index.js';
import { mutate, mutateText, mutationArb, textMutationArb } from './mutate.js';
import { type Recorded, type Recording, recordResponses } from './recorded.js';

let recording: Recording;
let credentials: ReturnType<typeof makeCredentials>;

beforeAll(async () => {
  recording = await recordResponses();
  credentials = makeCredentials(recording.user.keyId, { pem: recording.user.key.privatePem });
}, 30_000);

afterAll(async () => {
  await recording?.ts.stop();
});

/** A client whose every request is answered with `text` (no retries, no waits). */
function clientServing(status: number, text: string): KalshiClient {
  return new KalshiClient({
    baseUrl: recording.ts.sim.apiBase,
    credentials,
    retry: { readAttempts: 1, writeAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    sleep: async () => undefined,
    fetch: async () => new Response(text, { status, headers: { 'content-type': 'application/json' } }),
  });
}

const TYPED_ERRORS = [ResponseFormatError, QuoteOutcomeUnknownError, PaginationError];

/** Runs the call against `text`; returns the problems found (none is the goal). */
async function problemsServing(r: Recorded, text: string): Promise<string[]> {
  let value: unknown;
  try {
    value = await r.call(clientServing(r.status, text));
  } catch (error) {
    if (!TYPED_ERRORS.some((type) => error instanceof type)) {
      return [`${r.name}: untyped failure ${String((error as Error)?.stack ?? error)}`];
    }
    const e = error as Error & { code?: unknown };
    const problems: string[] = [];
    if (typeof e.code !== 'string' || e.message.trim() === '')
      problems.push(`${r.name}: error without code or message`);
    if (e.message.includes(recording.user.keyId))
      problems.push(`${r.name}: error message carries the key id`);
    return problems;
  }
  let wire: unknown;
  try {
    wire = JSON.parse(text);
  } catch {
    return [`${r.name}: a body that is not JSON was accepted: ${text.slice(0, 80)}`];
  }
  return r.check(value, wire).map((p) => `${r.name}: ${p}`);
}

describe('response parsing under mutated bodies', () => {
  it('parses every recorded response exactly as the oracle reads it', async () => {
    expect(recording.responses.length).toBeGreaterThanOrEqual(15);
    for (const r of recording.responses) {
      expect(await problemsServing(r, JSON.stringify(r.body))).toEqual([]);
    }
  });

  it('has an oracle that notices a number the client got wrong', async () => {
    const r = recording.responses.find((x) => x.name === 'get_quote')!;
    const served = structuredClone(r.body) as { quote: Record<string, unknown> };
    served.quote['yes_bid_dollars'] = '0.5100';
    const value = await r.call(clientServing(200, JSON.stringify(served)));
    expect(r.check(value, r.body).join('\n')).toMatch(
      /yesBid: wire "0\.5000" mapped to 510000, expected 500000/,
    );
  });

  it('answers structural mutations with a typed error or exact numbers', async () => {
    const names = recording.responses.map((r) => r.name);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...names),
        fc.array(mutationArb, { minLength: 1, maxLength: 3 }),
        async (name, mutations) => {
          const r = recording.responses.find((x) => x.name === name)!;
          const problems = await problemsServing(r, JSON.stringify(mutate(r.body, mutations)));
          expect(problems).toEqual([]);
        },
      ),
      {
        numRuns: Number(process.env['FUZZ_RUNS'] ?? 1_000),
        seed: Number(process.env['FUZZ_SEED'] ?? 0x5eed8),
      },
    );
  });

  it('answers truncated, spliced, empty and HTML bodies with a typed error', async () => {
    const names = recording.responses.map((r) => r.name);
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...names), textMutationArb, async (name, m) => {
        const r = recording.responses.find((x) => x.name === name)!;
        const problems = await problemsServing(r, mutateText(JSON.stringify(r.body), m));
        expect(problems).toEqual([]);
      }),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 300), seed: Number(process.env['FUZZ_SEED'] ?? 0x7e47) },
    );
  });
});

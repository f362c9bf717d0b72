import { describe, expect, it } from 'vitest';
import { execute } from '../../../src/backtest/execution.js';
import {
  midTaker,
  type RecordedRfqFacts,
  recordedTaker,
  type TakerContext,
  type TakerQuote,
} from '../../../src/backtest/taker-models.js';
import { makerFee, takerFee } from '../../../src/domain/fees.js';
import type { QuoteAccepted } from '../../../src/journal/events.js';

const FEES = { type: 'quadratic_with_maker_fees', multiplierPpm: 1_000_000 } as const;
const NOW = 1_000_000;

const quote: TakerQuote = {
  rfqId: 'r1',
  quoteId: 'q1',
  marketTicker: 'M',
  yesBid: 400_000,
  noBid: 500_000,
  yesContracts: 1_000,
  noContracts: 1_000,
  openedAt: NOW,
};

function ctx(later: number | undefined, facts?: RecordedRfqFacts): TakerContext {
  return {
    now: () => NOW,
    recorded: () => facts,
    midAt: () => 450_000,
    midAfter: () => (later === undefined ? undefined : { at: NOW + 10_000, mid: later }),
    random: () => 0.5,
  };
}

const acceptOf = (side: 'yes' | 'no', price: number, contracts: number): QuoteAccepted => ({
  kind: 'quote_accepted',
  at: NOW,
  rfqId: 'r1',
  quoteId: 'other',
  marketTicker: 'M',
  side,
  price,
  contracts,
});

describe('the mid taker model', () => {
  const model = midTaker({ edge: 10_000 });

  it('sells us the side our bid overpays for at the later mid, for its full size', () => {
    // Later mid 0.38: YES is worth 0.38, our YES bid 0.40 overpays it by 0.02.
    expect(model.decide?.(quote, ctx(380_000))).toEqual({ side: 'yes', contracts: 1_000 });
    // Later mid 0.48: NO is worth 0.52; our NO bid 0.50 is 0.02 under it, beyond the $0.01 edge.
    expect(model.decide?.(quote, ctx(480_000))).toBeUndefined();
    // Later mid 0.49: NO worth 0.51, our 0.50 is 0.01 under: within the edge a requester gives up.
    expect(model.decide?.(quote, ctx(490_000))).toEqual({ side: 'no', contracts: 1_000 });
  });

  it('decides nothing without any mid', () => {
    const blind: TakerContext = { ...ctx(undefined), midAt: () => undefined };
    expect(model.decide?.(quote, blind)).toBeUndefined();
  });

  it('asks again once the accept delay has passed', () => {
    expect(midTaker({ acceptDelayMs: 700 }).quoteOpened?.(quote, ctx(undefined))).toBe(NOW + 700);
  });
});

describe('the recorded taker model', () => {
  const model = recordedTaker({ edge: 0 });

  it('takes ours on a recorded accept when our price is at least as good, for the contracts taken', () => {
    expect(model.recordedAccept?.(acceptOf('yes', 400_000, 300), quote, ctx(undefined))).toEqual({
      side: 'yes',
      contracts: 300,
    });
    expect(model.recordedAccept?.(acceptOf('yes', 410_000, 300), quote, ctx(undefined))).toBeUndefined();
    expect(model.recordedAccept?.(acceptOf('no', 450_000, 5_000), quote, ctx(undefined))).toEqual({
      side: 'no',
      contracts: 1_000,
    });
    expect(model.recordedAccept?.(acceptOf('yes', 1, 1), undefined, ctx(undefined))).toBeUndefined();
  });

  it('leaves an RFQ with a recorded accept to the recording', () => {
    const facts: RecordedRfqFacts = {
      quotes: 1,
      bestYesBid: 0,
      bestNoBid: 0,
      accepts: [acceptOf('yes', 1, 1)],
    };
    expect(model.decide?.(quote, ctx(100_000, facts))).toBeUndefined();
  });

  it('declines a side at or below a recorded price nobody took, and asks the mid model about a better one', () => {
    // Recorded quotes 0.40 / 0.45, neither taken: our YES 0.40 is no better; our NO 0.50 is.
    const facts: RecordedRfqFacts = { quotes: 1, bestYesBid: 400_000, bestNoBid: 450_000, accepts: [] };
    // The later mid makes both sides attractive; only NO is the recording's unknown.
    expect(model.decide?.(quote, ctx(300_000, facts))).toBeUndefined();
    expect(model.decide?.(quote, ctx(500_000, facts))).toEqual({ side: 'no', contracts: 1_000 });
    const none: RecordedRfqFacts = { quotes: 1, bestYesBid: 400_000, bestNoBid: 500_000, accepts: [] };
    expect(model.decide?.(quote, ctx(100_000, none))).toBeUndefined();
  });

  it('without fallback never decides past the recording', () => {
    const strict = recordedTaker({ fallback: false });
    expect(strict.name).toBe('recorded-only');
    expect(strict.quoteOpened?.(quote, ctx(undefined))).toBeUndefined();
  });
});

describe('execution with the exchange-truth rules', () => {
  const book = (noBid: number, count = 10_000) => ({ ticker: 'M', yes: [], no: [{ price: noBid, count }] });

  it('fills at our bid as maker when nothing crosses', () => {
    expect(
      execute({ side: 'yes', bid: 400_000, contracts: 500, postOnly: true, fees: FEES, book: book(550_000) }),
    ).toEqual({
      kind: 'filled',
      fills: [{ price: 400_000, contracts: 500, fee: makerFee(400_000, 500, FEES), isTaker: false }],
    });
  });

  it('cancels a post-only leg the book crosses (a NO bid at 0.60 sells YES at 0.40, our bid)', () => {
    const outcome = execute({
      side: 'yes',
      bid: 400_000,
      contracts: 500,
      postOnly: true,
      fees: FEES,
      book: book(600_000),
    });
    expect(outcome.kind).toBe('post-only-cancel');
  });

  it('takes what crosses as taker, best first, and fills the rest as maker', () => {
    const crossed = {
      ticker: 'M',
      yes: [],
      no: [
        { price: 620_000, count: 100 },
        { price: 650_000, count: 200 },
      ],
    };
    expect(
      execute({ side: 'yes', bid: 400_000, contracts: 500, postOnly: false, fees: FEES, book: crossed }),
    ).toEqual({
      kind: 'filled',
      fills: [
        { price: 350_000, contracts: 200, fee: takerFee(350_000, 200, FEES), isTaker: true },
        { price: 380_000, contracts: 100, fee: takerFee(380_000, 100, FEES), isTaker: true },
        { price: 400_000, contracts: 200, fee: makerFee(400_000, 200, FEES), isTaker: false },
      ],
    });
  });

  it('without a book, uses the mark: its ask, else a mid strictly below our bid', () => {
    const base = { side: 'no', bid: 500_000, contracts: 100, postOnly: true, fees: FEES } as const;
    // NO at 0.50: a YES bid of 0.55 is a NO offer at 0.45, under our bid.
    expect(execute({ ...base, markBid: 550_000 }).kind).toBe('post-only-cancel');
    expect(execute({ ...base, markBid: 450_000 }).kind).toBe('filled');
    expect(execute({ ...base, mid: 600_000 }).kind).toBe('post-only-cancel');
    expect(execute({ ...base, mid: 500_000 }).kind).toBe('filled');
    expect(execute(base).kind).toBe('filled');
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FixedPointError,
  formatContracts,
  formatCount,
  formatDollars,
  formatDollarsMinimal,
  formatUsd,
  mulDiv,
  notional,
  parseCount,
  parseDollars,
} from '../../../src/domain/money.js';
import { expectIs } from '../../helpers/hot-expect.js';

describe('dollar strings', () => {
  it('parses every format the exchange emits into micros', () => {
    expect(parseDollars('0.56')).toBe(560_000);
    expect(parseDollars('0.5600')).toBe(560_000);
    expect(parseDollars('0.480000')).toBe(480_000);
    expect(parseDollars('1000.0000')).toBe(1_000_000_000);
    expect(parseDollars('0.0001')).toBe(100);
    expect(parseDollars('-12.345678')).toBe(-12_345_678);
    expect(parseDollars('0')).toBe(0);
    expect(parseDollars('-0.00')).toBe(0);
  });

  it('rejects malformed strings with a message naming the field and value', () => {
    for (const bad of ['', 'abc', '1e3', '0.1234567', '.5', '5.', '1,000', '$1', ' ', '--1', '0x10']) {
      expect(() => parseDollars(bad, 'yes_bid_dollars')).toThrow(FixedPointError);
    }
    expect(() => parseDollars('0.1234567', 'yes_bid_dollars')).toThrow(
      /yes_bid_dollars: .*more than 6 decimal/,
    );
    expect(() => parseDollars(0.5, 'price')).toThrow(
      /price: expected a dollar decimal string, found number 0.5/,
    );
    expect(() => parseDollars(null)).toThrow(FixedPointError);
    expect(() => parseDollars('99999999999.000000')).toThrow(/too large/);
  });

  it('reads any string exactly as a big-integer reading does, or refuses it (property)', () => {
    // The oracle: the grammar as a regex and the value in BigInt, nothing shared with the parser.
    const oracle = (text: string, scale: number): bigint | 'refused' => {
      const m = /^(-)?(\d+)(?:\.(\d+))?$/.exec(text.trim());
      if (!m) return 'refused';
      const frac = m[3] ?? '';
      if (/[1-9]/.test(frac.slice(scale))) return 'refused';
      const units =
        BigInt(m[2]!) * 10n ** BigInt(scale) + BigInt(frac.slice(0, scale).padEnd(scale, '0') || '0');
      if (units > BigInt(Number.MAX_SAFE_INTEGER)) return 'refused';
      return m[1] ? -units : units;
    };
    const text = fc.oneof(
      fc.string({ unit: fc.constantFrom('0', '1', '7', '9', '.', '-', ' ', 'e', '+', '\t'), maxLength: 24 }),
      fc
        .tuple(
          fc.boolean(),
          fc.bigInt({ min: 0n, max: 10n ** 18n }),
          fc.option(fc.stringMatching(/^[0-9]{1,10}$/)),
          fc.constantFrom('', ' ', '\n'),
        )
        .map(
          ([minus, whole, frac, pad]) =>
            `${pad}${minus ? '-' : ''}${whole}${frac === null ? '' : `.${frac}`}${pad}`,
        ),
    );
    fc.assert(
      fc.property(text, (value) => {
        for (const [parse, scale] of [
          [parseDollars, 6],
          [parseCount, 2],
        ] as const) {
          const expected = oracle(value, scale);
          let got: bigint | 'refused';
          try {
            got = BigInt(parse(value));
          } catch (error) {
            if (!(error instanceof FixedPointError)) throw error;
            got = 'refused';
          }
          expectIs(got, expected);
        }
      }),
      { numRuns: 8_000 },
    );
  });

  it('tolerates trailing zeros beyond 6 places', () => {
    expect(parseDollars('0.50000000')).toBe(500_000);
  });

  it('round-trips micros through every decimal width 2..6 (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: 2, max: 6 }), (units, decimals) => {
        const micros = units * 10 ** (6 - decimals);
        expect(parseDollars(formatDollars(micros, decimals))).toBe(micros);
      }),
    );
  });

  it('round-trips exchange strings (property)', () => {
    const dollarString = fc
      .tuple(fc.integer({ min: 0, max: 99_999 }), fc.integer({ min: 2, max: 6 }), fc.nat(), fc.boolean())
      .map(([whole, decimals, frac, negative]) => {
        const fracText = String(frac % 10 ** decimals).padStart(decimals, '0');
        return `${negative && (whole > 0 || Number(fracText) > 0) ? '-' : ''}${whole}.${fracText}`;
      });
    fc.assert(
      fc.property(dollarString, (text) => {
        const decimals = text.split('.')[1]!.length;
        expect(formatDollars(parseDollars(text), decimals)).toBe(text);
      }),
    );
  });

  it('refuses to format a price it cannot represent exactly', () => {
    expect(formatDollars(480_000)).toBe('0.4800');
    expect(formatDollars(480_000, 6)).toBe('0.480000');
    expect(() => formatDollars(480_050, 4)).toThrow(FixedPointError);
    expect(formatDollarsMinimal(480_000)).toBe('0.48');
    expect(formatDollarsMinimal(480_500)).toBe('0.4805');
    expect(formatDollarsMinimal(-5)).toBe('-0.000005');
  });
});

describe('count strings', () => {
  it('parses 0-2 dp requests and 2-dp responses', () => {
    expect(parseCount('10')).toBe(1000);
    expect(parseCount('10.0')).toBe(1000);
    expect(parseCount('10.00')).toBe(1000);
    expect(parseCount('37.27')).toBe(3727);
    expect(parseCount('-3.50')).toBe(-350);
    expect(() => parseCount('1.005', 'contracts_fp')).toThrow(/contracts_fp: .*more than 2 decimal/);
    expect(() => parseCount('ten')).toThrow(FixedPointError);
  });

  it('round-trips centi-contracts (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e13, max: 1e13 }), (centis) => {
        const text = formatCount(centis);
        expect(text).toMatch(/^-?\d+\.\d{2}$/);
        expect(parseCount(text)).toBe(centis);
      }),
    );
  });
});

describe('amounts for people', () => {
  it('formatUsd: dollars to the cent, half away from zero, never "-$0.00"', () => {
    expect(formatUsd(3_214_000)).toBe('$3.21');
    expect(formatUsd(3_215_000)).toBe('$3.22');
    expect(formatUsd(3_200_000)).toBe('$3.20');
    expect(formatUsd(1_234_567_890)).toBe('$1234.57');
    expect(formatUsd(-504_999)).toBe('-$0.50');
    expect(formatUsd(-4_999)).toBe('$0.00');
    expect(formatUsd(0)).toBe('$0.00');
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (micros) => {
        expect(formatUsd(micros)).toMatch(/^-?\$\d+\.\d{2}$/);
      }),
    );
  });

  it('formatContracts: no trailing zeros', () => {
    expect([1000, 250, 25, 0, 100_000, -150].map(formatContracts)).toEqual([
      '10',
      '2.5',
      '0.25',
      '0',
      '1000',
      '-1.5',
    ]);
  });
});

describe('integer arithmetic', () => {
  it('computes notional exactly and rounds as asked', () => {
    expect(notional(480_000, 1000)).toBe(4_800_000);
    expect(notional(333_333, 1, 'floor')).toBe(3333);
    expect(notional(333_333, 1, 'ceil')).toBe(3334);
    expect(mulDiv(-7, 1, 2, 'floor')).toBe(-4);
    expect(mulDiv(-7, 1, 2, 'ceil')).toBe(-3);
    expect(mulDiv(-7, 1, 2, 'trunc')).toBe(-3);
  });

  it('gives exactly the big-integer answer on the fast path and past it', () => {
    const reference = (a: number, b: number, d: number, rounding: 'floor' | 'ceil' | 'trunc') => {
      const n = BigInt(a) * BigInt(b);
      const D = BigInt(d);
      let q = n / D;
      if (n % D !== 0n) {
        const positive = n < 0n === D < 0n;
        if (rounding === 'floor' && !positive) q -= 1n;
        if (rounding === 'ceil' && positive) q += 1n;
      }
      return Number(q);
    };
    const int = fc.oneof(
      fc.integer({ min: -10, max: 10 }),
      fc.integer({ min: -2_000_000_000, max: 2_000_000_000 }),
      fc.maxSafeInteger(),
    );
    const near = fc.integer({ min: 2 ** 52 - 1_000_000, max: 2 ** 52 + 1_000_000 });
    fc.assert(
      fc.property(
        fc.oneof(int, near),
        fc.oneof(int, fc.constant(1)),
        int.filter((d) => d !== 0),
        fc.constantFrom('floor', 'ceil', 'trunc'),
        (a, b, d, rounding) => {
          expectIs(mulDiv(a, b, d, rounding) + 0, reference(a, b, d, rounding) + 0);
        },
      ),
      { numRuns: 20_000 },
    );
  });
});

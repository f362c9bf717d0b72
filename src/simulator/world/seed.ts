import type { FeeType } from '../../domain/fees.js';
import type { Micros } from '../../domain/money.js';
import type { Side } from '../../domain/types.js';
import type { PriceLevelStructure } from './grids.js';

export interface SeriesSeed {
  readonly ticker: string;
  readonly title: string;
  readonly category: string;
  readonly feeType: FeeType;
  /** Fee multiplier in millionths (1 = 1_000_000). */
  readonly feeMultiplierPpm: number;
}

export interface MarketSeed {
  readonly ticker: string;
  readonly title: string;
  readonly yesSubTitle: string;
  readonly fair: Micros;
  readonly structure: PriceLevelStructure;
  /** High-volatility markets use the short confirm window and execution delay. */
  readonly highVolatility?: boolean;
  /** Random-walk volatility in logit units per √second. */
  readonly volatility?: number;
  readonly legs?: readonly { readonly marketTicker: string; readonly side: Side }[];
}

export interface EventSeed {
  readonly eventTicker: string;
  readonly seriesTicker: string;
  readonly title: string;
  readonly subTitle: string;
  readonly mutuallyExclusive: boolean;
  readonly mveCollectionTicker?: string;
  readonly feeOverride?: { readonly type: FeeType; readonly multiplierPpm: number };
  readonly markets: readonly MarketSeed[];
}

export const SEED_SERIES: readonly SeriesSeed[] = [
  {
    ticker: 'KXFEDDECISION',
    title: 'Fed rate decision',
    category: 'Economics',
    feeType: 'quadratic',
    feeMultiplierPpm: 1_000_000,
  },
  {
    ticker: 'KXBTCD',
    title: 'Bitcoin price at close',
    category: 'Crypto',
    feeType: 'quadratic_with_maker_fees',
    feeMultiplierPpm: 1_000_000,
  },
  {
    ticker: 'KXHIGHNY',
    title: 'Highest temperature in NYC',
    category: 'Climate',
    feeType: 'quadratic',
    feeMultiplierPpm: 1_000_000,
  },
  {
    ticker: 'KXNBAGAME',
    title: 'NBA game winner',
    category: 'Sports',
    feeType: 'quadratic',
    feeMultiplierPpm: 500_000,
  },
  {
    ticker: 'KXCPI',
    title: 'CPI month over month',
    category: 'Economics',
    feeType: 'quadratic_with_maker_fees',
    feeMultiplierPpm: 1_000_000,
  },
  {
    ticker: 'KXINX',
    title: 'S&P 500 range at close',
    category: 'Financials',
    feeType: 'quadratic',
    feeMultiplierPpm: 1_000_000,
  },
  {
    ticker: 'KXMVECROSSCATEGORY',
    title: 'Cross-category combos',
    category: 'Combos',
    feeType: 'quadratic_with_combo_maker_fees',
    feeMultiplierPpm: 1_000_000,
  },
  // The generated multi-game combos' series: unlisted, they traded without the combo maker fee
  // while clients (assuming the highest fee for an unknown series) priced it in.
  {
    ticker: 'KXMVESPORTSMULTIGAMEEXTENDED',
    title: 'Multi-game combos',
    category: 'Combos',
    feeType: 'quadratic_with_combo_maker_fees',
    feeMultiplierPpm: 1_000_000,
  },
];

/** The hand-written events: every single (non-combo) market and a few combos. */
export const BASE_EVENTS: readonly EventSeed[] = [
  {
    eventTicker: 'KXFEDDECISION-26DEC',
    seriesTicker: 'KXFEDDECISION',
    title: 'Fed decision in December 2026',
    subTitle: 'Dec 2026 FOMC',
    mutuallyExclusive: true,
    markets: [
      {
        ticker: 'KXFEDDECISION-26DEC-H0',
        title: 'Fed holds rates',
        yesSubTitle: 'Hold',
        fair: 550_000,
        structure: 'linear_cent',
      },
      {
        ticker: 'KXFEDDECISION-26DEC-C25',
        title: 'Fed cuts 25bps',
        yesSubTitle: 'Cut 25bps',
        fair: 300_000,
        structure: 'linear_cent',
      },
      {
        ticker: 'KXFEDDECISION-26DEC-C50',
        title: 'Fed cuts 50bps',
        yesSubTitle: 'Cut 50bps',
        fair: 100_000,
        structure: 'linear_cent',
      },
      {
        ticker: 'KXFEDDECISION-26DEC-H25',
        title: 'Fed hikes 25bps',
        yesSubTitle: 'Hike 25bps',
        fair: 50_000,
        structure: 'linear_cent',
      },
    ],
  },
  {
    eventTicker: 'KXBTCD-26DEC3117',
    seriesTicker: 'KXBTCD',
    title: 'Bitcoin price on Dec 31, 2026 at 5pm EST',
    subTitle: 'Dec 31, 2026',
    mutuallyExclusive: false,
    markets: [
      {
        ticker: 'KXBTCD-26DEC3117-T95000',
        title: 'BTC above 95,000',
        yesSubTitle: '$95,000 or above',
        fair: 820_000,
        structure: 'deci_cent',
        highVolatility: true,
        volatility: 0.02,
      },
      {
        ticker: 'KXBTCD-26DEC3117-T100000',
        title: 'BTC above 100,000',
        yesSubTitle: '$100,000 or above',
        fair: 640_000,
        structure: 'deci_cent',
        highVolatility: true,
        volatility: 0.02,
      },
      {
        ticker: 'KXBTCD-26DEC3117-T105000',
        title: 'BTC above 105,000',
        yesSubTitle: '$105,000 or above',
        fair: 450_000,
        structure: 'deci_cent',
        highVolatility: true,
        volatility: 0.02,
      },
      {
        ticker: 'KXBTCD-26DEC3117-T110000',
        title: 'BTC above 110,000',
        yesSubTitle: '$110,000 or above',
        fair: 270_000,
        structure: 'deci_cent',
        highVolatility: true,
        volatility: 0.02,
      },
      {
        ticker: 'KXBTCD-26DEC3117-T115000',
        title: 'BTC above 115,000',
        yesSubTitle: '$115,000 or above',
        fair: 140_000,
        structure: 'deci_cent',
        highVolatility: true,
        volatility: 0.02,
      },
    ],
  },
  {
    eventTicker: 'KXHIGHNY-26DEC31',
    seriesTicker: 'KXHIGHNY',
    title: 'Highest temperature in NYC on Dec 31, 2026',
    subTitle: 'Dec 31, 2026',
    mutuallyExclusive: true,
    markets: [
      {
        ticker: 'KXHIGHNY-26DEC31-B30.5',
        title: '30° to 31°',
        yesSubTitle: '30° to 31°',
        fair: 80_000,
        structure: 'tapered_deci_cent',
      },
      {
        ticker: 'KXHIGHNY-26DEC31-B32.5',
        title: '32° to 33°',
        yesSubTitle: '32° to 33°',
        fair: 220_000,
        structure: 'tapered_deci_cent',
      },
      {
        ticker: 'KXHIGHNY-26DEC31-B34.5',
        title: '34° to 35°',
        yesSubTitle: '34° to 35°',
        fair: 330_000,
        structure: 'tapered_deci_cent',
      },
      {
        ticker: 'KXHIGHNY-26DEC31-B36.5',
        title: '36° to 37°',
        yesSubTitle: '36° to 37°',
        fair: 250_000,
        structure: 'tapered_deci_cent',
      },
      {
        ticker: 'KXHIGHNY-26DEC31-T38',
        title: '38° or above',
        yesSubTitle: '38° or above',
        fair: 120_000,
        structure: 'tapered_deci_cent',
      },
    ],
  },
  {
    eventTicker: 'KXNBAGAME-26DEC31LALBOS',
    seriesTicker: 'KXNBAGAME',
    title: 'Los Angeles L at Boston, Dec 31, 2026',
    subTitle: 'LAL at BOS',
    mutuallyExclusive: true,
    markets: [
      {
        ticker: 'KXNBAGAME-26DEC31LALBOS-LAL',
        title: 'Los Angeles L wins',
        yesSubTitle: 'Los Angeles L',
        fair: 420_000,
        structure: 'linear_cent',
        volatility: 0.01,
      },
      {
        ticker: 'KXNBAGAME-26DEC31LALBOS-BOS',
        title: 'Boston wins',
        yesSubTitle: 'Boston',
        fair: 580_000,
        structure: 'linear_cent',
        volatility: 0.01,
      },
    ],
  },
  {
    eventTicker: 'KXCPI-26DEC',
    seriesTicker: 'KXCPI',
    title: 'CPI change in December 2026',
    subTitle: 'Dec 2026 CPI',
    mutuallyExclusive: false,
    markets: [
      {
        ticker: 'KXCPI-26DEC-T0.2',
        title: 'CPI above 0.2%',
        yesSubTitle: 'Above 0.2%',
        fair: 700_000,
        structure: 'linear_cent',
      },
      {
        ticker: 'KXCPI-26DEC-T0.3',
        title: 'CPI above 0.3%',
        yesSubTitle: 'Above 0.3%',
        fair: 480_000,
        structure: 'linear_cent',
      },
      {
        ticker: 'KXCPI-26DEC-T0.4',
        title: 'CPI above 0.4%',
        yesSubTitle: 'Above 0.4%',
        fair: 260_000,
        structure: 'linear_cent',
      },
      {
        ticker: 'KXCPI-26DEC-T0.5',
        title: 'CPI above 0.5%',
        yesSubTitle: 'Above 0.5%',
        fair: 110_000,
        structure: 'linear_cent',
      },
    ],
  },
  {
    eventTicker: 'KXINX-26DEC31H1600',
    seriesTicker: 'KXINX',
    title: 'S&P 500 on Dec 31, 2026 at 4pm EST',
    subTitle: 'Dec 31, 2026',
    mutuallyExclusive: true,
    feeOverride: { type: 'quadratic_with_maker_fees', multiplierPpm: 500_000 },
    markets: [
      {
        ticker: 'KXINX-26DEC31H1600-B6000',
        title: '5,950 to 6,049.99',
        yesSubTitle: '5,950 to 6,049.99',
        fair: 180_000,
        structure: 'tapered_deci_cent',
        highVolatility: true,
        volatility: 0.015,
      },
      {
        ticker: 'KXINX-26DEC31H1600-B6100',
        title: '6,050 to 6,149.99',
        yesSubTitle: '6,050 to 6,149.99',
        fair: 310_000,
        structure: 'tapered_deci_cent',
        highVolatility: true,
        volatility: 0.015,
      },
      {
        ticker: 'KXINX-26DEC31H1600-B6200',
        title: '6,150 to 6,249.99',
        yesSubTitle: '6,150 to 6,249.99',
        fair: 290_000,
        structure: 'tapered_deci_cent',
        highVolatility: true,
        volatility: 0.015,
      },
      {
        ticker: 'KXINX-26DEC31H1600-B6300',
        title: '6,250 to 6,349.99',
        yesSubTitle: '6,250 to 6,349.99',
        fair: 150_000,
        structure: 'tapered_deci_cent',
        highVolatility: true,
        volatility: 0.015,
      },
    ],
  },
  {
    eventTicker: 'KXMVECROSSCATEGORY-S2026DEC31',
    seriesTicker: 'KXMVECROSSCATEGORY',
    title: 'Cross-category combos, Dec 31, 2026',
    subTitle: 'Combos',
    mutuallyExclusive: false,
    mveCollectionTicker: 'KXMVECROSSCATEGORY-R',
    markets: [
      {
        ticker: 'KXMVECROSSCATEGORY-S2026DEC31-7A1C2E',
        title: 'yes Boston, yes BTC above 100,000',
        yesSubTitle: 'Combo',
        fair: 0,
        structure: 'center_deci_edge_centi_cent',
        legs: [
          { marketTicker: 'KXNBAGAME-26DEC31LALBOS-BOS', side: 'yes' },
          { marketTicker: 'KXBTCD-26DEC3117-T100000', side: 'yes' },
        ],
      },
      {
        ticker: 'KXMVECROSSCATEGORY-S2026DEC31-3B9F04',
        title: 'yes Fed holds, no CPI above 0.4%',
        yesSubTitle: 'Combo',
        fair: 0,
        structure: 'center_deci_edge_centi_cent',
        legs: [
          { marketTicker: 'KXFEDDECISION-26DEC-H0', side: 'yes' },
          { marketTicker: 'KXCPI-26DEC-T0.4', side: 'no' },
        ],
      },
      {
        ticker: 'KXMVECROSSCATEGORY-S2026DEC31-D45E81',
        title: 'yes 34° to 35°, yes Los Angeles L, yes S&P 6,150 to 6,249.99',
        yesSubTitle: 'Combo',
        fair: 0,
        structure: 'center_deci_edge_centi_cent',
        legs: [
          { marketTicker: 'KXHIGHNY-26DEC31-B34.5', side: 'yes' },
          { marketTicker: 'KXNBAGAME-26DEC31LALBOS-LAL', side: 'yes' },
          { marketTicker: 'KXINX-26DEC31H1600-B6200', side: 'yes' },
        ],
      },
    ],
  },
];

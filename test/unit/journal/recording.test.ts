import { describe, expect, it } from 'vitest';
import type { JournalEvent } from '../../../src/journal/events.js';
import {
  checkRecordingHeader,
  fromRecordingLine,
  RecordingError,
  recordingHeader,
  toRecordingLine,
} from '../../../src/journal/recording.js';

const AT = 1_796_652_000_000;

const events: JournalEvent[] = [
  {
    kind: 'market',
    at: AT,
    marketTicker: 'KXA-26DEC-T1',
    eventTicker: 'KXA-26DEC',
    seriesTicker: 'KXA',
    status: 'active',
    priceGrid: [
      { start: 0, end: 100_000, step: 1_000 },
      { start: 100_000, end: 1_000_000, step: 10_000 },
    ],
    fees: { type: 'quadratic_with_maker_fees', multiplierPpm: 500_000 },
    lastPrice: 455_000,
  },
  {
    kind: 'book',
    at: AT,
    marketTicker: 'KXA-26DEC-T1',
    yes: [
      { price: 440_000, count: 1_250 },
      { price: 450_000, count: 300 },
    ],
    no: [{ price: 530_000, count: 100_000 }],
  },
  {
    kind: 'quote_accepted',
    at: AT,
    rfqId: 'r1',
    quoteId: 'q1',
    marketTicker: 'KXA-26DEC-T1',
    strategy: 'fixed-spread',
    side: 'no',
    price: 512_345,
    contracts: 400,
    offered: 1_000,
  },
  {
    kind: 'rfq_seen',
    at: AT,
    rfqId: 'r2',
    marketTicker: 'KXA-26DEC-T1',
    targetCost: 25_000_000,
    targetCostExcludesFees: true,
    source: 'push',
    createdAt: AT - 5,
  },
];

describe('the recording format', () => {
  it('writes money and sizes as the exchange does and reads back the same integers', () => {
    const lines = events.map(toRecordingLine);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      priceGrid: [{ start: '0.0000', end: '0.1000', step: '0.0010' }, { step: '0.0100' }],
      fees: { type: 'quadratic_with_maker_fees', multiplier: '0.5' },
      lastPrice: '0.4550',
    });
    expect(JSON.parse(lines[1]!)).toMatchObject({
      yes: [
        ['0.4400', '12.50'],
        ['0.4500', '3.00'],
      ],
    });
    expect(JSON.parse(lines[2]!)).toMatchObject({ price: '0.512345', contracts: '4.00', offered: '10.00' });
    expect(lines.map((line, i) => fromRecordingLine(line, i + 2))).toEqual(events);
  });

  it('names the line and the problem of a damaged event', () => {
    const cases: [string, RegExp][] = [
      [
        '{"kind":"book","at":1,"marketTicker":"M","yes":[["0.45"]],"no":[]}',
        /^line 7: yes\[0\] must be a \[price, count\] pair/,
      ],
      [
        '{"kind":"market","at":1,"marketTicker":"M","eventTicker":"E","status":"active"}',
        /^line 7: market: "priceGrid" is required/,
      ],
      [
        '{"kind":"quote_accepted","at":1,"rfqId":"r","quoteId":"q","marketTicker":"M","side":"up","price":"0.4","contracts":"1"}',
        /^line 7: quote_accepted: "side" must be "yes" or "no"/,
      ],
      [
        '{"kind":"rfq_seen","at":1,"rfqId":"r","marketTicker":"M","source":"poll"}',
        /^line 7: rfq_seen: needs "contracts" or "targetCost"/,
      ],
      ['{"kind":"mark","at":1.5,"marketTicker":"M","mid":"0.5"}', /^line 7: "at" must be epoch milliseconds/],
      ['{"kind":"teleport","at":1}', /^line 7: unknown kind "teleport"/],
      ['{"kind":"mark","at":1,"marketTicker":"M","mid":"0.5"', /^line 7: not JSON/],
      [
        '{"kind":"fill","at":1,"tradeId":"t","orderId":"o","marketTicker":"M","side":"yes","contracts":"1.00","price":"0.40","fee":"0","tradedAt":1}',
        /^line 7: fill: "isTaker" must be true or false/,
      ],
    ];
    for (const [text, message] of cases) {
      let thrown: unknown;
      try {
        fromRecordingLine(text, 7);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(RecordingError);
      expect((thrown as RecordingError).line).toBe(7);
      expect((thrown as Error).message).toMatch(message);
    }
  });

  it('checks the header names the format and a version this bot reads', () => {
    expect(checkRecordingHeader(recordingHeader({ source: 'bot' }))).toMatchObject({ source: 'bot' });
    expect(() => checkRecordingHeader('{"kind":"mark"}')).toThrow(/^line 1: not a recording/);
    expect(() => checkRecordingHeader('{"format":"kalshi-rfq-maker/recording","version":2}')).toThrow(
      /recording version 2; this bot reads 1/,
    );
  });
});

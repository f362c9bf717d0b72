import fc from 'fast-check';
import { createTask } from 'node-cron';
import { describe, expect, it } from 'vitest';
import type { Clock, Timer } from '../../../src/domain/clock.js';
import type { EpochMs } from '../../../src/domain/types.js';
import { RiskConfigError } from '../../../src/risk/limits.js';
import { TradingWindows, type WindowChange, WindowSchedule } from '../../../src/risk/windows.js';
import { zonedParts } from '../../../src/risk/zoned-time.js';
import { ManualClock } from './fixtures.js';

const NY = 'America/New_York';
const US_HOURS = { cron: '* 9-16 * * 1-5', timezone: NY, name: 'us-hours' };
const at = (iso: string) => Date.parse(iso);

describe('TradingWindows', () => {
  const us = new TradingWindows([US_HOURS]);

  it('is active Monday to Friday 09:00–16:59 New York time, in winter (EST, UTC−5)', () => {
    // Friday 6 March 2026
    expect(us.isActive(at('2026-03-06T13:59:59Z'))).toBe(false);
    expect(us.isActive(at('2026-03-06T14:00:00Z'))).toBe(true);
    expect(us.isActive(at('2026-03-06T21:59:59Z'))).toBe(true);
    expect(us.isActive(at('2026-03-06T22:00:00Z'))).toBe(false);
    // Saturday and Sunday
    expect(us.isActive(at('2026-03-07T15:00:00Z'))).toBe(false);
    expect(us.isActive(at('2026-03-08T15:00:00Z'))).toBe(false);
  });

  it('follows the switch to daylight time (EDT, UTC−4) on 8 March 2026', () => {
    // Monday 9 March: 09:00 EDT is 13:00Z
    expect(us.isActive(at('2026-03-09T12:59:00Z'))).toBe(false);
    expect(us.isActive(at('2026-03-09T13:00:00Z'))).toBe(true);
    expect(us.isActive(at('2026-03-09T20:59:59Z'))).toBe(true);
    expect(us.isActive(at('2026-03-09T21:00:00Z'))).toBe(false);
  });

  it('follows the switch back on 1 November 2026', () => {
    // Friday 30 October (EDT) and Monday 2 November (EST)
    expect(us.isActive(at('2026-10-30T13:00:00Z'))).toBe(true);
    expect(us.isActive(at('2026-11-02T13:00:00Z'))).toBe(false);
    expect(us.isActive(at('2026-11-02T14:00:00Z'))).toBe(true);
  });

  it('skips the hour that does not exist and counts the repeated hour twice', () => {
    const twoAm = new TradingWindows([{ cron: '* 2 * * *', timezone: NY }]);
    const springForward = at('2026-03-08T00:00:00Z');
    let activeMinutes = 0;
    for (let m = 0; m < 24 * 60; m++) if (twoAm.isActive(springForward + m * 60_000)) activeMinutes++;
    expect(activeMinutes).toBe(0);
    const oneAm = new TradingWindows([{ cron: '* 1 * * *', timezone: NY }]);
    // 01:00–01:59 EDT (05:00Z) and again 01:00–01:59 EST (06:00Z)
    expect(oneAm.isActive(at('2026-11-01T04:59:00Z'))).toBe(false);
    expect(oneAm.isActive(at('2026-11-01T05:00:00Z'))).toBe(true);
    expect(oneAm.isActive(at('2026-11-01T06:30:00Z'))).toBe(true);
    expect(oneAm.isActive(at('2026-11-01T07:00:00Z'))).toBe(false);
  });

  it('supports steps, lists, ranges, names and Sunday as 7', () => {
    const quarter = new TradingWindows([{ cron: '*/15 * * * *', timezone: 'UTC' }]);
    expect([0, 1, 14, 15, 30, 44, 45, 59].map((m) => quarter.isActive(Date.UTC(2026, 0, 5, 10, m)))).toEqual([
      true,
      false,
      false,
      true,
      true,
      false,
      true,
      false,
    ]);
    const lists = new TradingWindows([{ cron: '0-29 9,13 * jan,jul mon-fri', timezone: 'UTC' }]);
    expect(lists.isActive(Date.UTC(2026, 0, 5, 9, 29))).toBe(true);
    expect(lists.isActive(Date.UTC(2026, 0, 5, 9, 30))).toBe(false);
    expect(lists.isActive(Date.UTC(2026, 0, 5, 13, 0))).toBe(true);
    expect(lists.isActive(Date.UTC(2026, 0, 5, 11, 0))).toBe(false);
    expect(lists.isActive(Date.UTC(2026, 1, 5, 9, 0))).toBe(false);
    const sunday = new TradingWindows([{ cron: '* * * * 7', timezone: 'UTC' }]);
    expect(sunday.isActive(Date.UTC(2026, 2, 8, 12, 0))).toBe(true);
    expect(sunday.isActive(Date.UTC(2026, 2, 9, 12, 0))).toBe(false);
    const lastFriday = new TradingWindows([{ cron: '* * * * 5L', timezone: 'UTC' }]);
    expect(lastFriday.isActive(Date.UTC(2026, 2, 27, 12))).toBe(true);
    expect(lastFriday.isActive(Date.UTC(2026, 2, 20, 12))).toBe(false);
  });

  it('is the union of its windows, each in its own time zone', () => {
    const both = new TradingWindows([
      US_HOURS,
      { cron: '* 8-15 * * 1-5', timezone: 'Europe/London', name: 'london' },
    ]);
    // Monday 12 January 2026: London 08:00 = 08:00Z; New York 09:00 = 14:00Z
    expect(both.activeWindow(at('2026-01-12T07:59:00Z'))).toBeUndefined();
    expect(both.activeWindow(at('2026-01-12T08:00:00Z'))).toBe('london');
    expect(both.activeWindow(at('2026-01-12T15:30:00Z'))).toBe('us-hours');
    expect(both.isActive(at('2026-01-12T21:30:00Z'))).toBe(true);
    expect(both.isActive(at('2026-01-12T22:00:00Z'))).toBe(false);
  });

  it('with no windows is always active', () => {
    const none = new TradingWindows([]);
    expect(none.alwaysActive).toBe(true);
    expect(none.isActive(0)).toBe(true);
    expect(none.nextChange(0)).toBeUndefined();
  });

  it('finds the next change', () => {
    expect(us.nextChange(at('2026-03-06T15:00:00Z'))).toBe(at('2026-03-06T22:00:00Z'));
    expect(us.nextChange(at('2026-03-06T22:00:00Z'))).toBe(at('2026-03-09T13:00:00Z'));
  });

  it('finds the same next change as asking minute by minute, across offset changes', () => {
    const windows = new TradingWindows([
      { cron: '0-29 1,2 * * *', timezone: 'Australia/Lord_Howe' }, // 02:00 -> 02:30 on 4 October
      { cron: '* 2 * * *', timezone: NY }, // an hour New York skips on 8 March
      { cron: '15 0 * * *', timezone: 'America/St_Johns' }, // 00:01 -> 01:01 on 9 March 2008
    ]);
    const MINUTE = 60_000;
    const byMinute = (from: number): number | undefined => {
      const state = windows.isActive(from);
      for (let m = Math.floor(from / MINUTE) * MINUTE + MINUTE, i = 0; i < 2 * 1440; i++, m += MINUTE)
        if (windows.isActive(m) !== state) return m;
      return undefined;
    };
    const starts = [
      '2026-10-03T14:00:00Z',
      '2026-10-03T15:29:30Z',
      '2026-03-08T06:00:00Z',
      '2008-03-09T03:00:00Z',
    ];
    let from = 0;
    for (const start of starts) {
      // follow the changes through the day after each start
      for (from = at(start); from < at(start) + 1440 * MINUTE; ) {
        const next = windows.nextChange(from, 2 * 1440);
        expect(next, new Date(from).toISOString()).toBe(byMinute(from));
        if (next === undefined) break;
        from = next;
      }
    }
  });

  it('rejects bad expressions, time zones and second-level windows, listing every problem', () => {
    try {
      new TradingWindows([
        { cron: '* 25 * * *', timezone: NY },
        { cron: '* * * * *', timezone: 'Mars/Olympus' },
        { cron: '*/10 * 9 * * *', timezone: 'UTC' },
        { cron: '', timezone: 'UTC' },
      ]);
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RiskConfigError);
      const problems = (error as RiskConfigError).problems;
      expect(problems).toHaveLength(4);
      expect(problems[0]).toMatch(/^tradingWindows\[0\]\.cron/);
      expect(problems[1]).toMatch(/^tradingWindows\[1\]\.timezone/);
      expect(problems[2]).toMatch(/seconds field/);
      expect(problems[3]).toMatch(/^tradingWindows\[3\]\.cron/);
    }
  });

  it('agrees with node-cron’s own matcher at any minute of 2026 (property)', () => {
    const field = (min: number, max: number) =>
      fc.oneof(
        fc.constant('*'),
        fc.integer({ min, max }).map(String),
        fc
          .tuple(fc.integer({ min, max }), fc.integer({ min, max }))
          .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc.integer({ min: 2, max: 20 }).map((step) => `*/${step}`),
        fc
          .uniqueArray(fc.integer({ min, max }), { minLength: 2, maxLength: 4 })
          .map((list) => list.join(',')),
      );
    const expression = fc
      .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6))
      .map((fields) => fields.join(' '));
    const zone = fc.constantFrom('UTC', NY, 'Europe/London', 'Asia/Kolkata', 'Australia/Sydney');
    const minute = fc
      .integer({ min: 0, max: 365 * 24 * 60 })
      .map((m) => at('2026-01-01T00:00:00Z') + m * 60_000);
    fc.assert(
      fc.property(
        expression,
        zone,
        fc.array(minute, { minLength: 1, maxLength: 20 }),
        (cron, timezone, instants) => {
          const ours = new TradingWindows([{ cron, timezone }]);
          const task = createTask(cron, () => {}, { timezone });
          try {
            for (const instant of instants) {
              expect(ours.isActive(instant), `${cron} ${timezone} ${new Date(instant).toISOString()}`).toBe(
                task.match(new Date(instant)),
              );
            }
          } finally {
            void task.destroy();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('reads wall-clock fields through Intl, DST included', () => {
    expect(zonedParts(at('2026-03-08T06:59:00Z'), NY)).toMatchObject({
      day: 8,
      hour: 1,
      minute: 59,
      weekday: 0,
    });
    expect(zonedParts(at('2026-03-08T07:00:00Z'), NY)).toMatchObject({ day: 8, hour: 3, minute: 0 });
    expect(zonedParts(at('2026-03-09T04:00:00Z'), NY)).toMatchObject({ day: 9, hour: 0, weekday: 1 });
  });
});

describe('WindowSchedule', () => {
  function schedule(startIso: string) {
    const clock = new ManualClock(at(startIso));
    const ws = new WindowSchedule({ windows: [US_HOURS], clock });
    const changes: WindowChange[] = [];
    ws.onChange((change) => changes.push(change));
    return { clock, ws, changes };
  }

  it('starting inside a window reports active, then emits the close at the window’s end', () => {
    const { clock, ws, changes } = schedule('2026-03-09T20:58:30Z');
    expect(ws.start()).toBe(true);
    clock.advanceTo(at('2026-03-09T20:59:59.999Z'));
    expect(changes).toEqual([]);
    clock.advanceTo(at('2026-03-09T21:00:00Z'));
    expect(changes).toEqual([{ active: false, at: at('2026-03-09T21:00:00Z'), schedule: 'global' }]);
    expect(ws.active).toBe(false);
    ws.stop();
    expect(clock.pendingTimers).toBe(0);
  });

  it('starting outside a window reports inactive, then emits the open when the next one starts', () => {
    const { clock, ws, changes } = schedule('2026-03-07T12:00:00Z');
    expect(ws.start()).toBe(false);
    expect(ws.isActive(at('2026-03-09T13:00:00Z'))).toBe(true);
    clock.advanceTo(at('2026-03-09T13:05:00Z'));
    expect(changes).toEqual([
      { active: true, at: at('2026-03-09T13:00:00Z'), schedule: 'global', window: 'us-hours' },
    ]);
    clock.advanceTo(at('2026-03-10T13:05:00Z'));
    expect(changes.map((c) => c.active)).toEqual([true, false, true]);
    ws.stop();
  });

  it('emits a close whose timer fired a millisecond early, at the boundary and not a minute later', () => {
    // libuv's loop time is cached, so a timer can fire just before its instant, and the clock
    // ticks on while the callback runs: each read inside a callback is a millisecond later.
    const clock = new EarlyTimerClock(at('2026-03-09T20:59:30Z'));
    const ws = new WindowSchedule({ windows: [US_HOURS], clock });
    const changes: WindowChange[] = [];
    ws.onChange((change) => changes.push(change));
    expect(ws.start()).toBe(true);
    clock.runUntil(at('2026-03-09T21:00:05Z'));
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ active: false });
    expect(changes[0]!.at - at('2026-03-09T21:00:00Z')).toBeLessThanOrEqual(2);
    ws.stop();
  });

  it('catches up after the clock jumps past a boundary', () => {
    const { clock, ws, changes } = schedule('2026-03-09T15:00:00Z');
    ws.start();
    clock.jumpTo(at('2026-03-09T23:00:00Z'));
    expect(ws.check()).toBe(false);
    expect(changes).toHaveLength(1);
    expect(clock.pendingTimers).toBe(1);
    ws.stop();
  });

  it('takes a reload’s windows at once: a window now closed is emitted now, the timer follows the new ones', () => {
    const { clock, ws, changes } = schedule('2026-03-09T15:00:30Z');
    expect(ws.start()).toBe(true);
    // Tokyo business hours: closed at 15:00Z (midnight in Tokyo).
    ws.setWindows([{ cron: '* 9-16 * * 1-5', timezone: 'Asia/Tokyo', name: 'tokyo' }]);
    expect(changes).toEqual([{ active: false, at: at('2026-03-09T15:00:30Z'), schedule: 'global' }]);
    expect(ws.windows.windows.map((w) => w.name)).toEqual(['tokyo']);
    expect(clock.pendingTimers).toBe(1);
    // 09:00 Tuesday in Tokyo is 00:00Z.
    clock.advanceTo(at('2026-03-10T00:00:00Z'));
    expect(changes.at(-1)).toMatchObject({ active: true, window: 'tokyo' });
    // Always active again: open stays open, no timer needed.
    ws.setWindows([]);
    expect(changes).toHaveLength(2);
    expect(clock.pendingTimers).toBe(0);
    expect(() => ws.setWindows([{ cron: 'nonsense', timezone: 'UTC' }])).toThrow(RiskConfigError);
    expect(ws.windows.alwaysActive).toBe(true);
  });

  it('with no windows never needs a timer', () => {
    const clock = new ManualClock(0);
    const ws = new WindowSchedule({ windows: [], clock, name: 'my-strategy' });
    expect(ws.start()).toBe(true);
    expect(clock.pendingTimers).toBe(0);
    expect(ws.name).toBe('my-strategy');
  });
});

/** Timers fire 1 ms before their instant, and every `now()` inside a callback reads 1 ms later. */
class EarlyTimerClock implements Clock {
  #now: EpochMs;
  #ticking = false;
  readonly #timers: { at: EpochMs; fn: () => void; cancelled: boolean }[] = [];

  constructor(start: EpochMs) {
    this.#now = start;
  }

  now(): EpochMs {
    const now = this.#now;
    if (this.#ticking) this.#now += 1;
    return now;
  }

  schedule(delayMs: number, fn: () => void): Timer {
    const timer = { at: this.#now + Math.max(0, delayMs) - 1, fn, cancelled: false };
    this.#timers.push(timer);
    return {
      cancel: () => {
        timer.cancelled = true;
      },
    };
  }

  runUntil(end: EpochMs): void {
    for (;;) {
      const live = this.#timers.filter((t) => !t.cancelled).sort((a, b) => a.at - b.at);
      const next = live[0];
      if (!next || next.at > end) break;
      next.cancelled = true;
      this.#now = Math.max(this.#now, next.at);
      this.#ticking = true;
      try {
        next.fn();
      } finally {
        this.#ticking = false;
      }
    }
  }
}

import { describe, expect, it } from 'vitest';
import { ManualClock, scheduleVerdict, systemClock } from '../../../src/domain/clock.js';

describe('ManualClock', () => {
  it('fires due timers in time order, each at its own time, including ones scheduled while firing', () => {
    const clock = new ManualClock(100);
    const fired: string[] = [];
    clock.schedule(30, () => fired.push(`b@${clock.now()}`));
    clock.schedule(10, () => {
      fired.push(`a@${clock.now()}`);
      clock.schedule(5, () => fired.push(`a2@${clock.now()}`));
    });
    clock.schedule(30, () => fired.push(`c@${clock.now()}`));
    const cancelled = clock.schedule(20, () => fired.push('never'));
    cancelled.cancel();
    cancelled.cancel();
    expect(clock.nextTimerAt()).toBe(110);
    clock.advance(25);
    expect(fired).toEqual(['a@110', 'a2@115']);
    expect(clock.now()).toBe(125);
    clock.advanceTo(50);
    expect(clock.now()).toBe(125);
    clock.advanceTo(130);
    expect(fired).toEqual(['a@110', 'a2@115', 'b@130', 'c@130']);
    expect(clock.pendingTimers).toBe(0);
    expect(clock.nextTimerAt()).toBeUndefined();
  });

  it('treats a negative delay as zero', () => {
    const clock = new ManualClock();
    let ran = false;
    clock.schedule(-5, () => {
      ran = true;
    });
    clock.advance(0);
    expect(ran).toBe(true);
  });
});

describe('systemClock', () => {
  it('runs and cancels real timers', async () => {
    let cancelledRan = false;
    systemClock
      .schedule(1, () => {
        cancelledRan = true;
      })
      .cancel();
    const started = systemClock.now();
    // Timers fire in due order: once this later one has fired, the cancelled one would have too.
    await new Promise<void>((resolve) => systemClock.schedule(5, resolve));
    expect(systemClock.now()).toBeGreaterThanOrEqual(started);
    expect(cancelledRan).toBe(false);
  });
});

describe('scheduleVerdict', () => {
  const turn = () => new Promise((resolve) => setImmediate(resolve));

  it('gives its verdict after the I/O of the turn its timer fired in, not in that timer', async () => {
    const clock = new ManualClock(0);
    const order: string[] = [];
    scheduleVerdict(clock, 10, () => order.push('verdict'));
    clock.advance(10);
    order.push('timer phase over');
    await turn();
    expect(order).toEqual(['timer phase over', 'verdict']);
  });

  it('drops a verdict already due when cancelled (an answer read in between)', async () => {
    const clock = new ManualClock(0);
    let verdicts = 0;
    const timer = scheduleVerdict(clock, 10, () => verdicts++);
    clock.advance(10);
    timer.cancel();
    await turn();
    expect(verdicts).toBe(0);
    scheduleVerdict(clock, 10, () => verdicts++).cancel();
    clock.advance(10);
    await turn();
    expect(verdicts).toBe(0);
  });
});

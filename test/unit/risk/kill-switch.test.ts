import { EventEmitter } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { KillSwitch, type KillSwitchState } from '../../../src/risk/kill-switch.js';
import { RiskConfigError } from '../../../src/risk/limits.js';
import { $, ManualClock } from './fixtures.js';

describe('KillSwitch', () => {
  let dir: string;
  const switches: KillSwitch[] = [];
  const make = (options: ConstructorParameters<typeof KillSwitch>[0] = {}) => {
    const ks = new KillSwitch(options);
    switches.push(ks);
    return ks;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'kill-switch-'));
  });
  afterEach(async () => {
    for (const ks of switches.splice(0)) ks.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('trips once, keeps the first reason, tells listeners, and resumes only when asked', async () => {
    const clock = new ManualClock(1_000);
    const ks = make({ clock });
    const seen: [KillSwitchState, KillSwitchState][] = [];
    ks.onChange((state, previous) => seen.push([state, previous]));
    ks.onChange(() => {
      throw new Error('a broken listener must not stop the others');
    });
    expect(ks.isTripped).toBe(false);
    expect(await ks.resume('http')).toEqual({ resumed: false, reason: 'the kill switch is not tripped' });
    expect(ks.trip('operator says stop', 'http')).toBe(true);
    clock.advanceTo(2_000);
    expect(ks.trip('later reason', 'signal')).toBe(false);
    expect(ks.state).toMatchObject({
      tripped: true,
      reason: 'operator says stop',
      source: 'http',
      since: 1_000,
      trips: 1,
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.[1].tripped).toBe(false);
    expect(await ks.resume('http')).toEqual({ resumed: true });
    expect(ks.isTripped).toBe(false);
    expect(ks.state.reason).toBeUndefined();
    expect(seen).toHaveLength(2);
    expect(ks.trip('again', 'manual')).toBe(true);
    expect(ks.state.trips).toBe(2);
  });

  it('trips when the kill file appears and refuses to resume while it exists', async () => {
    const killFile = join(dir, 'KILL');
    const ks = make({ killFile });
    expect(await ks.checkKillFile()).toBe(false);
    expect(ks.isTripped).toBe(false);
    await writeFile(killFile, '');
    expect(await ks.checkKillFile()).toBe(true);
    expect(ks.state).toMatchObject({ tripped: true, source: 'file', killFilePresent: true });
    const refused = await ks.resume('http');
    expect(refused.resumed).toBe(false);
    if (!refused.resumed) expect(refused.reason).toContain(killFile);
    expect(ks.isTripped).toBe(true);
    await rm(killFile);
    // removing the file alone does not resume
    expect(await ks.checkKillFile()).toBe(false);
    expect(ks.isTripped).toBe(true);
    expect(await ks.resume('http')).toEqual({ resumed: true });
  });

  it('refuses to resume while the kill file exists, whoever tripped it', async () => {
    const killFile = join(dir, 'KILL');
    const ks = make({ killFile });
    ks.trip('manual stop', 'http');
    await writeFile(killFile, '');
    expect((await ks.resume('http')).resumed).toBe(false);
  });

  it('polls the kill file on its own once started', async () => {
    const killFile = join(dir, 'KILL');
    const ks = make({ killFile, pollMs: 20 });
    await ks.start();
    expect(ks.isTripped).toBe(false);
    await writeFile(killFile, 'stop');
    await vi.waitFor(() => expect(ks.isTripped).toBe(true), { timeout: 10_000, interval: 20 });
    expect(ks.state.source).toBe('file');
  });

  it('trips at startup when the kill file is already there', async () => {
    const killFile = join(dir, 'KILL');
    await writeFile(killFile, '');
    const ks = make({ killFile, pollMs: 60_000 });
    await ks.start();
    expect(ks.isTripped).toBe(true);
  });

  it('treats a path under a regular file as absent', async () => {
    await writeFile(join(dir, 'plain'), '');
    const ks = make({ killFile: join(dir, 'plain', 'KILL') });
    expect(await ks.checkKillFile()).toBe(false);
    expect(ks.isTripped).toBe(false);
  });

  it('trips after N consecutive exchange errors; a success resets the count', async () => {
    const ks = make({ maxConsecutiveErrors: 3 });
    expect(ks.recordExchangeResult(false)).toBe(false);
    expect(ks.recordExchangeResult(false)).toBe(false);
    expect(ks.recordExchangeResult(true)).toBe(false);
    expect(ks.state.consecutiveErrors).toBe(0);
    expect(ks.recordExchangeResult(false)).toBe(false);
    expect(ks.recordExchangeResult(false)).toBe(false);
    expect(ks.recordExchangeResult(false)).toBe(true);
    expect(ks.state).toMatchObject({
      tripped: true,
      source: 'exchange-errors',
      reason: '3 consecutive exchange errors',
    });
    await ks.resume('http');
    expect(ks.state.consecutiveErrors).toBe(0);
    expect(make({ maxConsecutiveErrors: 0 }).recordExchangeResult(false)).toBe(false);
  });

  it('trips on a daily-loss breach and, when configured, on a drawdown from the peak', () => {
    const loss = make({ maxDailyLoss: $('500') });
    expect(loss.checkPnl($('-500'), 0)).toBe(false);
    expect(loss.checkPnl($('-500.01'), 0)).toBe(true);
    expect(loss.state.source).toBe('loss');
    expect(make().checkPnl($('-100'), $('1000'))).toBe(false);
    const drawdown = make({ maxDailyLoss: $('500'), maxDrawdown: $('300') });
    expect(drawdown.checkPnl($('100'), $('400'))).toBe(false);
    expect(drawdown.checkPnl($('99'), $('400'))).toBe(true);
    expect(drawdown.state).toMatchObject({ source: 'drawdown' });
    expect(drawdown.state.reason).toContain('$301');
  });

  it('takes a reload’s thresholds for the next check; an invalid one is refused and the old ones stay', () => {
    const ks = make({ maxDailyLoss: $('500'), maxDrawdown: $('300'), maxConsecutiveErrors: 5 });
    ks.configure({ maxDailyLoss: $('1000'), maxDrawdown: $('2000'), maxConsecutiveErrors: 2 });
    // Past the old loss and drawdown limits, inside the new ones.
    expect(ks.checkPnl($('-600'), $('400'))).toBe(false);
    expect(() => ks.configure({ maxDailyLoss: -1, maxDrawdown: $('0.5'), maxConsecutiveErrors: 1 })).toThrow(
      RiskConfigError,
    );
    expect(ks.checkPnl($('-999'), 0)).toBe(false);
    expect(ks.recordExchangeResult(false)).toBe(false);
    expect(ks.recordExchangeResult(false)).toBe(true);
    expect(ks.state.reason).toBe('2 consecutive exchange errors');

    const tighter = make({ maxDailyLoss: $('500'), maxDrawdown: $('300') });
    tighter.configure({ maxDailyLoss: $('100'), maxDrawdown: $('300') });
    expect(tighter.checkPnl($('-100.01'), 0)).toBe(true);
    expect(tighter.state.reason).toContain('$100');
    const drawdown = make({ maxDailyLoss: $('500'), maxDrawdown: $('300') });
    drawdown.configure({ maxDailyLoss: $('500'), maxDrawdown: $('50') });
    expect(drawdown.checkPnl($('349'), $('400'))).toBe(true);
    expect(drawdown.state.source).toBe('drawdown');
  });

  it('trips on SIGUSR2 and resumes on SIGHUP from the injected emitter; uninstalls cleanly', async () => {
    const killFile = join(dir, 'KILL');
    const lines: string[] = [];
    const log = pino({ level: 'info' }, { write: (line: string) => lines.push(line) });
    const ks = make({ killFile, log });
    const emitter = new EventEmitter();
    const uninstall = ks.installSignalTrigger(emitter);
    emitter.emit('SIGUSR2');
    expect(ks.state).toMatchObject({ tripped: true, source: 'signal', reason: 'SIGUSR2 received' });
    await writeFile(killFile, '');
    emitter.emit('SIGHUP');
    await vi.waitFor(() => expect(lines.join('')).toContain('resume signal ignored'), {
      timeout: 5_000,
      interval: 10,
    });
    expect(ks.isTripped).toBe(true);
    await rm(killFile);
    emitter.emit('SIGHUP');
    await vi.waitFor(() => expect(ks.isTripped).toBe(false), { timeout: 5_000, interval: 10 });
    uninstall();
    expect(emitter.listenerCount('SIGUSR2')).toBe(0);
    expect(emitter.listenerCount('SIGHUP')).toBe(0);
    emitter.emit('SIGUSR2');
    expect(ks.isTripped).toBe(false);
  });

  it('installs on the real process object, with the resume signal disabled', () => {
    const ks = make();
    const before = process.listenerCount('SIGUSR2');
    const uninstall = ks.installSignalTrigger(process, { resume: null });
    try {
      process.emit('SIGUSR2', 'SIGUSR2');
      expect(ks.state.source).toBe('signal');
    } finally {
      uninstall();
    }
    expect(process.listenerCount('SIGUSR2')).toBe(before);
  });

  it('rejects bad options, listing every problem', () => {
    try {
      new KillSwitch({ pollMs: 0, maxConsecutiveErrors: -1, maxDrawdown: 1.5, killFile: '' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(RiskConfigError);
      expect((error as RiskConfigError).problems).toHaveLength(4);
    }
  });
});

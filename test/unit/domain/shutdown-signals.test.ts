import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../../src/domain/clock.js';
import { ShutdownSignals, watchParent } from '../../../src/domain/shutdown-signals.js';

function setup(repeatWindowMs = 1_000) {
  const clock = new ManualClock(1_000);
  const source = new EventEmitter();
  const signals = new ShutdownSignals({ clock, source, repeatWindowMs });
  const seen: string[] = [];
  const handlers = {
    stop: (reason: string) => seen.push(`stop ${reason}`),
    force: (signal: NodeJS.Signals) => seen.push(`force ${signal}`),
    repeated: (signal: NodeJS.Signals, afterMs: number) => seen.push(`repeated ${signal} ${afterMs}`),
  };
  const send = (signal: NodeJS.Signals) => source.emit(signal, signal);
  return { clock, source, signals, seen, handlers, send };
}

describe('ShutdownSignals', () => {
  it('hands the first signal to stop, once', () => {
    const { signals, seen, handlers, send } = setup();
    signals.handle(handlers);
    send('SIGTERM');
    expect(seen).toEqual(['stop SIGTERM']);
    expect(signals.requested).toBe('SIGTERM');
  });

  it('keeps a signal that came before any handler and hands it over when one is set', () => {
    const { signals, seen, handlers, send } = setup();
    send('SIGINT');
    expect(seen).toEqual([]);
    signals.handle(handlers);
    expect(seen).toEqual(['stop SIGINT']);
    signals.handle(handlers); // a later handler does not get the same request again
    expect(seen).toEqual(['stop SIGINT']);
  });

  it('takes a repeat within the window as the same request and a later one as "stop now"', () => {
    const { clock, signals, seen, handlers, send } = setup(1_000);
    signals.handle(handlers);
    send('SIGINT');
    clock.advance(5);
    send('SIGINT'); // npm forwarding what the process group also got
    clock.advance(994);
    send('SIGTERM');
    clock.advance(1);
    send('SIGINT');
    expect(seen).toEqual(['stop SIGINT', 'repeated SIGINT 5', 'repeated SIGTERM 999', 'force SIGINT']);
  });

  it('lets the first signal join a stop asked for otherwise; only a second one forces', () => {
    const { clock, signals, seen, handlers, send } = setup(1_000);
    signals.handle(handlers);
    signals.request('parent exited');
    clock.advance(5_000);
    send('SIGTERM');
    expect(seen).toEqual(['stop parent exited']);
    clock.advance(2_000);
    send('SIGTERM');
    expect(seen).toEqual(['stop parent exited', 'force SIGTERM']);
  });

  it('stops listening when disposed', () => {
    const { source, signals } = setup();
    expect(source.listenerCount('SIGTERM')).toBe(1);
    expect(source.listenerCount('SIGINT')).toBe(1);
    signals.dispose();
    expect(source.listenerCount('SIGTERM')).toBe(0);
    expect(source.listenerCount('SIGINT')).toBe(0);
  });
});

describe('watchParent', () => {
  it('reports once, with the former parent, when the process is reparented', () => {
    const clock = new ManualClock(0);
    let parent = 4242;
    const exits: number[] = [];
    watchParent({ clock, intervalMs: 500, parentPid: () => parent, onExit: (pid) => exits.push(pid) });
    clock.advance(2_000);
    expect(exits).toEqual([]);
    parent = 1;
    clock.advance(499);
    expect(exits).toEqual([]);
    clock.advance(1);
    expect(exits).toEqual([4242]);
    parent = 7;
    clock.advance(5_000);
    expect(exits).toEqual([4242]);
    expect(clock.pendingTimers).toBe(0);
  });

  it('does not watch a process whose parent is init or that is PID 1', () => {
    const clock = new ManualClock(0);
    let parent = 1;
    const exits: number[] = [];
    watchParent({ clock, parentPid: () => parent, onExit: (pid) => exits.push(pid) });
    parent = 99;
    clock.advance(10_000);
    expect(exits).toEqual([]);
  });

  it('stops watching when cancelled', () => {
    const clock = new ManualClock(0);
    let parent = 50;
    const exits: number[] = [];
    const timer = watchParent({ clock, parentPid: () => parent, onExit: (pid) => exits.push(pid) });
    timer.cancel();
    parent = 1;
    clock.advance(10_000);
    expect(exits).toEqual([]);
  });
});

// The drop scheduler on fake timers: delayed start, stop N minutes after starting, stop after the
// first upload, waits longer than setTimeout's 24.8-day limit, manual stop cancelling, bad plans.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DropScheduler, ScheduleError, planFrom, type SchedulePlan } from './scheduler';

const MIN = 60_000;
let calls: string[];
let plans: Map<string, SchedulePlan>;
let sched: DropScheduler;

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-26T02:00:00Z') });
  calls = [];
  plans = new Map();
  sched = new DropScheduler({
    start: (id) => {
      calls.push(`start ${id}`);
      sched.started(id); // what the drop service does once the drop is up
      return Promise.resolve();
    },
    stop: (id, reason) => {
      calls.push(`stop ${id}: ${reason}`);
      return Promise.resolve();
    },
    changed: (id, p) => plans.set(id, p),
  });
});
afterEach(() => {
  sched.dispose();
  vi.useRealTimers();
});

describe('DropScheduler', () => {
  it('starts after the delay, then stops N minutes after it started', () => {
    sched.set('a', planFrom({ startInMinutes: 10, stopAfterMinutes: 30 }, Date.now()));
    vi.advanceTimersByTime(10 * MIN - 1);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(calls).toEqual(['start a']);
    expect(plans.get('a')).toMatchObject({ startAt: null, stopAt: Date.now() + 30 * MIN });
    vi.advanceTimersByTime(30 * MIN);
    expect(calls).toEqual(['start a', 'stop a: stopped at its scheduled time']);
    expect(plans.get('a')).toMatchObject({ startAt: null, stopAt: null });
  });

  it('a drop started by hand begins its stop clock; stopping by hand cancels it', () => {
    sched.set('b', planFrom({ stopAfterMinutes: 5 }, Date.now()));
    sched.started('b');
    vi.advanceTimersByTime(2 * MIN);
    sched.stopped('b');
    vi.advanceTimersByTime(10 * MIN);
    expect(calls).toEqual([]);
  });

  it('stops after the first complete upload, once', () => {
    sched.set('c', planFrom({ stopAfterFirstUpload: true }, Date.now()));
    sched.uploadCompleted('c');
    sched.uploadCompleted('c');
    expect(calls).toEqual(['stop c: stopped after its first complete upload']);
  });

  it('waits past setTimeout’s 24.8-day limit without firing early', () => {
    const at = Date.now() + 30 * 24 * 60 * MIN;
    sched.set('d', planFrom({ startAt: at }, Date.now()));
    vi.advanceTimersByTime(25 * 24 * 60 * MIN);
    expect(calls).toEqual([]);
    vi.advanceTimersByTime(5 * 24 * 60 * MIN);
    expect(calls).toEqual(['start d']);
  });

  it('a saved stop time already past (app was closed) stops at once', () => {
    sched.set('e', { startAt: null, stopAt: Date.now() - 1000, stopAfterMinutes: 5, stopAfterFirstUpload: false });
    vi.advanceTimersByTime(0);
    expect(calls).toEqual(['stop e: stopped at its scheduled time']);
  });

  it('refuses start times in the past and non-positive durations with the field', () => {
    const now = Date.now();
    expect(() => planFrom({ startAt: now - 1 }, now)).toThrow(ScheduleError);
    expect(() => planFrom({ startAt: now - 1 }, now)).toThrow(/in the past/);
    expect(() => planFrom({ stopAfterMinutes: -5 }, now)).toThrow(expect.objectContaining({ field: 'schedule.stopAfterMinutes' }) as Error);
    expect(() => planFrom({ startInMinutes: 0 }, now)).toThrow(/at least 1/);
    expect(() => planFrom({ startAt: now + MIN, startInMinutes: 3 }, now)).toThrow(/not both/);
    expect(planFrom(undefined, now)).toEqual({ startAt: null, stopAt: null, stopAfterMinutes: null, stopAfterFirstUpload: false });
  });
});

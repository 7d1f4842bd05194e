// A drop's timetable: start at a time, stop N minutes after it started or after its first complete
// upload. Holds only timers and absolute times (epoch ms) so the plan survives an app restart when
// the caller saves them; the drop service does the starting and stopping.

/** setTimeout fires at once beyond 2^31-1 ms (~24.8 days): longer waits are re-armed in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

export interface SchedulePlan {
  /** Start at this time; null = no scheduled start. */
  startAt: number | null;
  /** Stop at this time (set once the drop started with stopAfterMinutes); null = none. */
  stopAt: number | null;
  stopAfterMinutes: number | null;
  stopAfterFirstUpload: boolean;
}

export interface SchedulerHooks {
  start(id: string): Promise<void>;
  stop(id: string, reason: string): Promise<void>;
  /** The plan changed (a timer fired, a stop time was set): save it and tell the UI. */
  changed(id: string, plan: SchedulePlan): void;
  now?: () => number;
}

export const EMPTY_PLAN: SchedulePlan = { startAt: null, stopAt: null, stopAfterMinutes: null, stopAfterFirstUpload: false };

export class DropScheduler {
  private readonly plans = new Map<string, SchedulePlan>();
  private readonly timers = new Map<string, { start?: NodeJS.Timeout; stop?: NodeJS.Timeout }>();
  private readonly now: () => number;

  constructor(private readonly hooks: SchedulerHooks) {
    this.now = hooks.now ?? Date.now;
  }

  plan(id: string): SchedulePlan {
    return { ...(this.plans.get(id) ?? EMPTY_PLAN) };
  }

  /** Installs a plan (at creation or after loading): a start time in the past starts now. */
  set(id: string, plan: SchedulePlan): void {
    this.clear(id);
    this.plans.set(id, { ...plan });
    if (plan.startAt !== null) this.arm(id, 'start', plan.startAt);
    if (plan.stopAt !== null) this.arm(id, 'stop', plan.stopAt);
  }

  /** The drop started (by its timer or by hand): a pending start is done, the stop clock begins. */
  started(id: string): void {
    const p = this.plans.get(id);
    if (!p) return;
    this.disarm(id, 'start');
    p.startAt = null;
    if (p.stopAfterMinutes !== null && p.stopAt === null) {
      p.stopAt = this.now() + p.stopAfterMinutes * 60_000;
      this.arm(id, 'stop', p.stopAt);
    }
    this.hooks.changed(id, { ...p });
  }

  /** Stopped by hand: nothing more is planned for this run. */
  stopped(id: string): void {
    const p = this.plans.get(id);
    if (!p) return;
    this.disarm(id, 'start');
    this.disarm(id, 'stop');
    const had = p.startAt !== null || p.stopAt !== null;
    p.startAt = null;
    p.stopAt = null;
    if (had) this.hooks.changed(id, { ...p });
  }

  uploadCompleted(id: string): void {
    const p = this.plans.get(id);
    if (!p?.stopAfterFirstUpload) return;
    p.stopAfterFirstUpload = false;
    this.hooks.changed(id, { ...p });
    void this.hooks.stop(id, 'stopped after its first complete upload').catch(() => undefined);
  }

  forget(id: string): void {
    this.clear(id);
    this.plans.delete(id);
  }

  dispose(): void {
    for (const id of [...this.timers.keys()]) this.clear(id);
  }

  private arm(id: string, kind: 'start' | 'stop', at: number): void {
    this.disarm(id, kind);
    const wait = Math.max(0, at - this.now());
    const t = setTimeout(() => this.fire(id, kind, at), Math.min(wait, MAX_TIMER_MS));
    t.unref();
    const slot = this.timers.get(id) ?? {};
    slot[kind] = t;
    this.timers.set(id, slot);
  }

  private fire(id: string, kind: 'start' | 'stop', at: number): void {
    const slot = this.timers.get(id);
    if (slot) delete slot[kind];
    if (this.now() < at) return this.arm(id, kind, at); // a long wait in steps
    const p = this.plans.get(id);
    if (!p) return;
    if (kind === 'start') {
      // started() clears startAt and begins the stop clock once the drop is up.
      void this.hooks.start(id).catch(() => undefined);
    } else {
      p.stopAt = null;
      this.hooks.changed(id, { ...p });
      void this.hooks.stop(id, 'stopped at its scheduled time').catch(() => undefined);
    }
  }

  private disarm(id: string, kind: 'start' | 'stop'): void {
    const slot = this.timers.get(id);
    const t = slot?.[kind];
    if (t) clearTimeout(t);
    if (slot) delete slot[kind];
  }

  private clear(id: string): void {
    this.disarm(id, 'start');
    this.disarm(id, 'stop');
    this.timers.delete(id);
  }
}

/**
 * The plan for a new drop from what the journalist asked; throws ScheduleError (with the field) for
 * a start time in the past. Durations were range-checked by the contract's schema.
 */
export class ScheduleError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
    this.name = 'ScheduleError';
  }
}

export function planFrom(
  args: { startAt?: number | undefined; startInMinutes?: number | undefined; stopAfterMinutes?: number | undefined; stopAfterFirstUpload?: boolean | undefined } | undefined,
  now: number,
): SchedulePlan {
  if (!args) return { ...EMPTY_PLAN };
  if (args.startAt !== undefined && args.startInMinutes !== undefined) throw new ScheduleError('schedule.startAt', 'give a start time or a delay, not both');
  if (args.startAt !== undefined && args.startAt <= now) throw new ScheduleError('schedule.startAt', 'the start time is in the past');
  for (const [field, v] of [
    ['schedule.startInMinutes', args.startInMinutes],
    ['schedule.stopAfterMinutes', args.stopAfterMinutes],
  ] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new ScheduleError(field, 'must be a whole number of minutes, at least 1');
  }
  const startAt = args.startAt ?? (args.startInMinutes !== undefined ? now + args.startInMinutes * 60_000 : null);
  return { startAt, stopAt: null, stopAfterMinutes: args.stopAfterMinutes ?? null, stopAfterFirstUpload: args.stopAfterFirstUpload ?? false };
}

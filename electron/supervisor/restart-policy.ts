// Restart policy: exponential backoff with jitter and a cap, a maximum number of consecutive
// attempts, and a reset once a process has stayed up long enough. Pure: time and randomness come in.

export interface RestartPolicy {
  enabled: boolean;
  initialDelayMs: number;
  maxDelayMs: number;
  factor: number;
  /** 0..1: the delay is drawn from [d·(1−jitter), d]; spreads restarts of several daemons apart. */
  jitter: number;
  /** Consecutive failed runs before giving up (state → failed). */
  maxAttempts: number;
  /** A run that lasted this long counts as healthy and resets the attempt counter. */
  stableAfterMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = {
  enabled: true,
  initialDelayMs: 500,
  maxDelayMs: 30_000,
  factor: 2,
  jitter: 0.3,
  maxAttempts: 5,
  stableAfterMs: 60_000,
};

export function backoffDelay(policy: RestartPolicy, attempt: number, random: () => number = Math.random): number {
  const exp = policy.initialDelayMs * policy.factor ** Math.max(0, attempt - 1);
  const capped = Math.min(policy.maxDelayMs, exp);
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(capped * (1 - jitter * random()));
}

export type RestartDecision = { action: 'restart'; delayMs: number; attempt: number } | { action: 'give-up'; attempts: number };

/** Tracks consecutive failures of one process. */
export class RestartTracker {
  private attempts = 0;
  private startedAt: number | null = null;

  constructor(
    private readonly policy: RestartPolicy,
    private readonly random: () => number = Math.random,
  ) {}

  get consecutiveFailures(): number {
    return this.attempts;
  }

  started(now: number): void {
    this.startedAt = now;
  }

  /** Called when a run ended unexpectedly (crash, failed readiness). */
  failed(now: number): RestartDecision {
    if (this.startedAt !== null && now - this.startedAt >= this.policy.stableAfterMs) this.attempts = 0;
    this.startedAt = null;
    if (!this.policy.enabled || this.attempts >= this.policy.maxAttempts) {
      return { action: 'give-up', attempts: this.attempts };
    }
    this.attempts += 1;
    return { action: 'restart', delayMs: backoffDelay(this.policy, this.attempts, this.random), attempt: this.attempts };
  }

  reset(): void {
    this.attempts = 0;
    this.startedAt = null;
  }
}

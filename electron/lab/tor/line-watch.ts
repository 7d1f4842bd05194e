// Waits for a daemon's output line (tor "Bootstrapped 100%", the origin's "listening …") fed from a
// supervisor lineLevel hook. Lab and test use only: the app's own readiness goes by protocol.

export class LineWatchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LineWatchError';
  }
}

interface Waiter {
  pattern: RegExp;
  resolve(m: RegExpMatchArray): void;
}

export class LineWatch {
  private readonly seen: string[] = [];
  private waiters: Waiter[] = [];

  constructor(private readonly keep = 400) {}

  push(line: string): void {
    this.seen.push(line);
    if (this.seen.length > this.keep) this.seen.splice(0, this.seen.length - this.keep);
    for (const w of [...this.waiters]) {
      const m = line.match(w.pattern);
      if (m) {
        this.waiters = this.waiters.filter((x) => x !== w);
        w.resolve(m);
      }
    }
  }

  /** The most recent lines, for error messages. */
  tail(n = 15): string[] {
    return this.seen.slice(-n);
  }

  /** Resolves with the first line (already seen or future) matching `pattern`. */
  waitFor(pattern: RegExp, timeoutMs: number, signal?: AbortSignal): Promise<RegExpMatchArray> {
    for (const line of this.seen) {
      const m = line.match(pattern);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.waiters = this.waiters.filter((x) => x !== waiter);
      };
      const waiter: Waiter = {
        pattern,
        resolve: (m) => {
          done();
          resolve(m);
        },
      };
      const onAbort = () => {
        done();
        reject(new LineWatchError(`aborted while waiting for ${String(pattern)}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new LineWatchError(`no line matching ${String(pattern)} within ${timeoutMs} ms; last lines:\n${this.tail().join('\n')}`));
      }, timeoutMs);
      if (signal?.aborted) {
        onAbort();
        return;
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}

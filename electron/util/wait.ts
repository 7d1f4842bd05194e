// Polling for a condition with a deadline: for tests and labs that wait on daemons which push no
// event for what they wait for (a file appears, a pid goes away).

type Maybe<T> = T | undefined | null | false;

/** Resolves with fn's first truthy value; rejects naming `what` once `timeoutMs` has passed. */
export async function waitFor<T>(what: string, fn: () => Maybe<T> | Promise<Maybe<T>>, timeoutMs = 60_000, intervalMs = 100): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

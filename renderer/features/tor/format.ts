// Small display helpers for the Tor page.
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

export function formatAge(since: number | null, now: number): string {
  if (since === null) return '–';
  const s = Math.max(0, Math.round((now - since) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function shortFingerprint(fp: string): string {
  return `${fp.slice(0, 8)}…`;
}

/** Two-letter country code to a regional-indicator flag; keeps the code for screen readers. */
export function countryLabel(cc: string | null): string {
  return cc ? cc.toUpperCase() : '';
}

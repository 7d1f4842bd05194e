// Benchmark harness: each benchmark measures itself against a baseline in the same run and reports
// `BENCH name=<id> value=<number> unit=<unit> goal=<op><number>`. Never used as a timed test.
export interface BenchResult {
  id: string;
  value: number;
  unit: string;
  /** e.g. '>=1.1' or '<=16' */
  goal: string;
  note?: string;
  /** Set when the benchmark could not measure: printed as a skip line with this reason, never a number. */
  skipped?: string;
}

export interface Benchmark {
  /** Ids this benchmark reports; `npm run bench <id>` selects by these. */
  ids: string[];
  run(): Promise<BenchResult[]>;
}

export function formatResult(r: BenchResult): string {
  if (r.skipped) return `BENCH name=${r.id} skipped goal=${r.goal} # ${r.skipped}`;
  const value = Number.isInteger(r.value) ? String(r.value) : r.value.toPrecision(4);
  return `BENCH name=${r.id} value=${value} unit=${r.unit} goal=${r.goal}${r.note ? ` # ${r.note}` : ''}`;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export function percentile(values: number[], p: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

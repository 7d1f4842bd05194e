// `npm run bench [id…]`: runs every benchmark, or only those whose ids are named.
import { formatResult, type Benchmark } from './harness';
import { ipcRoundtrip } from './ipc-roundtrip.bench';
import { torParse } from './tor-parse.bench';
import { torLab } from './tor-lab.bench';
import { uiCircuits } from './ui-circuits.bench';
import { nymLab } from './nym-lab.bench';
import { dropLab } from './drop.bench';
import { i2pLab } from './i2p-lab.bench';
import { dropCompare } from './drop-compare.bench';

const BENCHMARKS: Benchmark[] = [ipcRoundtrip, torParse, torLab, uiCircuits, nymLab, dropLab, dropCompare, i2pLab];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const known = new Set(BENCHMARKS.flatMap((b) => b.ids));
  const unknown = wanted.filter((w) => !known.has(w));
  if (unknown.length) {
    process.stderr.write(`unknown benchmark id(s): ${unknown.join(', ')}\nknown: ${[...known].join(', ')}\n`);
    process.exit(2);
  }
  const selected = wanted.length ? BENCHMARKS.filter((b) => b.ids.some((id) => wanted.includes(id))) : BENCHMARKS;
  let failed = false;
  for (const bench of selected) {
    try {
      for (const r of await bench.run()) if (!wanted.length || wanted.includes(r.id)) process.stdout.write(`${formatResult(r)}\n`);
    } catch (e) {
      failed = true;
      process.stderr.write(`benchmark ${bench.ids.join(',')} failed: ${e instanceof Error ? e.message : String(e)}\n`);
    }
  }
  process.exit(failed ? 1 : 0);
}

void main();

// tor.parse_vs_stem: control-event parsing rate of our framing + event parsers ÷ python stem's
// (Debian's python3-stem) on the same transcript: the recorded lab events repeated to ≥100k events.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ReplyFramer } from '../../electron/services/tor/control/framing';
import { parseEvent } from '../../electron/services/tor/control/events';
import type { Benchmark } from './harness';

const RECORDED = fileURLToPath(new URL('../../electron/services/tor/control/__fixtures__/lab-recorded-events.txt', import.meta.url));
const TARGET_EVENTS = 100_000;

// stem parses each event from its complete message text, as its controller does after reading.
const STEM_SCRIPT = `
import sys, time
import stem.response
data = open(sys.argv[1], 'rb').read().decode('latin-1')
events = []
cur = []
for line in data.split('\\r\\n'):
    if not line:
        continue
    cur.append(line)
    if len(line) >= 4 and line[3] == ' ':
        events.append('\\r\\n'.join(cur) + '\\r\\n')
        cur = []
t0 = time.perf_counter()
n = 0
for text in events:
    msg = stem.response.ControlMessage.from_str(text)
    stem.response.convert('EVENT', msg)
    n += 1
dt = time.perf_counter() - t0
print(n / dt)
`;

export const torParse: Benchmark = {
  ids: ['tor.parse_vs_stem'],
  async run() {
    const one = readFileSync(RECORDED);
    const perCopy = one.toString('latin1').split('\r\n').filter((l) => l.startsWith('650 ') || l.startsWith('650-') || l.startsWith('650+')).length;
    const copies = Math.ceil(TARGET_EVENTS / perCopy);
    const all = Buffer.concat(Array.from({ length: copies }, () => one));
    const dir = mkdtempSync(join(tmpdir(), 'underpass-parse-'));
    try {
      const file = join(dir, 'events.txt');
      writeFileSync(file, all);
      // Ours: feed in 64 KiB socket-sized chunks, frame, parse every event.
      const measure = () => {
        const t0 = performance.now();
        const framer = new ReplyFramer();
        let n = 0;
        for (let i = 0; i < all.length; i += 65536) {
          for (const f of framer.feed(all.subarray(i, i + 65536))) {
            parseEvent(f.reply);
            n += 1;
          }
        }
        return n / ((performance.now() - t0) / 1000);
      };
      measure(); // warm-up (JIT)
      const ours = Math.max(measure(), measure());
      // Debian's python3 (where python3-stem lives), not whatever python3 is first on PATH.
      const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
      const py = spawnSync(python, ['-c', STEM_SCRIPT, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
      if (py.status !== 0) throw new Error(`python3-stem is needed for this benchmark (apt-get install python3-stem): ${py.stderr.trim().split('\n').pop() ?? ''}`);
      const stem = Number(py.stdout.trim());
      return [
        {
          id: 'tor.parse_vs_stem',
          value: ours / stem,
          unit: 'ratio',
          goal: '>=10',
          note: `${Math.round(ours)} vs ${Math.round(stem)} events/s over ${copies * perCopy} events`,
        },
      ];
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

// Program entry of the lab mixnet (run via nym-lab-mixnet.mjs): parses argv, starts the mixnet,
// prints one JSON "ready" line on stdout and stops on SIGINT/SIGTERM. No mixing logic here.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { startLabMixnet, type LabMixnetOptions } from './mixnet';
import type { LabTiming } from './lab-wire';
import { randomSeed } from './lab-keys';

const USAGE = `usage: nym-lab-mixnet [options]
  --host <ip>                 loopback address to listen on (127.0.0.1)
  --port <n>                  gateway port, 0 = any free one (0)
  --descriptor <file>         write the lab descriptor JSON here (point UNDERPASS_NYM_LAB at it)
  --gateway-seed-file <file>  keep the gateway identity across restarts (created if missing)
  --nodes-per-layer <n>       mix nodes in each of the 3 layers (1)
  --hop-delay-ms <ms>         mean exponential delay per mix hop (15)
  --send-delay-ms <ms>        mean Poisson slot of each client's real-traffic stream (20)
  --loop-cover-ms <ms>        mean interval of each client's loop cover traffic, 0 = off (200)
  --fill-slots                fill empty real-traffic slots with cover as nym-client does (off)
  --no-reorder                mixes release packets in arrival order
  --reconnect-attempts <n>    client gateway reconnection attempts (10)
  --reconnect-interval-ms <ms> (5000)
  --surb-rerequest-ms <ms>    (10000)
  --max-reply-wait-ms <ms>    (300000)
  --stats-interval-ms <ms>    (1000)
`;

class UsageError extends Error {}

export function parseMixnetArgs(argv: ReadonlyArray<string>): LabMixnetOptions & { seedFile?: string } {
  const options: LabMixnetOptions & { seedFile?: string } = {};
  const timing: Partial<LabTiming> = {};
  const numbers: Record<string, keyof LabTiming> = {
    '--hop-delay-ms': 'averagePacketDelayMs',
    '--send-delay-ms': 'messageSendingAverageDelayMs',
    '--loop-cover-ms': 'loopCoverAverageDelayMs',
    '--reconnect-attempts': 'reconnectAttempts',
    '--reconnect-interval-ms': 'reconnectIntervalMs',
    '--surb-rerequest-ms': 'surbRerequestMs',
    '--max-reply-wait-ms': 'maxReplyWaitMs',
    '--stats-interval-ms': 'statsIntervalMs',
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${flag} needs a value`);
      return v;
    };
    const number = (): number => {
      const n = Number(value());
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} needs a non-negative number`);
      return n;
    };
    const timingKey = numbers[flag ?? ''];
    if (timingKey) {
      Object.assign(timing, { [timingKey]: number() });
      continue;
    }
    switch (flag) {
      case '--host':
        options.host = value();
        break;
      case '--port':
        options.port = number();
        break;
      case '--descriptor':
        options.descriptorPath = value();
        break;
      case '--gateway-seed-file':
        options.seedFile = value();
        break;
      case '--nodes-per-layer':
        options.nodesPerLayer = number();
        break;
      case '--fill-slots':
        timing.fillSlotsWithCover = true;
        break;
      case '--no-reorder':
        options.reorder = false;
        break;
      case '-h':
      case '--help':
        throw new UsageError('');
      default:
        throw new UsageError(`unknown argument ${arg}`);
    }
  }
  options.timing = timing;
  return options;
}

function loadSeed(file: string): Uint8Array {
  if (existsSync(file)) {
    const seed = Buffer.from(readFileSync(file, 'utf8').trim(), 'hex');
    if (seed.length !== 32) throw new UsageError(`${file} must hold 32 hex-encoded bytes`);
    return new Uint8Array(seed);
  }
  const seed = randomSeed();
  writeFileSync(file, `${Buffer.from(seed).toString('hex')}\n`, { mode: 0o600 });
  return seed;
}

export async function runMixnet(argv: ReadonlyArray<string>): Promise<void> {
  let options: ReturnType<typeof parseMixnetArgs>;
  try {
    options = parseMixnetArgs(argv);
    if (options.seedFile) options.gatewaySeed = loadSeed(options.seedFile);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    if (error.message) process.stderr.write(`error: ${error.message}\n`);
    process.stderr.write(USAGE);
    process.exit(error.message ? 2 : 0);
  }
  const log = (line: string): void => {
    process.stderr.write(`${new Date().toISOString()} [nym-lab] ${line}\n`);
  };
  const mixnet = await startLabMixnet({ ...options, log });
  process.stdout.write(`${JSON.stringify({ event: 'ready', ...mixnet.descriptor })}\n`);
  const stop = (): void => {
    void mixnet.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

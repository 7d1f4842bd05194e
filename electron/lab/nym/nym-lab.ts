// Lab mode's Nym network for the app: the lab mixnet as a supervised process (`lab:nym:mixnet`) and
// the plan that makes the app's NymService run the nym-client stand-in against it. Loopback only.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { NymNetworkPlan } from '../../services/nym/nym-service';
import { traffic } from '../../services/nym/nym-process';
import { LAB_ENV, LabDescriptorSchema, type LabDescriptor } from './lab-wire';
import { helloGateway } from './standin-gateway';

export const NYM_LAB_PROCESS_ID = 'lab:nym:mixnet';
/** This folder in the source tree; a bundled main passes `scriptsDir` instead (import.meta.url points into out/). */
export function defaultNymScriptsDir(): string {
  return fileURLToPath(new URL('.', import.meta.url));
}

export interface NymLabOptions {
  registry: ProcessRegistry;
  logger: Logger;
  /** Extra nym-lab-mixnet flags (timings: --hop-delay-ms, --loop-cover-ms …). */
  mixnetArgs?: string[];
  /** Default: a fresh mkdtemp, removed by stop(). */
  dir?: string;
  /** Where nym-lab-mixnet.mjs and nym-client-standin.mjs live (default: beside this module). */
  scriptsDir?: string;
}

export interface NymLab {
  dir: string;
  descriptorFile: string;
  descriptor(): Promise<LabDescriptor>;
  /** What a nym-client stand-in needs to join this lab (the app's client, or a test's peer). */
  clientPlan(): Promise<NymNetworkPlan>;
  stop(): Promise<void>;
}

/** Node, also inside Electron (ELECTRON_RUN_AS_NODE), running a lab script. */
export function nodeCommand(): { command: string; env: Record<string, string> } {
  return { command: process.execPath, env: { ELECTRON_RUN_AS_NODE: '1' } };
}

export async function startNymLab(opts: NymLabOptions): Promise<NymLab> {
  const dir = opts.dir ?? (await mkdtemp(join(tmpdir(), 'unymlab-')));
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const descriptorFile = join(dir, 'lab.json');
  const scriptsDir = opts.scriptsDir ?? defaultNymScriptsDir();
  const mixnetScript = join(scriptsDir, 'nym-lab-mixnet.mjs');
  const standinScript = join(scriptsDir, 'nym-client-standin.mjs');
  const node = nodeCommand();
  const readDescriptor = async (): Promise<LabDescriptor | null> => {
    try {
      const parsed = LabDescriptorSchema.safeParse(JSON.parse(await readFile(descriptorFile, 'utf8')));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  };
  const proc = opts.registry.create({
    id: NYM_LAB_PROCESS_ID,
    label: 'Lab mixnet',
    readyTimeoutMs: 30_000,
    gracefulStopMs: 3000,
    termStopMs: 2000,
    restart: { initialDelayMs: 500, maxAttempts: 5 },
    hooks: {
      plan: async () => {
        await rm(descriptorFile, { force: true });
        return {
          command: node.command,
          // The seed file keeps the gateway identity (part of every lab address) across mixnet restarts.
          args: [mixnetScript, '--descriptor', descriptorFile, '--gateway-seed-file', join(dir, 'gateway.seed'), ...(opts.mixnetArgs ?? [])],
          env: { ...process.env, ...node.env },
          cwd: dir,
        };
      },
      probe: async (ctx) => {
        for (;;) {
          if (ctx.signal.aborted) throw new Error('the lab mixnet exited before it was ready');
          const d = await readDescriptor();
          if (d && d.pid === ctx.pid) {
            await helloGateway(d.gateway.url);
            ctx.answering();
            return;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      },
      requestStop: (ctx) => {
        process.kill(ctx.pid, 'SIGINT');
      },
    },
  });
  await proc.start();
  const descriptor = async (): Promise<LabDescriptor> => {
    const d = await readDescriptor();
    if (!d) throw new Error(`the lab mixnet has no descriptor at ${descriptorFile}`);
    return d;
  };
  const first = await descriptor();
  opts.logger.scope('lab').notice(`Nym lab mixnet ready: gateway ${first.gateway.url}`);
  return {
    dir,
    descriptorFile,
    descriptor,
    clientPlan: async () => {
      await proc.start(); // no-op while it runs; brings it back if it was stopped
      const t = (await descriptor()).timing;
      return {
        command: node.command,
        argsPrefix: [standinScript],
        env: { ...node.env, [LAB_ENV]: descriptorFile },
        traffic: traffic('lab', t.messageSendingAverageDelayMs, t.loopCoverAverageDelayMs, t.averagePacketDelayMs),
        file: standinScript,
      };
    },
    stop: async () => {
      await opts.registry.remove(NYM_LAB_PROCESS_ID);
      if (!opts.dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

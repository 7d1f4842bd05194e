// Starts the lab's HTTP origin (http-origin-server.mjs) as a supervised process inside the lab's
// namespace and reads back its kernel-chosen port. Serves the lab only: binds 127.0.0.1, never dials.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import type { SpawnPlan } from '../../supervisor/supervised-process';
import { LineWatch } from './line-watch';

export class HttpOriginError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'HttpOriginError';
  }
}

export interface HttpOrigin {
  host: '127.0.0.1';
  port: number;
  nonce: string;
  pid: number;
}

export interface HttpOriginOptions {
  registry: ProcessRegistry;
  logger: Logger;
  /** The lab isolation's wrapSpawn: the origin must share the exits' netns. */
  wrapSpawn: (plan: SpawnPlan) => SpawnPlan;
  id?: string;
  /** Per-run marker in the body, so a test cannot be fooled by a cached or foreign answer. */
  nonce?: string;
  /** Default: the .mjs next to this file (a bundled build passes its copied location). */
  script?: string;
  readyTimeoutMs?: number;
}

/** Exactly what `GET /` answers. */
export function originBody(nonce: string): string {
  return `underpass lab origin\n${nonce}\n`;
}

export function defaultOriginScript(): string {
  return fileURLToPath(new URL('./http-origin-server.mjs', import.meta.url));
}

export async function startHttpOrigin(opts: HttpOriginOptions): Promise<HttpOrigin> {
  const nonce = opts.nonce ?? randomBytes(16).toString('hex');
  const watch = new LineWatch();
  let port = 0;
  const proc = opts.registry.create({
    id: opts.id ?? 'lab:http',
    label: 'Lab HTTP origin',
    restart: { enabled: false },
    readyTimeoutMs: opts.readyTimeoutMs ?? 10_000,
    termStopMs: 2000,
    hooks: {
      plan: async () =>
        opts.wrapSpawn({
          command: process.execPath,
          args: [opts.script ?? defaultOriginScript(), '--nonce', nonce],
          // Under Electron, execPath is the app binary: this makes it behave as plain node.
          env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' },
        }),
      probe: async ({ signal }) => {
        const m = await watch.waitFor(/^listening 127\.0\.0\.1:(\d+)$/, opts.readyTimeoutMs ?? 10_000, signal);
        port = Number(m[1]);
      },
      classifyLine: (stream, line) => {
        watch.push(line);
        return { level: stream === 'stderr' ? 'warn' : 'info', text: line };
      },
    },
  });
  await proc.start();
  const pid = proc.pid;
  if (pid === null || port === 0) throw new HttpOriginError('the lab HTTP origin exited right after starting');
  return { host: '127.0.0.1', port, nonce, pid };
}

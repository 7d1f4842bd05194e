// Test and benchmark helper, never imported by the app: runs one DropServer + DropStorage in a
// process of its own, so a benchmark can read that process's CPU and memory alone and a test can
// give it a private mount namespace (a small tmpfs as the destination) that nothing else sees.
//
// Usage: node --import tsx drop-host.ts '<HostConfig JSON>'. Prints one JSON line per event on
// stdout: {"type":"ready",…} once listening, {"type":"upload",…} for each progress event.
// Reads JSON lines on stdin: {"onionHost":"<sid>.onion"} (answered {"type":"host"}). Exits on
// SIGTERM/SIGINT or when stdin closes (the parent went away).
import { spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { z } from 'zod';
import { Logger } from '../../../logging/logger';
import { DropServer } from '../drop-server';
import { DropStorage } from '../storage';

const HostConfigSchema = z.strictObject({
  /** Where uploads land (created if missing). */
  root: z.string().min(1),
  /** Also listen on this unix socket (the onion's target). */
  unixPath: z.string().min(1).optional(),
  /** Mount a tmpfs of this many MiB on `root` first; only meaningful inside `unshare --mount`. */
  tmpfsMiB: z.number().int().min(1).max(4096).optional(),
  maxFileBytes: z.number().int().positive(),
  maxUploadBytes: z.number().int().positive(),
  minFreeBytes: z.number().int().nonnegative(),
  progressEveryMs: z.number().int().positive().optional(),
});
export type HostConfig = z.infer<typeof HostConfigSchema>;

function out(line: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

async function main(): Promise<void> {
  const cfg = HostConfigSchema.parse(JSON.parse(process.argv[2] ?? '{}'));
  await mkdir(cfg.root, { recursive: true, mode: 0o700 });
  if (cfg.tmpfsMiB !== undefined) {
    // The caller started us with `unshare --mount --propagation private`: this mount is ours alone
    // and disappears with this process.
    const r = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${cfg.tmpfsMiB}m,mode=0700`, 'tmpfs', cfg.root], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`mount tmpfs failed: ${r.stderr || r.error?.message || `exit ${r.status}`}`);
  }
  const storage = new DropStorage(cfg.root, { maxFileBytes: cfg.maxFileBytes, maxUploadBytes: cfg.maxUploadBytes, maxFiles: 1000, maxMessageBytes: 1024 * 1024, minFreeBytes: cfg.minFreeBytes });
  const server = new DropServer({
    info: { title: 'Host drop', note: '', accept: 'both', maxFileBytes: cfg.maxFileBytes, maxUploadBytes: cfg.maxUploadBytes, maxMessageBytes: 1024 * 1024 },
    storage,
    log: new Logger({ sink: () => undefined }).scope('drop-host'),
    onUpload: (p) => out({ type: 'upload', ...p }),
    ...(cfg.progressEveryMs ? { progressEveryMs: cfg.progressEveryMs } : {}),
    ...(cfg.unixPath ? { unixPath: cfg.unixPath } : {}),
  });
  const port = await server.start();
  out({ type: 'ready', pid: process.pid, port, socket: server.socketPath });
  const stop = () => {
    void server.stop().finally(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  const lines = createInterface({ input: process.stdin });
  lines.on('line', (line) => {
    let parsed: unknown = null;
    try {
      parsed = JSON.parse(line);
    } catch {
      // reported below as a bad command
    }
    const cmd = z.strictObject({ onionHost: z.string().regex(/^[a-z2-7]{56}\.onion$/) }).safeParse(parsed);
    if (!cmd.success) return out({ type: 'error', message: `bad command: ${line.slice(0, 100)}` });
    server.setOnionHost(cmd.data.onionHost);
    out({ type: 'host', host: cmd.data.onionHost });
  });
  lines.on('close', stop);
}

main().catch((e: unknown) => {
  out({ type: 'error', message: e instanceof Error ? e.message : String(e) });
  process.exit(1);
});

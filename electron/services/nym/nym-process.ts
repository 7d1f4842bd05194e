// How to run nym-client (nym.md §4): the app-owned home, the per-profile id, `init`/`run` argv, the
// traffic settings read back from config.toml, log-line classification and what an exit means.
// Pure except the small file readers; no spawning here (nym-service.ts and the supervisor do that).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import type { LogLevel } from '../../../shared/domain/app';
import type { NymTraffic } from '../../../shared/domain/nym';
import type { IpcErrorData } from '../../../shared/errors';

export interface NymFiles {
  /** <data>/nym */
  root: string;
  /** NYM_HOME_DIR: nym-client keeps .nym/clients/<id>/ here, never in the user's real home. */
  home: string;
  /** Which id this profile uses and the address init reported. */
  profileFile: string;
  messagesFile: string;
}

export function nymFiles(root: string): NymFiles {
  return { root, home: join(root, 'home'), profileFile: join(root, 'profile.json'), messagesFile: join(root, 'messages.json') };
}

export function clientConfigFile(home: string, id: string): string {
  return join(home, '.nym', 'clients', id, 'config', 'config.toml');
}

export const ProfileSchema = z.object({
  id: z.string().regex(/^[a-z0-9-]{1,64}$/),
  address: z.string().nullable(),
});
export type NymProfile = z.infer<typeof ProfileSchema>;

/** `init` writes the port into config.toml; `run -p` overrides it for each run (a fresh random port). */
export function initArgs(id: string, port: number): string[] {
  return ['init', '--id', id, '--host', '127.0.0.1', '--port', String(port), '--output', 'json'];
}

export function runArgs(id: string, port: number): string[] {
  return ['run', '--id', id, '--host', '127.0.0.1', '--port', String(port)];
}

/**
 * Environment for both commands. NO_COLOR: tracing colours pipes otherwise (§4.5). RUST_LOG: in
 * real mode warn, because info logs name the recipient of every send (§4.5); the lab keeps info.
 */
export function nymEnv(home: string, lab: boolean, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, ...extra, NYM_HOME_DIR: home, NO_COLOR: '1', RUST_LOG: lab ? 'info' : 'warn' };
}

const InitOutputSchema = z.object({ client_address: z.string(), id: z.string(), gateway_id: z.string().optional() });

/** `init -o json` prints one JSON object on stdout; `client_address` is the string form (§4.2). */
export function parseInitOutput(stdout: string): { address: string; gateway: string | null } {
  for (const line of stdout.split('\n').reverse()) {
    const t = line.trim();
    if (!t.startsWith('{')) continue;
    try {
      const parsed = InitOutputSchema.safeParse(JSON.parse(t));
      if (parsed.success) return { address: parsed.data.client_address, gateway: parsed.data.gateway_id ?? null };
    } catch {
      // not this line
    }
  }
  throw new Error(`nym-client init printed no JSON result${fatalError(stdout) ? `: ${fatalError(stdout)}` : ''}`);
}

/** main.rs prints the fatal error on stdout as "An error occurred: <err>". */
export function fatalError(stdout: string): string | null {
  const m = /An error occurred: (.+)/.exec(stripAnsi(stdout));
  return m?.[1]?.trim() ?? null;
}

const ANSI = /\x1b\[[0-9;]*m/g;
export function stripAnsi(s: string): string {
  return s.replace(ANSI, '');
}

/** Drops the `<ts> ` prefix of tracing's compact format and maps its level (§4.5). */
export function classifyNymLine(stream: 'stdout' | 'stderr', raw: string): { level: LogLevel; text: string } {
  const line = stripAnsi(raw).trim();
  const m = /^\S+\s+(TRACE|DEBUG|INFO|WARN|ERROR)\s+(.*)$/.exec(line);
  if (m) {
    const level = m[1] === 'ERROR' ? 'error' : m[1] === 'WARN' ? 'warn' : m[1] === 'INFO' ? 'info' : 'debug';
    return { level, text: m[2] ?? '' };
  }
  if (line.startsWith('An error occurred:')) return { level: 'error', text: line };
  return { level: stream === 'stderr' ? 'info' : 'info', text: line };
}

/** What a log line tells the service about the gateway link (§4.8). */
export type GatewaySignal = 'reconnecting' | 'reconnected' | 'dead' | null;
export function gatewaySignal(text: string): GatewaySignal {
  if (/Attempting gateway reconnection|reconnection attempt \d+/.test(text)) return 'reconnecting';
  if (/managed to reconnect!/.test(text)) return 'reconnected';
  if (/assuming the gateway is dead|failed to reconnect after \d+ attempts/.test(text)) return 'dead';
  return null;
}

/** `received reply request for <tag> but we don't have any surbs stored …` (§4.5): the reply was dropped. */
export function droppedReplyTag(text: string): string | null {
  return /received reply request for (\S+) but we don't have any surbs stored/.exec(text)?.[1] ?? null;
}

/**
 * Every exit we did not ask for is a failure, whatever the code (§4.8): nym-client exits 0 after
 * concluding its gateway is dead. `sawGatewayDead` comes from the log lines of this run.
 */
export function describeNymExit(code: number | null, signal: NodeJS.Signals | null, ctx: { sawGatewayDead: boolean; fatal: string | null }): IpcErrorData {
  if (code === 0) {
    return {
      code: 'NYM_FAILED',
      message: ctx.sawGatewayDead
        ? 'nym-client lost its gateway and shut itself down (exit 0). It will be restarted; if this repeats, the gateway may be down.'
        : 'nym-client stopped on its own (exit 0), which it does when it loses its gateway.',
      details: { reason: 'gateway-lost', exitCode: 0 },
    };
  }
  if (signal) return { code: 'PROCESS_EXITED', message: `nym-client was killed by ${signal}`, details: { signal } };
  return {
    code: 'NYM_FAILED',
    message: ctx.fatal ? `nym-client failed: ${ctx.fatal}` : `nym-client exited with code ${code ?? 'unknown'}`,
    details: { exitCode: code ?? null },
  };
}

// --- traffic settings (config.toml [debug.traffic] / [debug.cover_traffic]) ---------------------------

/** nym's defaults (common/client-core/config-types, nym.md §5.1). */
export const NYM_DEFAULT_TRAFFIC = { messageSendingAverageDelayMs: 20, loopCoverAverageDelayMs: 200, averagePacketDelayMs: 15 } as const;

/** humantime durations as nym's config writes them: "20ms", "1s", "1m 30s", "500us". */
export function parseHumantime(text: string): number | null {
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, sec: 1000, m: 60_000, min: 60_000, h: 3_600_000 };
  const parts = [...text.trim().matchAll(/(\d+(?:\.\d+)?)\s*([a-zµ]+)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('').replace(/\s/g, '') !== text.replace(/\s/g, '')) return null;
  let ms = 0;
  for (const [, n, unit] of parts) {
    const factor = units[unit ?? ''];
    if (factor === undefined) return null;
    ms += Number(n) * factor;
  }
  return ms;
}

/** A flat reading of the TOML subset nym writes: `[section]` then `key = 'value' | number | bool`. */
export function readTomlValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? '';
      continue;
    }
    const kv = /^([A-Za-z0-9_.]+)\s*=\s*(.+?)\s*(?:#.*)?$/.exec(line);
    if (kv) values.set(`${section}.${kv[1]}`, (kv[2] ?? '').replace(/^'(.*)'$|^"(.*)"$/, '$1$2'));
  }
  return values;
}

export function trafficFromValues(values: Map<string, string> | null): NymTraffic {
  const ms = (key: string): number | null => {
    const v = values?.get(key);
    return v === undefined ? null : parseHumantime(v);
  };
  const sending = ms('debug.traffic.message_sending_average_delay');
  const cover = ms('debug.cover_traffic.loop_cover_traffic_average_delay');
  const hop = ms('debug.traffic.average_packet_delay');
  const coverOff = values?.get('debug.cover_traffic.disable_loop_cover_traffic_stream') === 'true';
  const fromConfig = sending !== null || cover !== null || hop !== null;
  return traffic(
    fromConfig ? 'config' : 'default',
    sending ?? NYM_DEFAULT_TRAFFIC.messageSendingAverageDelayMs,
    coverOff ? 0 : (cover ?? NYM_DEFAULT_TRAFFIC.loopCoverAverageDelayMs),
    hop ?? NYM_DEFAULT_TRAFFIC.averagePacketDelayMs,
  );
}

export function traffic(source: NymTraffic['source'], sendingMs: number, coverMs: number, hopMs: number): NymTraffic {
  return {
    source,
    messageSendingAverageDelayMs: sendingMs,
    loopCoverAverageDelayMs: coverMs,
    averagePacketDelayMs: hopMs,
    coverTrafficEnabled: coverMs > 0,
    sendingPacketsPerSecond: sendingMs > 0 ? round(1000 / sendingMs) : 0,
    coverPacketsPerSecond: coverMs > 0 ? round(1000 / coverMs) : 0,
  };
}

export async function readClientTraffic(home: string, id: string): Promise<NymTraffic> {
  try {
    return trafficFromValues(readTomlValues(await readFile(clientConfigFile(home, id), 'utf8')));
  } catch {
    return trafficFromValues(null);
  }
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

// Pure parsers for i2pd's I2PControl replies. i2pd quirks kept here: a wrong password answers
// {"result":{}} with no error member, and i2p.router.status is a string.
import { z } from 'zod';

export type I2pControlErrorKind = 'PROTOCOL' | 'RPC' | 'AUTH' | 'TLS' | 'TIMEOUT' | 'UNREACHABLE';

export class I2pControlError extends Error {
  constructor(
    readonly kind: I2pControlErrorKind,
    message: string,
    options?: { cause?: unknown; rpcCode?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'I2pControlError';
    this.rpcCode = options?.rpcCode ?? null;
  }
  readonly rpcCode: number | null;
}

const envelope = z
  .object({ error: z.object({ code: z.number(), message: z.string() }).optional(), result: z.unknown().optional() })
  .loose()
  .refine((e) => e.error !== undefined || 'result' in e, 'neither result nor error');

/** `{"id":1,"result":…,"jsonrpc":"2.0"}` → result; an `error` member → I2pControlError('RPC'). */
export function parseRpcEnvelope(text: string): unknown {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new I2pControlError('PROTOCOL', `I2PControl sent no JSON: ${text.slice(0, 80)}`);
  }
  const parsed = envelope.safeParse(json);
  if (!parsed.success) throw new I2pControlError('PROTOCOL', 'I2PControl reply has neither result nor error');
  if (parsed.data.error) {
    const { code, message } = parsed.data.error;
    throw new I2pControlError('RPC', `I2PControl error ${code}: ${message}`, { rpcCode: code });
  }
  return parsed.data.result;
}

/** `{"API":1,"Token":"1795646386"}`; `{}` means a wrong password. */
export function parseAuthenticate(result: unknown): string {
  const r = z.object({ Token: z.union([z.string(), z.number()]) }).loose().safeParse(result);
  if (!r.success) throw new I2pControlError('AUTH', 'I2PControl refused the password');
  return String(r.data.Token);
}

export const ROUTER_INFO_KEYS = [
  'i2p.router.status',
  'i2p.router.uptime',
  'i2p.router.version',
  'i2p.router.net.status',
  'i2p.router.net.bw.inbound.1s',
  'i2p.router.net.bw.outbound.1s',
  'i2p.router.net.bw.inbound.15s',
  'i2p.router.net.bw.outbound.15s',
  'i2p.router.net.tunnels.participating',
  'i2p.router.net.tunnels.successrate',
  'i2p.router.netdb.knownpeers',
  'i2p.router.netdb.activepeers',
  'i2p.router.net.total.received.bytes',
  'i2p.router.net.total.sent.bytes',
] as const;

export type NetStatus = 'ok' | 'testing' | 'firewalled' | 'unknown' | 'proxy' | 'mesh';

export interface RouterInfoReply {
  /** "1" once the router's shared client destination is ready. */
  ready: boolean;
  uptimeMs: number;
  version: string;
  netStatus: NetStatus;
  netStatusCode: number;
  bwIn1s: number;
  bwOut1s: number;
  bwIn15s: number;
  bwOut15s: number;
  participatingTunnels: number;
  tunnelSuccessRate: number;
  knownPeers: number;
  activePeers: number;
  totalReceivedBytes: number;
  totalSentBytes: number;
}

const num = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);

/**
 * i2p.router.net.status codes changed in 2.49.0 (i2pd 68f4961f "separate test status from network
 * status", RouterContext.h): before, 1 meant Testing and everything after it was one higher.
 */
export function netStatusName(code: number, version: string): NetStatus {
  const m = /^(\d+)\.(\d+)/.exec(version);
  const old = m !== null && (Number(m[1]) < 2 || (Number(m[1]) === 2 && Number(m[2]) < 49));
  const table: NetStatus[] = old ? ['ok', 'testing', 'firewalled', 'unknown', 'proxy', 'mesh'] : ['ok', 'firewalled', 'unknown', 'proxy', 'mesh'];
  return table[code] ?? 'unknown';
}

export function parseRouterInfo(result: unknown): RouterInfoReply {
  const r = z
    .object({
      'i2p.router.status': z.union([z.string(), z.number()]),
      'i2p.router.uptime': num,
      'i2p.router.version': z.string(),
      'i2p.router.net.status': num,
      'i2p.router.net.bw.inbound.1s': num,
      'i2p.router.net.bw.outbound.1s': num,
      'i2p.router.net.bw.inbound.15s': num.optional(),
      'i2p.router.net.bw.outbound.15s': num.optional(),
      'i2p.router.net.tunnels.participating': num,
      'i2p.router.net.tunnels.successrate': num.optional(),
      'i2p.router.netdb.knownpeers': num,
      'i2p.router.netdb.activepeers': num,
      'i2p.router.net.total.received.bytes': num.optional(),
      'i2p.router.net.total.sent.bytes': num.optional(),
    })
    .loose()
    .safeParse(result);
  if (!r.success) throw new I2pControlError('PROTOCOL', `unexpected RouterInfo reply: ${r.error.issues[0]?.path.join('.') ?? ''} ${r.error.issues[0]?.message ?? ''}`);
  const d = r.data;
  const code = d['i2p.router.net.status'];
  return {
    ready: String(d['i2p.router.status']) === '1',
    uptimeMs: d['i2p.router.uptime'],
    version: d['i2p.router.version'],
    netStatus: netStatusName(code, d['i2p.router.version']),
    netStatusCode: code,
    bwIn1s: d['i2p.router.net.bw.inbound.1s'],
    bwOut1s: d['i2p.router.net.bw.outbound.1s'],
    bwIn15s: d['i2p.router.net.bw.inbound.15s'] ?? 0,
    bwOut15s: d['i2p.router.net.bw.outbound.15s'] ?? 0,
    participatingTunnels: d['i2p.router.net.tunnels.participating'],
    tunnelSuccessRate: d['i2p.router.net.tunnels.successrate'] ?? 0,
    knownPeers: d['i2p.router.netdb.knownpeers'],
    activePeers: d['i2p.router.netdb.activepeers'],
    totalReceivedBytes: d['i2p.router.net.total.received.bytes'] ?? 0,
    totalSentBytes: d['i2p.router.net.total.sent.bytes'] ?? 0,
  };
}

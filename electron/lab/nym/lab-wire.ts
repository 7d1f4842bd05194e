// Lab-only control protocol between stand-in clients and the lab mixnet gateway, the lab
// descriptor file and the lab timing defaults. Pure schemas; nothing here exists in real Nym.
import { readFileSync } from 'node:fs';
import { z } from 'zod';

/**
 * Traffic timing. The Nym defaults (nym.md §5.1) apply except where marked; tests shrink them.
 * The gateway hands these to every client at registration so one knob tunes the whole lab.
 */
export const LabTimingSchema = z.object({
  /** Mean exponential delay per mix hop (nym-client ≥ 1.1.56: 15 ms). */
  averagePacketDelayMs: z.number().min(0),
  /** Mean Poisson slot interval of the real-traffic stream (20 ms ≈ 50 packets/s). */
  messageSendingAverageDelayMs: z.number().min(0),
  /** Mean interval of the loop-cover stream (200 ms ≈ 5 packets/s); 0 turns it off. */
  loopCoverAverageDelayMs: z.number().min(0),
  /**
   * Lab default false: the real client fills every empty real-traffic slot with a cover packet
   * (≈ 50 packets/s per client, §5.5). That much idle traffic per stand-in is not worth the CPU on a
   * two-core test box, so the lab only sends the separate loop-cover stream unless asked.
   */
  fillSlotsWithCover: z.boolean(),
  /** Gateway reconnection after a lost connection: 10 attempts, 5 s apart (nym.md §4.8). */
  reconnectAttempts: z.number().int().min(0),
  reconnectIntervalMs: z.number().min(0),
  /** Queued replies re-request SURBs after 10 s and are dropped after 5 min (nym.md §5.4). */
  surbRerequestMs: z.number().min(1),
  maxReplyWaitMs: z.number().min(1),
  /** How often a stand-in reports its cover counters to the gateway (lab only). */
  statsIntervalMs: z.number().min(10),
});
export type LabTiming = z.infer<typeof LabTimingSchema>;

export const LAB_DEFAULT_TIMING: LabTiming = {
  averagePacketDelayMs: 15,
  messageSendingAverageDelayMs: 20,
  loopCoverAverageDelayMs: 200,
  fillSlotsWithCover: false,
  reconnectAttempts: 10,
  reconnectIntervalMs: 5_000,
  surbRerequestMs: 10_000,
  maxReplyWaitMs: 300_000,
  statsIntervalMs: 1_000,
};

const b58 = z.string().min(1);

export const ClientCountersSchema = z.object({
  coverSent: z.number().int().min(0),
  coverReceived: z.number().int().min(0),
  realSent: z.number().int().min(0),
  realReceived: z.number().int().min(0),
});
export type ClientCounters = z.infer<typeof ClientCountersSchema>;

export const ClientToGatewaySchema = z.discriminatedUnion('type', [
  /** Identify the connection as a client; packets for it are delivered here from now on. */
  z.object({ type: z.literal('register'), identity: b58, encryption: b58 }),
  /** Gateway identity and URL without registering (what `init` needs). */
  z.object({ type: z.literal('hello') }),
  z.object({ type: z.literal('stats'), counters: ClientCountersSchema }),
  /** Monitoring: a snapshot of the whole lab. */
  z.object({ type: z.literal('status') }),
]);
export type ClientToGateway = z.infer<typeof ClientToGatewaySchema>;

export const LabClientStatusSchema = z.object({
  identity: z.string(),
  connected: z.boolean(),
  connections: z.number().int(),
  packetsIn: z.number().int(),
  packetsOut: z.number().int(),
  stored: z.number().int(),
  counters: ClientCountersSchema,
});
export type LabClientStatus = z.infer<typeof LabClientStatusSchema>;

export const LabMixnetStatusSchema = z.object({
  gateway: z.string(),
  url: z.string(),
  uptimeMs: z.number(),
  clients: z.array(LabClientStatusSchema),
  mixes: z.array(z.object({ layer: z.number().int(), id: z.string(), processed: z.number().int(), inFlight: z.number().int() })),
  dropped: z.object({ malformed: z.number().int(), badRoute: z.number().int(), storeFull: z.number().int() }),
});
export type LabMixnetStatus = z.infer<typeof LabMixnetStatusSchema>;

export const GatewayToClientSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('registered'),
    gateway: b58,
    topology: z.object({ layers: z.array(z.array(b58)) }),
    timing: LabTimingSchema,
  }),
  z.object({ type: z.literal('rejected'), reason: z.string() }),
  z.object({ type: z.literal('hello'), gateway: b58, url: z.string() }),
  z.object({ type: z.literal('status'), status: LabMixnetStatusSchema }),
]);
export type GatewayToClient = z.infer<typeof GatewayToClientSchema>;

/** What the mixnet writes and what UNDERPASS_NYM_LAB may point at. */
export const LabDescriptorSchema = z.object({
  kind: z.literal('underpass-nym-lab'),
  version: z.literal(1),
  gateway: z.object({ identity: b58, url: z.string() }),
  timing: LabTimingSchema,
  pid: z.number().int(),
});
export type LabDescriptor = z.infer<typeof LabDescriptorSchema>;

/** The env var naming the lab: a ws:// URL of the gateway or a path to a descriptor JSON. */
export const LAB_ENV = 'UNDERPASS_NYM_LAB';

export class LabConfigError extends Error {}

/** Resolves UNDERPASS_NYM_LAB to the gateway URL; never falls back to any real Nym endpoint. */
export function resolveLabGatewayUrl(value: string | undefined): string {
  if (value === undefined || value.trim() === '') {
    throw new LabConfigError(
      `no lab mixnet configured: set ${LAB_ENV} to the lab descriptor or gateway ws:// URL (this stand-in never contacts the real Nym network)`,
    );
  }
  const trimmed = value.trim();
  if (/^wss?:\/\//.test(trimmed)) return assertLoopback(trimmed);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(trimmed, 'utf8'));
  } catch (error) {
    throw new LabConfigError(`cannot read the lab descriptor ${trimmed}: ${(error as Error).message}`);
  }
  const descriptor = LabDescriptorSchema.safeParse(parsed);
  if (!descriptor.success) throw new LabConfigError(`${trimmed} is not a lab descriptor`);
  return assertLoopback(descriptor.data.gateway.url);
}

function assertLoopback(url: string): string {
  const host = new URL(url).hostname;
  if (host !== '127.0.0.1' && host !== 'localhost' && host !== '[::1]') {
    throw new LabConfigError(`the lab gateway must be on loopback, got ${host}`);
  }
  return url;
}

// Tor DTOs that cross IPC: bootstrap, circuits, streams, bandwidth, relays, and the results of the
// Tor page's actions. Fingerprints are 40 upper-case hex characters as tor writes them.
import { z } from 'zod';

export const FingerprintSchema = z.string().regex(/^[0-9A-F]{40}$/, 'a relay fingerprint is 40 hex characters');
export const CircuitIdSchema = z.string().regex(/^[0-9]{1,10}$/, 'a circuit id is a number');
export const StreamIdSchema = z.string().regex(/^[0-9]{1,10}$/, 'a stream id is a number');

export const EndpointSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tcp'), host: z.string(), port: z.number().int().min(1).max(65535) }),
  z.object({ kind: z.literal('unix'), path: z.string() }),
]);
export type Endpoint = z.infer<typeof EndpointSchema>;

export const BootstrapSchema = z.object({
  progress: z.number().int().min(0).max(100),
  tag: z.string(),
  summary: z.string(),
  /** Present when tor reports a problem during bootstrap (STATUS_CLIENT WARN BOOTSTRAP). */
  problem: z
    .object({ warning: z.string(), reason: z.string().nullable(), recommendation: z.string().nullable(), count: z.number().int().nullable() })
    .nullable(),
});
export type Bootstrap = z.infer<typeof BootstrapSchema>;

export const TorWarningSchema = z.object({ time: z.number(), severity: z.enum(['WARN', 'ERR']), message: z.string() });

export const TorStatusSchema = z.object({
  running: z.boolean(),
  /** Authenticated to the control port. */
  connected: z.boolean(),
  bootstrap: BootstrapSchema,
  /** Ready means authenticated and bootstrapped to 100 %. */
  ready: z.boolean(),
  version: z.string().nullable(),
  socks: EndpointSchema.nullable(),
  networkLive: z.boolean().nullable(),
  warnings: z.array(TorWarningSchema),
  /** In lab mode, the lab's HTTP origin that the SOCKS test fetches. */
  labOrigin: z.string().nullable(),
  /** Set while new streams are pinned to a user-built circuit. */
  pinnedCircuit: CircuitIdSchema.nullable(),
});
export type TorStatus = z.infer<typeof TorStatusSchema>;

export const RelayRefSchema = z.object({
  fingerprint: FingerprintSchema,
  nickname: z.string().nullable(),
  address: z.string().nullable(),
  country: z.string().nullable(),
  flags: z.array(z.string()),
});
export type RelayRefDto = z.infer<typeof RelayRefSchema>;

export const CircuitSchema = z.object({
  id: CircuitIdSchema,
  status: z.string(),
  purpose: z.string().nullable(),
  hsState: z.string().nullable(),
  buildFlags: z.array(z.string()),
  /** Epoch ms from TIME_CREATED, when tor gave it. */
  createdAt: z.number().nullable(),
  path: z.array(RelayRefSchema),
  reason: z.string().nullable(),
  bytesRead: z.number().nonnegative(),
  bytesWritten: z.number().nonnegative(),
  /** Built from relays the user picked. */
  userBuilt: z.boolean(),
});
export type Circuit = z.infer<typeof CircuitSchema>;

export const StreamSchema = z.object({
  id: StreamIdSchema,
  status: z.string(),
  circuitId: z.string(),
  target: z.string(),
  purpose: z.string().nullable(),
  reason: z.string().nullable(),
  bytesRead: z.number().nonnegative(),
  bytesWritten: z.number().nonnegative(),
  updatedAt: z.number(),
});
export type Stream = z.infer<typeof StreamSchema>;

export const BandwidthSampleSchema = z.object({ time: z.number(), read: z.number().nonnegative(), written: z.number().nonnegative() });
export type BandwidthSample = z.infer<typeof BandwidthSampleSchema>;

export const RelaySchema = z.object({
  nickname: z.string(),
  fingerprint: FingerprintSchema,
  address: z.string(),
  orPort: z.number().int(),
  flags: z.array(z.string()),
  bandwidth: z.number().nullable(),
  country: z.string().nullable(),
});
export type Relay = z.infer<typeof RelaySchema>;

export const NewIdentityResultSchema = z.object({
  accepted: z.boolean(),
  /** tor rate-limits NEWNYM; this is how long until the new identity applies. */
  delayedSeconds: z.number().nonnegative(),
  message: z.string(),
});

export const SocksTestResultSchema = z.object({
  ok: z.boolean(),
  url: z.string(),
  status: z.number().int().nullable(),
  bytes: z.number().int().nonnegative(),
  ms: z.number().nonnegative(),
  excerpt: z.string(),
  error: z.string().nullable(),
});
export type SocksTestResult = z.infer<typeof SocksTestResultSchema>;

/** Options the safe editor offers; each value is validated before SETCONF. */
export const EDITABLE_OPTIONS = ['ExitNodes', 'ExcludeNodes', 'ExcludeExitNodes', 'StrictNodes', 'EntryNodes', 'MaxCircuitDirtiness', 'NewCircuitPeriod', 'ConnectionPadding', 'SafeLogging'] as const;
export const EditableOptionSchema = z.enum(EDITABLE_OPTIONS);

export const TorConfigSchema = z.object({
  torrc: z.string(),
  options: z.array(z.object({ key: EditableOptionSchema, value: z.string(), isDefault: z.boolean(), changed: z.boolean() })),
});

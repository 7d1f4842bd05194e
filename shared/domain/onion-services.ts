// Onion services manager DTOs (issue 5 §6): local loopback ports published as an onion service,
// temporary or persistent, optionally behind client authorization. The create form's rules live
// here once, as field errors, so the renderer shows them inline and main enforces the same ones.
import { z } from 'zod';
import { OnionAddressSchema } from './drop';

export const ONION_SERVICE_MAX_PORTS = 16;

export const OnionServiceIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'an onion service id is 16 hex characters');

/** "virtual port on the .onion → host:port on this computer". */
export const OnionPortMapSchema = z.object({
  virtualPort: z.number().int().min(1).max(65535),
  targetHost: z.string(),
  targetPort: z.number().int().min(1).max(65535),
});
export type OnionPortMap = z.infer<typeof OnionPortMapSchema>;

/**
 * What the create form sends. Only its shape is checked at the IPC boundary (so a wrong value comes
 * back as a field error, not a bare schema failure); onionServiceFieldErrors() holds the rules.
 */
export const OnionServiceCreateArgsSchema = z
  .object({
    name: z.string().max(1000),
    ports: z
      .array(
        z
          .object({
            virtualPort: z.number(),
            targetPort: z.number(),
            /** Default 127.0.0.1; only loopback addresses are allowed. */
            targetHost: z.string().max(200).optional(),
          })
          .strict(),
      )
      .max(256),
    /** Keep the .onion across restarts (key stored owner-only in the app's data dir). */
    persistent: z.boolean().default(false),
    /** Only clients holding the private key can reach the service (tor ClientAuthV3). */
    clientAuth: z.boolean().default(false),
  })
  .strict();
export type OnionServiceCreateArgs = z.input<typeof OnionServiceCreateArgsSchema>;

export const OnionServiceStateSchema = z.enum(['starting', 'publishing', 'published', 'failed']);
export type OnionServiceState = z.infer<typeof OnionServiceStateSchema>;

export const OnionServiceSchema = z.object({
  id: OnionServiceIdSchema,
  name: z.string(),
  ports: z.array(OnionPortMapSchema).min(1).max(ONION_SERVICE_MAX_PORTS),
  persistent: z.boolean(),
  clientAuth: z.boolean(),
  state: OnionServiceStateSchema,
  /** Known once ADD_ONION answered; a persistent service keeps it while tor is away. */
  address: OnionAddressSchema.nullable(),
  /** Tor Browser's format: <address without .onion>:descriptor:x25519:<base32 private key>. */
  clientKey: z.string().nullable(),
  createdAt: z.number(),
  error: z.string().nullable(),
});
export type OnionService = z.infer<typeof OnionServiceSchema>;

export const OnionServiceRefSchema = z.object({ id: OnionServiceIdSchema }).strict();

/** Field path ("name", "ports", "ports.0.targetPort" …) → what is wrong with it. */
export type OnionServiceFieldErrors = Record<string, string>;

// 127.0.0.0/8 written as four decimal octets, or IPv6 ::1. Names (even "localhost") are refused:
// tor would resolve them itself, and the point is that the target can only be this computer.
const IPV4_LOOPBACK = /^127\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;

export function isLoopbackHost(host: string): boolean {
  return IPV4_LOOPBACK.test(host) || host === '::1' || host === '[::1]';
}

const validPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;

/** Every rule of the create form; an empty object means the input is acceptable. */
export function onionServiceFieldErrors(args: OnionServiceCreateArgs): OnionServiceFieldErrors {
  const errors: OnionServiceFieldErrors = {};
  const name = args.name.trim();
  if (name.length === 0) errors.name = 'Give the service a name.';
  else if (name.length > 100) errors.name = 'The name can be at most 100 characters.';
  if (args.ports.length === 0) errors.ports = 'Add at least one port.';
  else if (args.ports.length > ONION_SERVICE_MAX_PORTS) errors.ports = `At most ${ONION_SERVICE_MAX_PORTS} ports per service.`;
  const seen = new Map<number, number>();
  args.ports.forEach((p, i) => {
    if (!validPort(p.virtualPort)) errors[`ports.${i}.virtualPort`] = 'The onion port must be a whole number from 1 to 65535.';
    else if (seen.has(p.virtualPort)) errors[`ports.${i}.virtualPort`] = `Onion port ${p.virtualPort} is already used by mapping ${seen.get(p.virtualPort)! + 1}.`;
    else seen.set(p.virtualPort, i);
    if (!validPort(p.targetPort)) errors[`ports.${i}.targetPort`] = 'The local port must be a whole number from 1 to 65535.';
    const host = (p.targetHost ?? '127.0.0.1').trim();
    if (!isLoopbackHost(host)) errors[`ports.${i}.targetHost`] = 'Only this computer can be the target: 127.0.0.1 (any 127.x.x.x) or ::1.';
  });
  return errors;
}

/** The target as tor's Port= argument takes it: "127.0.0.1:8080" or "[::1]:8080". */
export function onionTarget(p: OnionPortMap): string {
  const host = p.targetHost === '::1' || p.targetHost === '[::1]' ? '[::1]' : p.targetHost;
  return `${host}:${p.targetPort}`;
}

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

/** What can be wrong with a field of the create form; the renderer translates these. */
export type OnionServiceProblem = 'nameRequired' | 'nameTooLong' | 'noPorts' | 'tooManyPorts' | 'portRange' | 'duplicatePort' | 'notLoopback';

const PROBLEM_TEXT: Record<OnionServiceProblem, string> = {
  nameRequired: 'Give the service a name.',
  nameTooLong: 'The name can be at most 100 characters.',
  noPorts: 'Add at least one port.',
  tooManyPorts: `At most ${ONION_SERVICE_MAX_PORTS} ports per service.`,
  portRange: 'A port is a whole number from 1 to 65535.',
  duplicatePort: 'This onion port is already used by another mapping.',
  notLoopback: 'Only this computer can be the target: 127.0.0.1 (any 127.x.x.x) or ::1.',
};

/** Field path ("name", "ports", "ports.0.targetPort" …) → what is wrong with it. */
export type OnionServiceFieldErrors = Record<string, string>;

// 127.0.0.0/8 written as four decimal octets, or IPv6 ::1. Names (even "localhost") are refused:
// tor would resolve them itself, and the point is that the target can only be this computer.
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4_LOOPBACK = new RegExp(`^127\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function isLoopbackHost(host: string): boolean {
  return IPV4_LOOPBACK.test(host) || host === '::1' || host === '[::1]';
}

const validPort = (n: number) => Number.isInteger(n) && n >= 1 && n <= 65535;

/** Every rule of the create form, as field path → problem; empty means the input is acceptable. */
export function onionServiceProblems(args: OnionServiceCreateArgs): Record<string, OnionServiceProblem> {
  const problems: Record<string, OnionServiceProblem> = {};
  const name = args.name.trim();
  if (name.length === 0) problems.name = 'nameRequired';
  else if (name.length > 100) problems.name = 'nameTooLong';
  if (args.ports.length === 0) problems.ports = 'noPorts';
  else if (args.ports.length > ONION_SERVICE_MAX_PORTS) problems.ports = 'tooManyPorts';
  const seen = new Set<number>();
  args.ports.forEach((p, i) => {
    if (!validPort(p.virtualPort)) problems[`ports.${i}.virtualPort`] = 'portRange';
    else if (seen.has(p.virtualPort)) problems[`ports.${i}.virtualPort`] = 'duplicatePort';
    else seen.add(p.virtualPort);
    if (!validPort(p.targetPort)) problems[`ports.${i}.targetPort`] = 'portRange';
    if (!isLoopbackHost((p.targetHost ?? '127.0.0.1').trim())) problems[`ports.${i}.targetHost`] = 'notLoopback';
  });
  return problems;
}

/** The same rules in English words, for the error's details. */
export function onionServiceFieldErrors(args: OnionServiceCreateArgs): OnionServiceFieldErrors {
  return Object.fromEntries(Object.entries(onionServiceProblems(args)).map(([field, problem]) => [field, PROBLEM_TEXT[problem]]));
}

/** The target as tor's Port= argument takes it: "127.0.0.1:8080" or "[::1]:8080". */
export function onionTarget(p: OnionPortMap): string {
  const host = p.targetHost === '::1' || p.targetHost === '[::1]' ? '[::1]' : p.targetHost;
  return `${host}:${p.targetPort}`;
}

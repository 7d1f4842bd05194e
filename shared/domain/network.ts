// Supervised daemons as the UI sees them: identity, lifecycle state and the last error.
import { z } from 'zod';
import { IpcErrorSchema } from '../errors';

export const NETWORK_IDS = ['tor', 'i2p', 'nym'] as const;
export const NetworkIdSchema = z.enum(NETWORK_IDS);
export type NetworkId = z.infer<typeof NetworkIdSchema>;

export const DAEMON_STATES = ['stopped', 'starting', 'ready', 'degraded', 'failed'] as const;
export const DaemonStateSchema = z.enum(DAEMON_STATES);
export type DaemonState = z.infer<typeof DaemonStateSchema>;

/** A process id in the supervisor: a network ('tor') or a helper it owns ('tor-lab:relay1'). */
export const ProcessIdSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-z0-9][a-z0-9:._-]*$/, 'lower-case letters, digits and : . _ -');

export const DaemonStatusSchema = z.object({
  id: ProcessIdSchema,
  label: z.string(),
  state: DaemonStateSchema,
  pid: z.number().int().positive().nullable(),
  restartCount: z.number().int().nonnegative(),
  lastError: IpcErrorSchema.nullable(),
  /** Epoch ms of the current state's start; lets the UI show "restarting in 3 s" or uptime. */
  since: z.number(),
  /** Epoch ms when the next restart attempt is due, while waiting in backoff. */
  nextRestartAt: z.number().nullable(),
  /** One human sentence from the service: "Bootstrapped 45%: loading relay descriptors". */
  detail: z.string().nullable(),
  binary: z
    .object({ source: z.enum(['bundled', 'configured', 'path']), file: z.string(), version: z.string().nullable() })
    .nullable(),
});
export type DaemonStatus = z.infer<typeof DaemonStatusSchema>;

/** Whether a network's service exists in this build; sections say so honestly instead of faking data. */
export const NetworkAvailabilitySchema = z.object({
  id: NetworkIdSchema,
  label: z.string(),
  available: z.boolean(),
  reason: z.string().nullable(),
});
export type NetworkAvailability = z.infer<typeof NetworkAvailabilitySchema>;

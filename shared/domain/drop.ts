// Onion drop DTOs: what the journalist configures, the drop's state (publishing → published from
// HS_DESC events), and each upload's progress. Sizes are bytes; times are epoch ms.
import { z } from 'zod';

export const DropIdSchema = z.string().regex(/^[0-9a-f]{16}$/, 'a drop id is 16 hex characters');
export const DropAcceptSchema = z.enum(['files', 'text', 'both']);
export type DropAccept = z.infer<typeof DropAcceptSchema>;

const GB = 1024 ** 3;
export const DropLimitsSchema = z.object({
  maxFileBytes: z.number().int().min(1024).max(1024 * GB),
  maxUploadBytes: z.number().int().min(1024).max(1024 * GB),
  maxMessageBytes: z.number().int().min(1).max(10 * 1024 * 1024),
});
export type DropLimits = z.infer<typeof DropLimitsSchema>;

export const DEFAULT_DROP_LIMITS: DropLimits = { maxFileBytes: 4 * GB, maxUploadBytes: 8 * GB, maxMessageBytes: 1024 * 1024 };

const AbsolutePath = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path');

/** age X25519 recipient: "age1" + 58 Bech32 characters (the checksum is checked in main). */
export const AgeRecipientSchema = z
  .string()
  .trim()
  .refine((s) => s.startsWith('age1'), 'an age public key starts with "age1"')
  .refine((s) => /^age1[02-9ac-hj-np-z]{58}$/.test(s), 'not a valid age public key: "age1" followed by 58 lower-case letters and digits');

/** An age identity (secret key) as age-keygen writes it; comment lines are allowed. */
export const AgeIdentitySchema = z
  .string()
  .max(2000)
  .refine((s) => /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/m.test(s.trim()), 'an age secret key: "AGE-SECRET-KEY-1" followed by 58 letters and digits');

const MAX_SCHEDULE_MIN = 60 * 24 * 30;

/**
 * Start later and stop by itself. Times in the past and negative or zero durations are refused here;
 * main checks startAt against its own clock again.
 */
export const DropScheduleArgsSchema = z
  .object({
    /** Start at this time (epoch ms) … */
    startAt: z.number().int().positive().optional(),
    /** … or after this many minutes. */
    startInMinutes: z.number().int('whole minutes').min(1, 'must be at least 1 minute').max(MAX_SCHEDULE_MIN).optional(),
    /** Stop this many minutes after it started. */
    stopAfterMinutes: z.number().int('whole minutes').min(1, 'must be at least 1 minute').max(MAX_SCHEDULE_MIN).optional(),
    /** Stop once the first upload completed. */
    stopAfterFirstUpload: z.boolean().optional(),
  })
  .strict()
  .refine((s) => s.startAt === undefined || s.startInMinutes === undefined, { message: 'give a start time or a delay, not both', path: ['startAt'] });
export type DropScheduleArgs = z.infer<typeof DropScheduleArgsSchema>;

export const DropCreateArgsSchema = z
  .object({
    title: z.string().trim().min(1).max(200),
    note: z.string().max(4000).default(''),
    accept: DropAcceptSchema.default('both'),
    limits: DropLimitsSchema.partial().default({}),
    /** Keep the .onion across restarts (key stored owner-only in the app's data dir). */
    persistent: z.boolean().default(false),
    /** Sources need a private key (tor ClientAuthV3) to reach the drop at all. */
    clientAuth: z.boolean().default(false),
    /** Where uploads land; default: the app's data dir. */
    folder: AbsolutePath.optional(),
    /** The journalist's age public key: uploads are stored encrypted to it ("<name>.age"). */
    ageRecipient: AgeRecipientSchema.optional(),
    schedule: DropScheduleArgsSchema.optional(),
  })
  .strict()
  .refine((a) => (a.limits.maxFileBytes ?? 0) <= (a.limits.maxUploadBytes ?? Infinity), 'the per-file limit cannot exceed the per-upload limit');
export type DropCreateArgs = z.input<typeof DropCreateArgsSchema>;

export const DropStateSchema = z.enum(['stopped', 'starting', 'publishing', 'published', 'failed']);
export type DropState = z.infer<typeof DropStateSchema>;

export const OnionAddressSchema = z.string().regex(/^[a-z2-7]{56}\.onion$/, 'a v3 onion address');

/**
 * Why the drop last turned a source away before anything was stored (the source saw the same in
 * its page): the journalist can free disk space or raise a limit. Carries no data about the source.
 */
export const DropRefusalSchema = z.object({
  at: z.number(),
  kind: z.enum(['disk_full', 'too_large']),
});
export type DropRefusal = z.infer<typeof DropRefusalSchema>;

export const DropSchema = z.object({
  id: DropIdSchema,
  title: z.string(),
  note: z.string(),
  accept: DropAcceptSchema,
  limits: DropLimitsSchema,
  persistent: z.boolean(),
  clientAuth: z.boolean(),
  state: DropStateSchema,
  /** Known once ADD_ONION answered; kept while stopped for persistent drops. */
  address: OnionAddressSchema.nullable(),
  /** Tor Browser's format: <address without .onion>:descriptor:x25519:<base32 private key>. */
  clientKey: z.string().nullable(),
  /** The loopback port the onion forwards to, while running. */
  localPort: z.number().int().min(1).max(65535).nullable(),
  folder: z.string(),
  createdAt: z.number(),
  error: z.string().nullable(),
  /** Uploads are encrypted to this age public key; null = stored as sent. */
  ageRecipient: z.string().nullable(),
  /** What the scheduler will do next (epoch ms); null fields = nothing planned. */
  schedule: z.object({
    startAt: z.number().nullable(),
    stopAt: z.number().nullable(),
    stopAfterMinutes: z.number().int().positive().nullable(),
    stopAfterFirstUpload: z.boolean(),
  }),
  lastRefusal: DropRefusalSchema.nullable(),
});
export type Drop = z.infer<typeof DropSchema>;

export const DropRefSchema = z.object({ id: DropIdSchema }).strict();

export const DropFileSchema = z.object({
  name: z.string(),
  bytes: z.number().int().nonnegative(),
  complete: z.boolean(),
  kind: z.enum(['file', 'message']),
  /** Stored as age ciphertext ("<name>.age"). */
  encrypted: z.boolean().optional(),
});

export const DropUploadSchema = z.object({
  dropId: DropIdSchema,
  /** The upload's folder name: its receive time, collision-suffixed. */
  id: z.string(),
  receivedAt: z.number(),
  state: z.enum(['receiving', 'complete', 'incomplete']),
  /** Request bytes read so far and the Content-Length the browser announced (null if none). */
  received: z.number().int().nonnegative(),
  expected: z.number().int().nonnegative().nullable(),
  /** File and message bytes written to disk. */
  stored: z.number().int().nonnegative(),
  files: z.array(DropFileSchema),
  reason: z.string().nullable(),
  path: z.string(),
});
export type DropUpload = z.infer<typeof DropUploadSchema>;

export const DropDecryptArgsSchema = z
  .object({
    id: DropIdSchema,
    /** The upload folder's name, as in DropUpload.id. */
    uploadId: z.string().regex(/^\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}(-\d+)?$/, 'an upload id is its folder name'),
    identity: AgeIdentitySchema,
    /** Where the decrypted copies go; default: a "decrypted" folder beside the upload's files. */
    destination: AbsolutePath.optional(),
  })
  .strict();
export const DropDecryptResultSchema = z.object({
  folder: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int().nonnegative() })),
});

export const AgeKeyPairSchema = z.object({ identity: z.string(), recipient: z.string() });

export const DropOpenFolderArgsSchema = z.object({ id: DropIdSchema, uploadId: z.string().max(64).optional() }).strict();
/** opened false: this host cannot open folders on the user's desktop (headless); `path` is there to copy. */
export const DropOpenFolderResultSchema = z.object({ opened: z.boolean(), path: z.string(), reason: z.string().nullable() });

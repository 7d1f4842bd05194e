// App-wide DTOs: build/host facts, settings and log lines shown in the UI.
import { z } from 'zod';
import { NetworkAvailabilitySchema } from './network';

export const AppInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  host: z.enum(['electron', 'headless']),
  /** lab = private loopback networks started by the app; real = the public networks. */
  mode: z.enum(['lab', 'real']),
  platform: z.string(),
  networks: z.array(NetworkAvailabilitySchema),
});
export type AppInfo = z.infer<typeof AppInfoSchema>;

export const LANGUAGES = ['en', 'fa'] as const;
export const BinaryPathSchema = z
  .string()
  .min(1)
  .max(4096)
  .refine((p) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p), 'must be an absolute path')
  .nullable();

export const SettingsSchema = z.object({
  language: z.enum(LANGUAGES),
  /** User-configured daemon binaries, used when no bundled one exists. */
  binaries: z.object({ tor: BinaryPathSchema, i2pd: BinaryPathSchema, nymClient: BinaryPathSchema }),
  /** Start each network when the app starts. */
  autostart: z.object({ tor: z.boolean(), i2p: z.boolean(), nym: z.boolean() }),
});
export type Settings = z.infer<typeof SettingsSchema>;
export const SettingsPatchSchema = z
  .object({
    language: SettingsSchema.shape.language,
    binaries: SettingsSchema.shape.binaries.partial(),
    autostart: SettingsSchema.shape.autostart.partial(),
  })
  .partial()
  .strict();
export type SettingsPatch = z.infer<typeof SettingsPatchSchema>;

export const LOG_LEVELS = ['debug', 'info', 'notice', 'warn', 'error'] as const;
export const LogLevelSchema = z.enum(LOG_LEVELS);
export type LogLevel = z.infer<typeof LogLevelSchema>;
export const LogLineSchema = z.object({
  seq: z.number().int().nonnegative(),
  time: z.number(),
  level: LogLevelSchema,
  /** The scope: 'tor', 'supervisor', 'host' … */
  source: z.string(),
  pid: z.number().int().nullable(),
  message: z.string(),
});
export type LogLine = z.infer<typeof LogLineSchema>;

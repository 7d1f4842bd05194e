// Threat-model guidance: the questions (what the user needs × whom they worry about), the claims
// with their sources, and the recommendations with actions the app can apply. The content lives in
// shared/guidance/guidance.json and is validated against these schemas.
import { z } from 'zod';
import { AgeRecipientSchema } from './drop';

export const NEEDS = ['browse', 'host', 'message', 'i2p'] as const;
export const ADVERSARIES = ['local', 'service', 'censor', 'global', 'device'] as const;
export const NeedSchema = z.enum(NEEDS);
export const AdversarySchema = z.enum(ADVERSARIES);
export type Need = z.infer<typeof NeedSchema>;
export type Adversary = z.infer<typeof AdversarySchema>;

/** Actions a recommendation can apply; each maps to a contract call (or a navigation). */
export const GUIDANCE_ACTIONS = ['tor.start', 'bridges.useRecommended', 'drop.createProtected', 'nym.composeAnonymous', 'i2p.openClientTunnel'] as const;
export const GuidanceActionSchema = z.enum(GUIDANCE_ACTIONS);
export type GuidanceAction = z.infer<typeof GuidanceActionSchema>;

const Localized = z.object({ en: z.string().min(1), fa: z.string().min(1) });
export type LocalizedText = z.infer<typeof Localized>;

export const ClaimSchema = z.object({
  text: Localized,
  sources: z.array(z.object({ title: z.string(), url: z.url({ protocol: /^https$/ }) })).min(1),
});

export const TRANSPORTS = ['tor', 'i2p', 'nym', 'none'] as const;

export const RecommendationSchema = z.object({
  transport: z.enum(TRANSPORTS),
  title: Localized,
  settings: z.array(Localized),
  doesNotProtect: z.array(Localized).min(1),
  alsoDo: z.array(Localized),
  /** Claim ids this recommendation rests on; shown with their sources. */
  claims: z.array(z.string()).min(1),
  actions: z.array(GuidanceActionSchema),
});
export type Recommendation = z.infer<typeof RecommendationSchema>;

export const GuidanceContentSchema = z
  .object({
    version: z.string().regex(/^\d{4}-\d{2}-\d{2}\.\d+$/),
    claims: z.record(z.string(), ClaimSchema),
    recommendations: z.record(z.string(), RecommendationSchema),
    matrix: z.record(NeedSchema, z.record(AdversarySchema, z.string())),
    /** Typical round-trip latencies in ms, for the comparison table; measured values replace nothing here. */
    typicalLatencyMs: z.record(z.enum(['tor', 'i2p', 'nym']), z.tuple([z.number(), z.number()])),
    protection: z.record(z.enum(['tor', 'i2p', 'nym']), z.record(z.enum(['localObserver', 'service', 'exit', 'globalObserver']), z.enum(['yes', 'partly', 'no']))),
  })
  .superRefine((c, ctx) => {
    for (const [id, r] of Object.entries(c.recommendations)) {
      for (const claim of r.claims) if (!c.claims[claim]) ctx.addIssue({ code: 'custom', message: `recommendation ${id} cites unknown claim ${claim}` });
    }
    for (const need of NEEDS) {
      for (const adv of ADVERSARIES) {
        const rec = c.matrix[need]?.[adv];
        if (!rec) ctx.addIssue({ code: 'custom', message: `no recommendation for ${need} × ${adv}` });
        else if (!c.recommendations[rec]) ctx.addIssue({ code: 'custom', message: `${need} × ${adv} names unknown recommendation ${rec}` });
      }
    }
  });
export type GuidanceContent = z.infer<typeof GuidanceContentSchema>;

/**
 * One action to apply. `ageRecipient` (drop.createProtected only) is the journalist's own age public
 * key: the drop encrypts uploads to it at rest. The app never makes one up, since its secret half
 * must live away from a device that may be seized.
 */
export const GuidanceApplyArgsSchema = z
  .object({ action: GuidanceActionSchema, ageRecipient: AgeRecipientSchema.optional() })
  .strict()
  .refine((a) => a.ageRecipient === undefined || a.action === 'drop.createProtected', { message: 'only a drop takes an age public key', path: ['ageRecipient'] });
export type GuidanceApplyArgs = z.infer<typeof GuidanceApplyArgsSchema>;

/** What applying a recommendation's action did; `navigate` sends the user to the place to finish it. */
export const ApplyResultSchema = z.object({
  action: GuidanceActionSchema,
  done: z.boolean(),
  message: z.string(),
  navigate: z.enum(['tor', 'onion', 'bridges', 'i2p', 'messages']).nullable(),
});
export type ApplyResult = z.infer<typeof ApplyResultSchema>;

/**
 * Why a network has no numbers: the UI words it from this code (in the user's language); `reason`
 * keeps main's English specifics for the details disclosure.
 */
export const MEASURE_FAILURES = ['notInBuild', 'notRunning', 'noProbeYet', 'noEchoTarget', 'failed'] as const;
export const MeasureFailureSchema = z.enum(MEASURE_FAILURES);
export type MeasureFailure = z.infer<typeof MeasureFailureSchema>;

export const MeasurementSchema = z.discriminatedUnion('ok', [
  z.object({
    ok: z.literal(true),
    network: z.enum(['tor', 'i2p', 'nym']),
    /** Round trip of one small request/message, ms. */
    rttMs: z.number().nonnegative(),
    /** Bytes per second, where the network can carry a bulk transfer in the lab. */
    throughputBps: z.number().nonnegative().nullable(),
    /** Epoch ms when measured. */
    at: z.number(),
    target: z.string(),
  }),
  z.object({ ok: z.literal(false), network: z.enum(['tor', 'i2p', 'nym']), code: MeasureFailureSchema, reason: z.string(), at: z.number() }),
]);
export type Measurement = z.infer<typeof MeasurementSchema>;

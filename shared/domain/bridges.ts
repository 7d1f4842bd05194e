// Bridge DTOs that cross IPC: parsed bridge lines with field-level errors, the built-in choices,
// the applied configuration, reachability results and the bootstrap diagnosis.
import { z } from 'zod';

export const TRANSPORTS = ['obfs4', 'webtunnel', 'snowflake', 'meek_lite', 'vanilla'] as const;
export const TransportSchema = z.enum(TRANSPORTS);
export type Transport = z.infer<typeof TransportSchema>;

/** One bridge line as tor's `Bridge` option takes it (no `Bridge ` prefix). */
export const BridgeLineTextSchema = z.string().min(1).max(2048);

export const BridgeSchema = z.object({
  transport: TransportSchema,
  /** IPv4 dotted quad or IPv6 without brackets. */
  address: z.string(),
  port: z.number().int().min(1).max(65535),
  fingerprint: z.string().regex(/^[0-9A-F]{40}$/).nullable(),
  args: z.array(z.tuple([z.string(), z.string()])),
  /** Canonical line (what goes to tor's Bridge option). */
  line: z.string(),
});
export type Bridge = z.infer<typeof BridgeSchema>;

export const BridgeFieldSchema = z.enum(['line', 'transport', 'address', 'port', 'fingerprint', 'args']);
export type BridgeField = z.infer<typeof BridgeFieldSchema>;

export const BridgeFieldErrorSchema = z.object({
  field: BridgeFieldSchema,
  /** For field 'args': the argument concerned (cert, iat-mode, url…). */
  arg: z.string().nullable(),
  message: z.string(),
});
export type BridgeFieldError = z.infer<typeof BridgeFieldErrorSchema>;

export const BridgeLineResultSchema = z.object({
  /** 1-based line number in the pasted text. */
  lineNumber: z.number().int().min(1),
  input: z.string(),
  bridge: BridgeSchema.nullable(),
  errors: z.array(BridgeFieldErrorSchema),
});
export type BridgeLineResult = z.infer<typeof BridgeLineResultSchema>;

export const BuiltinChoiceIdSchema = z.enum(['obfs4', 'snowflake', 'meek', 'webtunnel']);
export type BuiltinChoiceId = z.infer<typeof BuiltinChoiceIdSchema>;

export const BuiltinChoiceSchema = z.object({
  id: BuiltinChoiceIdSchema,
  label: z.string(),
  transport: TransportSchema,
  /** One sentence: what it looks like on the wire, when it helps, what it costs. */
  explanation: z.string(),
  lines: z.array(z.string()),
  /** False when the transport's binary is not bundled/resolvable: the UI must not offer it. */
  available: z.boolean(),
  unavailableReason: z.string().nullable(),
});
export type BuiltinChoice = z.infer<typeof BuiltinChoiceSchema>;

/** The bridges a lab can run for the app (lab mode only). */
export const LabBridgeTransportSchema = z.enum(['obfs4', 'webtunnel']);
export type LabBridgeTransport = z.infer<typeof LabBridgeTransportSchema>;

export const BuiltinListSchema = z.object({
  choices: z.array(BuiltinChoiceSchema),
  /** Which lab bridges this run started; empty outside lab mode. The UI offers only these. */
  labBridges: z.array(LabBridgeTransportSchema),
  source: z.object({ url: z.string(), commit: z.string(), retrievedAt: z.string() }),
});
export type BuiltinList = z.infer<typeof BuiltinListSchema>;

export const BridgeSelectionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('builtin'), id: BuiltinChoiceIdSchema }).strict(),
  z.object({ kind: z.literal('custom'), text: z.string().min(1).max(64_000) }).strict(),
  /** Lab mode only: the lab's own bridge, obfs4 unless webtunnel is asked for. */
  z.object({ kind: z.literal('lab'), transport: LabBridgeTransportSchema.optional() }).strict(),
]);
export type BridgeSelection = z.infer<typeof BridgeSelectionSchema>;

export const BridgeConfigSchema = z.object({
  /** Null: no bridges (direct connection). */
  selection: BridgeSelectionSchema.nullable(),
  bridges: z.array(BridgeSchema),
  transports: z.array(TransportSchema),
  appliedAt: z.number().nullable(),
});
export type BridgeConfig = z.infer<typeof BridgeConfigSchema>;

export const REACH_STAGES = ['tcp', 'handshake', 'firstHop', 'directory'] as const;
export const ReachStageSchema = z.enum(REACH_STAGES);
export type ReachStage = z.infer<typeof ReachStageSchema>;

export const ReachabilityResultSchema = z.object({
  line: z.string(),
  startedAt: z.number(),
  finishedAt: z.number(),
  /** Every stage reached, with milliseconds from the start. */
  stages: z.array(z.object({ stage: ReachStageSchema, afterMs: z.number() })),
  /** The furthest stage reached, null when not even TCP. */
  reached: ReachStageSchema.nullable(),
  ok: z.boolean(),
  /** Plain-language failure, null when ok. */
  failure: z.string().nullable(),
  lastBootstrap: z.object({ progress: z.number(), tag: z.string() }).nullable(),
});
export type ReachabilityResult = z.infer<typeof ReachabilityResultSchema>;

export const DiagnosisCauseSchema = z.enum([
  'none',
  'stalled',
  'bridge-port-closed',
  'bridge-timeout',
  'bridge-handshake-failed',
  'clock-skew',
  'directory-blocked',
  'relays-unreachable',
  'no-network',
  'transport-missing',
  'unknown',
]);
export type DiagnosisCause = z.infer<typeof DiagnosisCauseSchema>;

export const DiagnosisSchema = z.object({
  cause: DiagnosisCauseSchema,
  /** Plain-language: what went wrong. */
  title: z.string(),
  /** Plain-language: what to do next. */
  nextStep: z.string(),
  /** The facts it is based on (tor's phase/tag, warning text, counts). */
  evidence: z.array(z.string()),
  /** The specifics in the title, as data, so every language can word them (null: not part of this cause). */
  params: z.object({
    /** address:port of the bridge that failed. */
    bridge: z.string().nullable(),
    /** How far the computer's clock is off; negative = behind. */
    clockSkewS: z.number().nullable(),
    /** Seconds without bootstrap progress. */
    stalledS: z.number().nullable(),
  }),
  stalled: z.boolean(),
  progress: z.number().int().min(0).max(100),
  tag: z.string(),
  /** Suggest the one-click "Use a bridge". */
  suggestBridge: z.boolean(),
  at: z.number(),
});
export type Diagnosis = z.infer<typeof DiagnosisSchema>;

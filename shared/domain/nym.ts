// Nym DTOs that cross IPC: the mixnet client's status, contacts, conversations and messages.
// Address and tag shapes are checked syntactically here; main re-checks keys (ed25519 points) before sending.
import { z } from 'zod';
import { DaemonStateSchema } from './network';
import { IpcErrorSchema } from '../errors';

const B58 = '1-9A-HJ-NP-Za-km-z';
/** `<identity>.<encryption>@<gateway>`, each part base58 of 32 bytes (nym.md §3.1). */
export const NymAddressSchema = z
  .string()
  .trim()
  .regex(new RegExp(`^[${B58}]{32,44}\\.[${B58}]{32,44}@[${B58}]{32,44}$`), 'a Nym address looks like <identity>.<encryption>@<gateway>');
/** base58 of 16 bytes (nym.md §3.3). */
export const SenderTagSchema = z.string().regex(new RegExp(`^[${B58}]{11,22}$`), 'a sender tag is base58 of 16 bytes');

/** Chat text cap: far below nym-client's 16 MiB frame limit; every ~1.6 KB costs a packet (nym.md §4.7, §5.3). */
export const NYM_MAX_TEXT_CHARS = 16_000;
/** A generous top-up; the real sender allows at most 500 per request (nym.md §5.4). */
export const NYM_MAX_REPLY_SURBS = 100;
export const NYM_DEFAULT_REPLY_SURBS = 20;
/** One attachment must fit one IPC frame (256 KiB) as base64; ≈ 100 packets, a few seconds at 50 packets/s. */
export const NYM_MAX_ATTACHMENT_BYTES = 160 * 1024;

export const AttachmentSchema = z.object({
  name: z.string().min(1).max(255),
  mime: z.string().max(255),
  size: z.number().int().min(0),
  /** Received files: where the app saved them (owner-only, in the app's data dir). */
  savedAs: z.string().nullable(),
});
export type NymAttachment = z.infer<typeof AttachmentSchema>;

export const ContactIdSchema = z.string().regex(/^c_[0-9a-f]{16}$/);
export const ConversationIdSchema = z.string().regex(/^(contact|tag|inbox)_[0-9a-f]{16}$/);
export const MessageIdSchema = z.string().regex(/^m_[0-9a-f]{16}$/);

export const ContactSchema = z.object({
  id: ContactIdSchema,
  name: z.string().trim().min(1).max(80),
  address: NymAddressSchema,
  createdAt: z.number(),
});
export type Contact = z.infer<typeof ContactSchema>;

/**
 * queued: waiting in our nym-client's send queue (laneQueueLength > 0);
 * sent: it left our client into the mixnet (Nym gives no delivery receipt);
 * dropped: our client refused it (a reply without stored reply SURBs);
 * failed: never handed to the client (not running, rejected).
 */
export const MESSAGE_STATES = ['queued', 'sent', 'dropped', 'failed', 'received'] as const;
export const MessageStateSchema = z.enum(MESSAGE_STATES);
export type MessageState = z.infer<typeof MessageStateSchema>;

export const MessageSchema = z.object({
  id: MessageIdSchema,
  direction: z.enum(['out', 'in']),
  text: z.string().max(NYM_MAX_TEXT_CHARS * 4),
  /** plain: send; anonymous: sendAnonymous with SURBs; reply: reply by sender tag. */
  kind: z.enum(['plain', 'anonymous', 'reply']),
  replySurbs: z.number().int().min(0).max(NYM_MAX_REPLY_SURBS).nullable(),
  state: MessageStateSchema,
  /** Packets still in our client's queue for this message's lane, when known. */
  queueLength: z.number().int().min(0).nullable(),
  /** Why it failed or was dropped, in words. */
  error: z.string().nullable(),
  at: z.number(),
  sentAt: z.number().nullable(),
  /** A file sent through the binary API, when this message carries one. */
  attachment: AttachmentSchema.nullable().default(null),
  /** Packets this message took in the queue at first (for a progress bar with queueLength). */
  totalPackets: z.number().int().min(0).nullable().default(null),
});
export type NymMessage = z.infer<typeof MessageSchema>;

export const ConversationKindSchema = z.enum(['contact', 'tag', 'inbox']);
export const ConversationSummarySchema = z.object({
  id: ConversationIdSchema,
  /** contact: messages with an address we know; tag: an anonymous sender (we answer by tag); inbox: unattributed plain messages. */
  kind: ConversationKindSchema,
  title: z.string(),
  address: NymAddressSchema.nullable(),
  senderTag: SenderTagSchema.nullable(),
  /** tag only: an anonymous message from this tag arrived since our client started, so it sent reply SURBs (unless it sent 0). */
  canReply: z.boolean(),
  unread: z.number().int().min(0),
  lastMessageAt: z.number().nullable(),
  lastText: z.string().nullable(),
});
export type ConversationSummary = z.infer<typeof ConversationSummarySchema>;

export const ConversationSchema = ConversationSummarySchema.extend({ messages: z.array(MessageSchema) });
export type Conversation = z.infer<typeof ConversationSchema>;

export const TrafficSchema = z.object({
  /** Where the numbers come from: the client's config.toml, nym's defaults, or the lab mixnet's settings. */
  source: z.enum(['config', 'default', 'lab']),
  messageSendingAverageDelayMs: z.number().min(0),
  loopCoverAverageDelayMs: z.number().min(0),
  averagePacketDelayMs: z.number().min(0),
  coverTrafficEnabled: z.boolean(),
  /** Derived: real-traffic slots per second (each carries a real or a cover packet). */
  sendingPacketsPerSecond: z.number().min(0),
  coverPacketsPerSecond: z.number().min(0),
});
export type NymTraffic = z.infer<typeof TrafficSchema>;

export const NymClientStateSchema = z.enum(['stopped', 'starting', 'connected', 'reconnecting', 'gateway-lost', 'failed']);
export type NymClientState = z.infer<typeof NymClientStateSchema>;

export const NymStatusSchema = z.object({
  state: DaemonStateSchema,
  clientState: NymClientStateSchema,
  address: NymAddressSchema.nullable(),
  clientId: z.string().nullable(),
  gateway: z.string().nullable(),
  websocketPort: z.number().int().min(1).max(65535).nullable(),
  lab: z.boolean(),
  traffic: TrafficSchema.nullable(),
  /** Packets of our messages still queued in the client (sum over lanes of messages not yet sent). */
  laneQueueLength: z.number().int().min(0),
  /** Median one-way latency of messages this app sent to itself through the lab mixnet; null outside the lab. */
  labLatencyMs: z.number().min(0).nullable(),
  startedAt: z.number().nullable(),
  lastError: IpcErrorSchema.nullable(),
  /** Set when the messages file was unreadable and was set aside. */
  storageWarning: z.string().nullable(),
});
export type NymStatus = z.infer<typeof NymStatusSchema>;

export const SendArgsSchema = z
  .object({
    address: NymAddressSchema,
    text: z.string().min(1).max(NYM_MAX_TEXT_CHARS),
    anonymous: z.boolean(),
    /** anonymous only: reply SURBs attached (each ≈ 1.2 KB). */
    replySurbs: z.number().int().min(0).max(NYM_MAX_REPLY_SURBS).optional(),
    /** plain only: put our address in the payload so they can answer (they then know who we are). */
    includeAddress: z.boolean().optional(),
  })
  .strict();
export type SendArgs = z.infer<typeof SendArgsSchema>;

export const SendFileArgsSchema = z
  .object({
    address: NymAddressSchema,
    name: z.string().trim().min(1).max(255),
    mime: z.string().max(255),
    /** The file, base64; at most NYM_MAX_ATTACHMENT_BYTES once decoded. */
    dataBase64: z
      .string()
      .max(Math.ceil(NYM_MAX_ATTACHMENT_BYTES / 3) * 4)
      .regex(/^[A-Za-z0-9+/]*={0,2}$/, 'base64'),
    text: z.string().max(NYM_MAX_TEXT_CHARS).optional(),
    anonymous: z.boolean(),
    replySurbs: z.number().int().min(0).max(NYM_MAX_REPLY_SURBS).optional(),
  })
  .strict();
export type SendFileArgs = z.infer<typeof SendFileArgsSchema>;

export const MessageEventSchema = z.object({ conversation: ConversationSummarySchema, message: MessageSchema });
export type NymMessageEvent = z.infer<typeof MessageEventSchema>;

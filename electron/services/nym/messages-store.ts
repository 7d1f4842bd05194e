// Contacts and conversations of the Messages pane, persisted as one JSON file in the app's data dir
// (0600, atomic rename, validated on load; a corrupt file is set aside, never deleted), plus the small
// payload envelope Underpass puts inside Nym messages. No nym-client I/O here.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { z } from 'zod';
import {
  ContactSchema,
  ConversationIdSchema,
  ConversationKindSchema,
  MessageSchema,
  NymAddressSchema,
  SenderTagSchema,
  type Contact,
  type Conversation,
  type ConversationSummary,
  type NymMessage,
} from '../../../shared/domain/nym';

const TokenSchema = z.string().regex(/^[0-9a-f]{16,32}$/);

const StoredConversationSchema = z.object({
  id: ConversationIdSchema,
  kind: ConversationKindSchema,
  address: NymAddressSchema.nullable(),
  senderTag: SenderTagSchema.nullable(),
  /**
   * contact: the token we put in our anonymous messages (`c`), so replies that arrive with senderTag
   * null can be matched to this conversation; tag: the token that sender gave us, echoed as `re`.
   */
  token: TokenSchema.nullable(),
  unread: z.number().int().min(0),
  messages: z.array(MessageSchema),
});
type StoredConversation = z.infer<typeof StoredConversationSchema>;

const StoredStateSchema = z.object({
  version: z.literal(1),
  contacts: z.array(ContactSchema),
  conversations: z.array(StoredConversationSchema),
});
type StoredState = z.infer<typeof StoredStateSchema>;

/** Messages kept per conversation; older ones are dropped from the file. */
const MESSAGES_KEPT = 2000;

// --- envelope -------------------------------------------------------------------------------------

/**
 * What Underpass sends inside a Nym message. A peer on a plain nym-client sees this JSON; anything
 * that is not an envelope is shown as plain text. `from` is only present when the user chose to
 * reveal their address; it is the sender's claim, not proof.
 */
const EnvelopeSchema = z.object({
  underpass: z.literal(1),
  text: z.string(),
  c: TokenSchema.optional(),
  re: TokenSchema.optional(),
  from: NymAddressSchema.optional(),
  /** Lab only: a latency probe the app sends to itself; never stored or shown. */
  probe: TokenSchema.optional(),
});
export type Envelope = z.infer<typeof EnvelopeSchema>;

export function encodeEnvelope(e: Omit<Envelope, 'underpass'>): string {
  return JSON.stringify({ underpass: 1, ...e });
}

export function decodeEnvelope(payload: string): Envelope | null {
  if (!payload.startsWith('{')) return null;
  try {
    const parsed = EnvelopeSchema.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * A file in one Nym message, byte-exact through the binary API:
 * "UPF1" ‖ u32 BE header length ‖ header JSON (name, mime, size, text?, c?, from?) ‖ file bytes.
 */
const FILE_MAGIC = new TextEncoder().encode('UPF1');
const FileHeaderSchema = z.object({
  name: z.string().min(1).max(255),
  mime: z.string().max(255),
  size: z.number().int().min(0),
  text: z.string().optional(),
  c: TokenSchema.optional(),
  re: TokenSchema.optional(),
  from: NymAddressSchema.optional(),
});
export type FileHeader = z.infer<typeof FileHeaderSchema>;

export function encodeFileMessage(header: FileHeader, data: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + data.length);
  out.set(FILE_MAGIC, 0);
  new DataView(out.buffer).setUint32(4, json.length);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

/** null when the payload is not an Underpass file message (or its header is invalid or the size lies). */
export function decodeFileMessage(payload: Uint8Array): { header: FileHeader; data: Uint8Array } | null {
  if (payload.length < 8 || !FILE_MAGIC.every((b, i) => payload[i] === b)) return null;
  const len = new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(4);
  if (8 + len > payload.length) return null;
  try {
    const header = FileHeaderSchema.safeParse(JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload.subarray(8, 8 + len))));
    const data = payload.subarray(8 + len);
    return header.success && header.data.size === data.length ? { header: header.data, data } : null;
  } catch {
    return null;
  }
}

/** A name safe to put in our attachments folder: no path parts, no control characters. */
export function safeFileName(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f<>:"|?*]/g, '_').replace(/^\.+/, '_').slice(0, 120);
  return clean || 'file';
}

export function newId(prefix: string): string {
  return `${prefix}${randomBytes(8).toString('hex')}`;
}

export class StorageError extends Error {
  readonly code = 'STORAGE_FAILED';
  toIpcError() {
    return { code: this.code, message: this.message };
  }
}

export class MessagesStore {
  private state: StoredState = { version: 1, contacts: [], conversations: [] };
  private writing: Promise<void> = Promise.resolve();
  private dirty = false;
  /** Set when load() found an unreadable file and set it aside. */
  warning: string | null = null;

  constructor(private readonly file: string) {}

  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw new StorageError(`cannot read ${this.file}: ${(e as Error).message}`);
    }
    let problem: string;
    try {
      const parsed = StoredStateSchema.safeParse(JSON.parse(text));
      if (parsed.success) {
        this.state = parsed.data;
        return;
      }
      problem = parsed.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ');
    } catch (e) {
      problem = `not JSON (${(e as Error).message})`;
    }
    const aside = `${this.file}.corrupt-${Date.now()}`;
    await rename(this.file, aside);
    this.warning = `The messages file was unreadable (${problem}); it was kept as ${aside} and a new one was started.`;
  }

  // --- contacts ----------------------------------------------------------------------------------
  contacts(): Contact[] {
    return [...this.state.contacts].sort((a, b) => a.name.localeCompare(b.name));
  }

  contactByAddress(address: string): Contact | undefined {
    return this.state.contacts.find((c) => c.address === address);
  }

  addContact(name: string, address: string): Contact {
    const existing = this.contactByAddress(address);
    if (existing) throw new ContactError(`${address.slice(0, 12)}… is already saved as "${existing.name}"`);
    const contact: Contact = { id: newId('c_'), name: name.trim(), address, createdAt: Date.now() };
    this.state.contacts.push(contact);
    this.changed();
    return contact;
  }

  updateContact(id: string, patch: { name?: string; address?: string }): Contact {
    const contact = this.state.contacts.find((c) => c.id === id);
    if (!contact) throw new ContactError('no such contact');
    if (patch.address !== undefined && patch.address !== contact.address) {
      const clash = this.contactByAddress(patch.address);
      if (clash) throw new ContactError(`that address is already saved as "${clash.name}"`);
      contact.address = patch.address;
    }
    if (patch.name !== undefined) contact.name = patch.name.trim();
    this.changed();
    return { ...contact };
  }

  removeContact(id: string): void {
    const before = this.state.contacts.length;
    this.state.contacts = this.state.contacts.filter((c) => c.id !== id);
    if (this.state.contacts.length === before) throw new ContactError('no such contact');
    this.changed();
  }

  // --- conversations -----------------------------------------------------------------------------
  conversation(id: string): StoredConversation | undefined {
    return this.state.conversations.find((c) => c.id === id);
  }

  /** The conversation with an address; created on first use. */
  forAddress(address: string): StoredConversation {
    return this.find((c) => c.kind === 'contact' && c.address === address) ?? this.create({ kind: 'contact', address, senderTag: null, token: null });
  }

  forTag(tag: string): StoredConversation {
    return this.find((c) => c.kind === 'tag' && c.senderTag === tag) ?? this.create({ kind: 'tag', address: null, senderTag: tag, token: null });
  }

  forToken(token: string): StoredConversation | undefined {
    return this.find((c) => c.kind === 'contact' && c.token === token);
  }

  inbox(): StoredConversation {
    return this.find((c) => c.kind === 'inbox') ?? this.create({ kind: 'inbox', address: null, senderTag: null, token: null });
  }

  /** Our token for a contact conversation, made on the first anonymous message. */
  tokenFor(conv: StoredConversation): string {
    if (!conv.token) {
      conv.token = randomBytes(8).toString('hex');
      this.changed();
    }
    return conv.token;
  }

  setToken(conv: StoredConversation, token: string): void {
    if (conv.token !== token) {
      conv.token = token;
      this.changed();
    }
  }

  append(conv: StoredConversation, message: NymMessage): void {
    conv.messages.push(message);
    if (conv.messages.length > MESSAGES_KEPT) conv.messages.splice(0, conv.messages.length - MESSAGES_KEPT);
    if (message.direction === 'in') conv.unread += 1;
    this.changed();
  }

  updateMessage(messageId: string, patch: Partial<NymMessage>): { conv: StoredConversation; message: NymMessage } | null {
    for (const conv of this.state.conversations) {
      const index = conv.messages.findIndex((m) => m.id === messageId);
      const current = conv.messages[index];
      if (current) {
        const next = { ...current, ...patch };
        conv.messages[index] = next;
        this.changed();
        return { conv, message: next };
      }
    }
    return null;
  }

  /** Messages still marked queued (after a restart the client's queue is gone: they are failed). */
  queued(): NymMessage[] {
    return this.state.conversations.flatMap((c) => c.messages.filter((m) => m.state === 'queued'));
  }

  markRead(id: string): StoredConversation {
    const conv = this.conversation(id);
    if (!conv) throw new ContactError('no such conversation');
    if (conv.unread !== 0) {
      conv.unread = 0;
      this.changed();
    }
    return conv;
  }

  summary(conv: StoredConversation, canReply: (tag: string) => boolean): ConversationSummary {
    const last = conv.messages.at(-1);
    const contact = conv.address ? this.contactByAddress(conv.address) : undefined;
    const title =
      conv.kind === 'inbox'
        ? 'Unattributed messages'
        : conv.kind === 'tag'
          ? `Anonymous sender ${conv.senderTag?.slice(0, 6) ?? ''}…`
          : (contact?.name ?? `${conv.address?.slice(0, 10) ?? ''}… (not in contacts)`);
    return {
      id: conv.id,
      kind: conv.kind,
      title,
      address: conv.address,
      senderTag: conv.senderTag,
      canReply: conv.kind === 'contact' ? true : conv.kind === 'tag' && conv.senderTag !== null && canReply(conv.senderTag),
      unread: conv.unread,
      lastMessageAt: last?.at ?? null,
      lastText: last ? last.text.slice(0, 120) : null,
    };
  }

  summaries(canReply: (tag: string) => boolean): ConversationSummary[] {
    return this.state.conversations
      .map((c) => this.summary(c, canReply))
      .sort((a, b) => (b.lastMessageAt ?? 0) - (a.lastMessageAt ?? 0));
  }

  full(conv: StoredConversation, canReply: (tag: string) => boolean): Conversation {
    return { ...this.summary(conv, canReply), messages: [...conv.messages] };
  }

  /** Resolves once everything changed so far is on disk. */
  flush(): Promise<void> {
    return this.writing;
  }

  private find(pred: (c: StoredConversation) => boolean): StoredConversation | undefined {
    return this.state.conversations.find(pred);
  }

  private create(c: Pick<StoredConversation, 'kind' | 'address' | 'senderTag' | 'token'>): StoredConversation {
    const conv: StoredConversation = { id: newId(`${c.kind}_`), ...c, unread: 0, messages: [] };
    this.state.conversations.push(conv);
    this.changed();
    return conv;
  }

  private changed(): void {
    if (this.dirty) return;
    this.dirty = true;
    // Coalesces a burst of changes into one write; writes never overlap.
    this.writing = this.writing
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(async () => {
        this.dirty = false;
        await this.write(JSON.stringify(this.state));
      })
      .catch((e: unknown) => {
        this.warning = `Could not save messages: ${(e as Error).message}`;
      });
  }

  private async write(text: string): Promise<void> {
    await mkdir(dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.tmp-${process.pid}`;
    await writeFile(tmp, text, { mode: 0o600 });
    await chmod(tmp, 0o600);
    await rename(tmp, this.file);
  }
}

export class ContactError extends Error {
  readonly code = 'IPC_INVALID_ARGS';
  toIpcError() {
    return { code: this.code, message: this.message };
  }
}

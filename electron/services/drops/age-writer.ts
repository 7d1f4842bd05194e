// Encryption at rest for drops: an age (age-encryption.org/v1) writer that encrypts plaintext as it
// arrives and appends only ciphertext to an open file, plus recipient/identity validation and
// decryption of a finished file to a chosen path. Plaintext is held in memory only (< one 64 KiB
// STREAM chunk, the tail age keeps until it knows whether more follows); it never reaches a disk.
import { Decrypter, Encrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { FileHandle } from 'node:fs/promises';

/** age's STREAM chunk (age spec "Payload"): 64 KiB of plaintext + a 16-byte Poly1305 tag. */
export const AGE_CHUNK = 64 * 1024;
const TAG = 16;

// X25519 recipients are Bech32 "age1" + 58 data chars; identities "AGE-SECRET-KEY-1" + 58 (upper case).
const RECIPIENT_RE = /^age1[02-9ac-hj-np-z]{58}$/;
const IDENTITY_RE = /^AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}$/;

export class AgeKeyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgeKeyError';
  }
}

/** Throws AgeKeyError with a readable reason unless `s` is an age X25519 recipient the library accepts. */
export function validateRecipient(raw: string): string {
  const s = raw.trim();
  if (!s.startsWith('age1')) throw new AgeKeyError('an age public key starts with "age1"');
  if (!RECIPIENT_RE.test(s)) throw new AgeKeyError('this is not a valid age public key (expected "age1" followed by 58 lower-case letters and digits)');
  try {
    new Encrypter().addRecipient(s);
  } catch (e) {
    throw new AgeKeyError(`this age public key is invalid: ${(e as Error).message}`);
  }
  return s;
}

/** The recipient (public key) of an identity; throws AgeKeyError for anything else. */
export async function validateIdentity(raw: string): Promise<{ identity: string; recipient: string }> {
  // age identity files carry "# created: …" and "# public key: …" comment lines; take the key line.
  const line = raw
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l !== '' && !l.startsWith('#'));
  const s = line ?? '';
  if (!s.startsWith('AGE-SECRET-KEY-1')) throw new AgeKeyError('an age secret key starts with "AGE-SECRET-KEY-1"');
  if (!IDENTITY_RE.test(s)) throw new AgeKeyError('this is not a valid age secret key (expected "AGE-SECRET-KEY-1" followed by 58 letters and digits)');
  try {
    return { identity: s, recipient: await identityToRecipient(s) };
  } catch (e) {
    throw new AgeKeyError(`this age secret key is invalid: ${(e as Error).message}`);
  }
}

export async function generateAgeIdentity(): Promise<{ identity: string; recipient: string }> {
  const identity = await generateX25519Identity();
  return { identity, recipient: await identityToRecipient(identity) };
}

/** Ciphertext bytes age has emitted after `fed` plaintext bytes, stream still open (header excluded). */
function emittedBody(fed: number): number {
  // encryptSTREAM seals a full 64 KiB buffer only once the next byte arrives (the last chunk is flagged).
  return fed === 0 ? 0 : Math.floor((fed - 1) / AGE_CHUNK) * (AGE_CHUNK + TAG);
}

/**
 * Appends the age encryption of everything written to `handle` from `position` on. `write()`
 * resolves once the ciphertext for that data (all but the sealed-later tail) is written, so a
 * following fsync makes it durable; `finish()` writes the last chunk. A writer that was never
 * finished leaves a file age refuses to decrypt (no last-chunk flag): never passed off as whole.
 */
export class AgeWriter {
  private fed = 0;
  private written = 0;
  private failure: Error | null = null;
  private waiters: Array<() => void> = [];
  private readonly input: WritableStreamDefaultWriter<Uint8Array>;
  private readonly pumped: Promise<void>;

  private constructor(
    private readonly handle: FileHandle,
    private position: number,
    private readonly headerBytes: number,
    input: WritableStreamDefaultWriter<Uint8Array>,
    output: ReadableStream<Uint8Array>,
  ) {
    this.input = input;
    this.pumped = this.pump(output.getReader());
    // Failures surface through write()/finish(); this keeps an unawaited rejection from crashing.
    this.pumped.catch(() => undefined);
  }

  static async open(handle: FileHandle, recipient: string, position = 0): Promise<AgeWriter> {
    const e = new Encrypter();
    e.addRecipient(recipient);
    const plain = new TransformStream<Uint8Array, Uint8Array>();
    const cipher = await e.encrypt(plain.readable);
    // size(0) = header + 16-byte nonce + one empty sealed chunk (16).
    return new AgeWriter(handle, position, cipher.size(0) - TAG, plain.writable.getWriter(), cipher);
  }

  /** Plaintext bytes accepted so far. */
  get plaintextBytes(): number {
    return this.fed;
  }

  /** Ciphertext bytes written so far (the file's length from the start position). */
  get ciphertextBytes(): number {
    return this.written;
  }

  async write(chunk: Uint8Array): Promise<void> {
    this.throwIfFailed();
    if (chunk.length === 0) return;
    // The stream may keep a reference; a Buffer from a socket can be a view of a reused pool slab.
    await this.input.write(new Uint8Array(chunk));
    this.fed += chunk.length;
    await this.until(() => this.written >= this.headerBytes + emittedBody(this.fed));
  }

  /** Seals the last chunk and waits until every ciphertext byte is written. */
  async finish(): Promise<void> {
    this.throwIfFailed();
    await this.input.close();
    await this.pumped;
    this.throwIfFailed();
  }

  /** Stops without the last chunk: what is on disk stays undecryptable as a whole. */
  async abort(reason: unknown): Promise<void> {
    this.failure ??= reason instanceof Error ? reason : new Error('aborted');
    await this.input.abort(reason).catch(() => undefined);
    await this.pumped.catch(() => undefined);
  }

  private async pump(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        let off = 0;
        while (off < value.length) {
          const { bytesWritten } = await this.handle.write(value, off, value.length - off, this.position);
          off += bytesWritten;
          this.position += bytesWritten;
          this.written += bytesWritten;
        }
        this.wake();
      }
    } catch (e) {
      this.failure ??= e instanceof Error ? e : new Error(String(e));
      await reader.cancel(e).catch(() => undefined);
      throw e;
    } finally {
      this.wake();
    }
  }

  private until(cond: () => boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (this.failure) reject(this.failure);
        else if (cond()) resolve();
        else this.waiters.push(check);
      };
      check();
    });
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }
}

export class AgeDecryptError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'AgeDecryptError';
  }
}

/**
 * Decrypts the age file `src` to `dest` (written as "<dest>.part" then renamed, owner-only), streaming.
 * Wrong identity, a tampered or truncated file → AgeDecryptError, and no partial output is left.
 */
export async function decryptFile(src: string, dest: string, identity: string): Promise<number> {
  const d = new Decrypter();
  d.addIdentity(identity);
  const part = `${dest}.part`;
  let bytes = 0;
  try {
    const input = Readable.toWeb(createReadStream(src)) as unknown as ReadableStream<Uint8Array>;
    let plain: ReadableStream<Uint8Array>;
    try {
      plain = await d.decrypt(input);
    } catch (e) {
      const msg = (e as Error).message;
      throw new AgeDecryptError(/no identity matched/i.test(msg) ? 'this secret key does not match the key the file was encrypted for' : `the file is not a valid age file: ${msg}`);
    }
    const counted = Readable.from(chunks(plain)).on('data', (c: Buffer) => {
      bytes += c.length;
    });
    try {
      await pipeline(counted, createWriteStream(part, { flags: 'wx', mode: 0o600 }) as Writable);
    } catch (e) {
      if (e instanceof AgeDecryptError || (e as { code?: unknown }).code !== undefined) throw e;
      throw new AgeDecryptError(`the file is damaged or incomplete: ${(e as Error).message}`);
    }
    await rename(part, dest);
    return bytes;
  } catch (e) {
    await rm(part, { force: true });
    throw e;
  }
}

async function* chunks(s: ReadableStream<Uint8Array>): AsyncIterable<Uint8Array> {
  const reader = s.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

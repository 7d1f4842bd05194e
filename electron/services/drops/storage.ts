// Where a drop's uploads land: one folder per upload named by its receive time, every file written
// to "<name>.part", fsynced and renamed only when whole, and a marker file that stays until the
// upload finished, so a partial upload is never passed off as complete. With an age recipient every
// file and message is encrypted while it streams ("<name>.age.part" → "<name>.age"). Owns no HTTP.
import { mkdir, open, readFile, readdir, rename, stat, statfs, unlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AgeWriter } from './age-writer';
import { NameAllocator } from './sanitize';

/** Present while an upload is receiving and kept when it failed; never a name a source can take. */
export const INCOMPLETE_MARKER = 'INCOMPLETE-UPLOAD.txt';
const DISK_CHECK_EVERY = 8 * 1024 * 1024;

export interface StorageLimits {
  maxFileBytes: number;
  maxUploadBytes: number;
  maxFiles: number;
  maxMessageBytes: number;
  /** Stop before the disk is this close to full: the journalist's machine must keep working. */
  minFreeBytes: number;
}

export type StorageErrorKind = 'file_too_large' | 'upload_too_large' | 'too_many_files' | 'message_too_large' | 'disk_full' | 'io';

export class StorageError extends Error {
  constructor(
    readonly kind: StorageErrorKind,
    message: string,
  ) {
    super(message);
    this.name = 'StorageError';
  }
}

export interface StoredFile {
  name: string;
  bytes: number;
  /** false while still a .part (receiving, or left behind by a failed upload). */
  complete: boolean;
  kind: 'file' | 'message';
  /** Stored as age ciphertext (the name ends in ".age"); bytes are plaintext while receiving, on-disk after. */
  encrypted?: boolean;
}

export interface StoredUpload {
  id: string;
  path: string;
  receivedAt: number;
  complete: boolean;
  /** Why it did not finish, from the marker file. */
  reason: string | null;
  files: StoredFile[];
}

export interface StorageOptions {
  /** Free bytes on the disk holding `dir` (tests replace it to simulate a full disk). */
  freeBytes?: (dir: string) => Promise<number>;
  /** An age recipient (age1…, already validated): uploads are stored encrypted to it. */
  recipient?: string | null;
}

async function diskFree(dir: string): Promise<number> {
  const s = await statfs(dir);
  return s.bavail * s.bsize;
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** "2026-11-26_00-17-39" in local time: what the journalist reads in a file manager. */
export function folderNameFor(d: Date): string {
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}_${pad(d.getHours())}-${pad(d.getMinutes())}-${pad(d.getSeconds())}`;
}

export function parseFolderName(id: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})_(\d{2})-(\d{2})-(\d{2})(?:-\d+)?$/.exec(id);
  if (!m) return null;
  const [, y, mo, d, h, mi, s] = m.map(Number) as [number, number, number, number, number, number, number];
  return new Date(y, mo - 1, d, h, mi, s).getTime();
}

async function fsyncDir(dir: string): Promise<void> {
  // Makes the rename durable on Linux; Windows cannot open directories, and loses nothing by skipping.
  let h: FileHandle | undefined;
  try {
    h = await open(dir, 'r');
    await h.sync();
  } catch {
    // not supported here
  } finally {
    await h?.close().catch(() => undefined);
  }
}

function isNoSpace(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === 'ENOSPC' || code === 'EDQUOT';
}

export class DropStorage {
  private readonly freeBytes: (dir: string) => Promise<number>;
  readonly recipient: string | null;

  constructor(
    readonly root: string,
    readonly limits: StorageLimits,
    opts: StorageOptions = {},
  ) {
    this.freeBytes = opts.freeBytes ?? diskFree;
    this.recipient = opts.recipient ?? null;
  }

  async ensureRoot(): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: 0o700 });
  }

  /** Throws disk_full unless `needed` bytes fit above the reserve. */
  async checkFree(needed: number): Promise<void> {
    await this.ensureRoot();
    const free = await this.freeBytes(this.root);
    if (free - needed < this.limits.minFreeBytes) {
      throw new StorageError('disk_full', `not enough free disk space for this upload (${Math.max(0, free - this.limits.minFreeBytes)} bytes available)`);
    }
  }

  /** A new folder for one upload; an existing folder (an earlier upload) is never reused. */
  async beginUpload(receivedAt: Date): Promise<UploadFolder> {
    await this.ensureRoot();
    const base = folderNameFor(receivedAt);
    for (let n = 1; n < 10_000; n++) {
      const id = n === 1 ? base : `${base}-${n}`;
      const path = join(this.root, id);
      try {
        await mkdir(path, { mode: 0o700 });
      } catch (e) {
        if ((e as { code?: unknown }).code === 'EEXIST') continue;
        throw new StorageError(isNoSpace(e) ? 'disk_full' : 'io', `could not create the upload folder: ${(e as Error).message}`);
      }
      const folder = new UploadFolder(id, path, receivedAt.getTime(), this.limits, this.freeBytes, this.recipient);
      await folder.writeMarker('This upload is still being received.');
      return folder;
    }
    throw new StorageError('io', 'too many uploads in the same second');
  }

  /** Every upload on disk, newest first; the state comes from the disk, so it survives restarts. */
  async listUploads(): Promise<StoredUpload[]> {
    let entries;
    try {
      entries = await readdir(this.root, { withFileTypes: true });
    } catch {
      return [];
    }
    const out: StoredUpload[] = [];
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const up = await readUpload(join(this.root, e.name), e.name);
      if (up) out.push(up);
    }
    return out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0));
  }
}

export async function readUpload(path: string, id: string): Promise<StoredUpload | null> {
  let names: string[];
  try {
    names = await readdir(path);
  } catch {
    return null;
  }
  let reason: string | null = null;
  let marker = false;
  const files: StoredFile[] = [];
  for (const name of names) {
    const full = join(path, name);
    if (name === INCOMPLETE_MARKER) {
      marker = true;
      try {
        reason = (await readFile(full, 'utf8')).split('\n')[0] ?? null;
      } catch {
        reason = null;
      }
      continue;
    }
    const s = await stat(full).catch(() => null);
    if (!s?.isFile()) continue;
    const partial = name.endsWith('.part');
    const shown = partial ? name.slice(0, -5) : name;
    // A source may name a file "x.age": only the header says whether the drop encrypted it.
    const encrypted = shown.endsWith('.age') && (await hasAgeHeader(full));
    files.push({ name: shown, bytes: s.size, complete: !partial, kind: /^message(-\d+)?\.txt(\.age)?$/.test(shown) ? 'message' : 'file', ...(encrypted ? { encrypted } : {}) });
  }
  files.sort((a, b) => a.name.localeCompare(b.name));
  return {
    id,
    path,
    receivedAt: parseFolderName(id) ?? (await stat(path).catch(() => null))?.mtimeMs ?? 0,
    complete: !marker && files.every((f) => f.complete),
    reason: marker ? reason : null,
    files,
  };
}

const AGE_MAGIC = Buffer.from('age-encryption.org/v1\n');

async function hasAgeHeader(path: string): Promise<boolean> {
  let h: FileHandle | undefined;
  try {
    h = await open(path, 'r');
    const buf = Buffer.alloc(AGE_MAGIC.length);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    return bytesRead === buf.length && buf.equals(AGE_MAGIC);
  } catch {
    return false;
  } finally {
    await h?.close().catch(() => undefined);
  }
}

export interface FileProgress {
  name: string;
  bytes: number;
}

/** One upload's folder. Limits are counted here so a lying Content-Length changes nothing. */
export class UploadFolder {
  private readonly names = new NameAllocator([INCOMPLETE_MARKER]);
  private totalBytes = 0;
  private fileCount = 0;
  private messageCount = 0;
  private sinceDiskCheck = 0;
  readonly files: StoredFile[] = [];

  constructor(
    readonly id: string,
    readonly path: string,
    readonly receivedAt: number,
    private readonly limits: StorageLimits,
    private readonly freeBytes: (dir: string) => Promise<number>,
    private readonly recipient: string | null = null,
  ) {}

  get bytes(): number {
    return this.totalBytes;
  }

  async writeMarker(text: string): Promise<void> {
    await writeFile(join(this.path, INCOMPLETE_MARKER), `${text}\nFiles whose names end in .part were not received whole.\n`, { mode: 0o600 });
  }

  /**
   * A new file of this upload: its stored name, its entry in the listing and its `.part` opened
   * owner-only (behind an age encryptor when the drop encrypts). Both write paths start here.
   */
  private async openPart(rawName: string): Promise<OpenPart> {
    this.fileCount++;
    const name = this.storedName(this.names.allocate(rawName));
    const entry: StoredFile = { name, bytes: 0, complete: false, kind: 'file', ...this.encryptedFlag() };
    this.files.push(entry);
    const part = join(this.path, `${name}.part`);
    let handle: FileHandle | null = null;
    try {
      handle = await open(part, 'wx', 0o600);
      const age = this.recipient ? await AgeWriter.open(handle, this.recipient) : null;
      return { name, entry, part, handle, age };
    } catch (e) {
      await handle?.close().catch(() => undefined);
      throw new StorageError(isNoSpace(e) ? 'disk_full' : 'io', `could not create a file: ${(e as Error).message}`);
    }
  }

  /**
   * Streams one file to "<name>.part", then fsync + rename. On any failure the .part stays (it is
   * what arrived) and the error says why; the caller marks the upload incomplete.
   */
  async writeFile(rawName: string, source: Readable, onProgress?: (p: FileProgress) => void): Promise<StoredFile> {
    if (this.fileCount >= this.limits.maxFiles) {
      source.resume();
      throw new StorageError('too_many_files', `an upload may contain at most ${this.limits.maxFiles} files`);
    }
    // An error before the loop below reads (during the awaits) must not go unhandled; the loop
    // still sees it, since an errored stream's iterator throws.
    source.on('error', () => undefined);
    let opened: OpenPart;
    try {
      opened = await this.openPart(rawName);
    } catch (e) {
      source.resume();
      throw e;
    }
    const { name, entry, part, handle, age } = opened;
    // Small reads are joined into WRITE_BATCH-sized writes (see coalesce()).
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async () => {
      if (!pendingBytes) return;
      const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      if (age) await age.write(data);
      else await writeAll(handle, data);
    };
    try {
      for await (const chunk of source as AsyncIterable<Buffer>) {
        entry.bytes += chunk.length;
        this.totalBytes += chunk.length;
        this.sinceDiskCheck += chunk.length;
        if (entry.bytes > this.limits.maxFileBytes) {
          throw new StorageError('file_too_large', `a file is larger than this drop accepts (${this.limits.maxFileBytes} bytes)`);
        }
        if (this.totalBytes > this.limits.maxUploadBytes) {
          throw new StorageError('upload_too_large', `the upload is larger than this drop accepts (${this.limits.maxUploadBytes} bytes)`);
        }
        if (this.sinceDiskCheck >= DISK_CHECK_EVERY) {
          this.sinceDiskCheck = 0;
          if ((await this.freeBytes(this.path)) < this.limits.minFreeBytes + chunk.length) {
            throw new StorageError('disk_full', 'the disk is full; the upload was stopped');
          }
        }
        pending.push(chunk);
        pendingBytes += chunk.length;
        if (pendingBytes >= WRITE_BATCH) await flush();
        onProgress?.({ name, bytes: entry.bytes });
      }
      await flush();
      // busboy marks a stream it cut at limits.fileSize as truncated: that file is not whole.
      if ((source as Readable & { truncated?: boolean }).truncated) {
        throw new StorageError('file_too_large', `a file is larger than this drop accepts (${this.limits.maxFileBytes} bytes)`);
      }
      await age?.finish();
      await handle.sync();
      await handle.close();
    } catch (e) {
      // What arrived before the failure is kept, as it would have been without batching.
      await flush().catch(() => undefined);
      // Without its last chunk the ciphertext stays undecryptable as a whole: it cannot pass for complete.
      await age?.abort(e);
      await handle.close().catch(() => undefined);
      source.resume();
      if (e instanceof StorageError) throw e;
      throw new StorageError(isNoSpace(e) ? 'disk_full' : 'io', isNoSpace(e) ? 'the disk is full; the upload was stopped' : `the file could not be received: ${(e as Error).message}`);
    }
    await rename(part, join(this.path, name));
    entry.complete = true;
    return entry;
  }

  /**
   * A file that arrives in chunks over several requests (the page's resumable path): the .part is
   * created now, its declared size counted against the limits up front.
   */
  async beginResumable(rawName: string, size: number): Promise<ResumableFile> {
    if (size > this.limits.maxFileBytes) throw new StorageError('file_too_large', `a file is larger than this drop accepts (${this.limits.maxFileBytes} bytes)`);
    if (this.totalBytes + size > this.limits.maxUploadBytes) throw new StorageError('upload_too_large', `the upload is larger than this drop accepts (${this.limits.maxUploadBytes} bytes)`);
    if (this.fileCount >= this.limits.maxFiles) throw new StorageError('too_many_files', `an upload may contain at most ${this.limits.maxFiles} files`);
    const { name, entry, part, handle, age } = await this.openPart(rawName);
    return new ResumableFile(
      this,
      entry,
      part,
      join(this.path, name),
      size,
      handle,
      (n) => {
        this.totalBytes += n;
      },
      age,
    );
  }

  get encrypted(): boolean {
    return this.recipient !== null;
  }

  private storedName(name: string): string {
    // NameAllocator keeps names ≤ 180 bytes, so ".age.part" still fits in 255.
    return this.recipient ? `${name}.age` : name;
  }

  private encryptedFlag(): { encrypted?: true } {
    return this.recipient ? { encrypted: true } : {};
  }

  /** Free bytes above the reserve, for the resumable path's per-chunk check. */
  async freeAboveReserve(): Promise<number> {
    return (await this.freeBytes(this.path)) - this.limits.minFreeBytes;
  }

  /** A text message from the form, stored as UTF-8 exactly as received. */
  async writeMessage(text: string): Promise<StoredFile> {
    const data = Buffer.from(text, 'utf8');
    if (data.length > this.limits.maxMessageBytes) {
      throw new StorageError('message_too_large', `the message is longer than this drop accepts (${this.limits.maxMessageBytes} bytes)`);
    }
    this.messageCount++;
    const name = this.storedName(this.names.allocate(this.messageCount === 1 ? 'message.txt' : `message-${this.messageCount}.txt`));
    const entry: StoredFile = { name, bytes: data.length, complete: false, kind: 'message', ...this.encryptedFlag() };
    this.files.push(entry);
    const part = join(this.path, `${name}.part`);
    try {
      const h = await open(part, 'wx', 0o600);
      try {
        if (this.recipient) {
          const age = await AgeWriter.open(h, this.recipient);
          await age.write(data);
          await age.finish();
        } else {
          await writeAll(h, data);
        }
        await h.sync();
      } finally {
        await h.close();
      }
      await rename(part, join(this.path, name));
    } catch (e) {
      throw new StorageError(isNoSpace(e) ? 'disk_full' : 'io', isNoSpace(e) ? 'the disk is full; the message was not saved' : `the message could not be saved: ${(e as Error).message}`);
    }
    this.totalBytes += data.length;
    entry.complete = true;
    return entry;
  }

  /** Everything arrived whole: only now does the marker go. */
  async complete(): Promise<void> {
    await fsyncDir(this.path);
    await unlink(join(this.path, INCOMPLETE_MARKER));
    await fsyncDir(this.path);
  }

  async fail(reason: string): Promise<void> {
    await this.writeMarker(`This upload did not finish: ${reason.replace(/\s+/g, ' ').slice(0, 300)}`).catch(() => undefined);
  }
}

interface OpenPart {
  name: string;
  entry: StoredFile;
  part: string;
  handle: FileHandle;
  age: AgeWriter | null;
}

/** Writes go to disk in pieces of at least this much (or what arrived before the source ended or failed). */
const WRITE_BATCH = 256 * 1024;

/**
 * Joins small chunks before they are written. Through tor, a socket read often brings 1–4 KiB, and
 * one fs write (a thread-pool round trip) per read cost the drop ~3× onionshare-cli's CPU per MB
 * (drop.cpu_vs_onionshare). When the source fails (a cut connection), what arrived before is
 * still yielded first, so it is stored as before; then the error is rethrown.
 */
export async function* coalesce(source: AsyncIterable<Buffer>, min = WRITE_BATCH): AsyncIterable<Buffer> {
  let pending: Buffer[] = [];
  let size = 0;
  let failure: { error: unknown } | null = null;
  try {
    for await (const c of source) {
      pending.push(c);
      size += c.length;
      if (size >= min) {
        const out = pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
        pending = [];
        size = 0;
        yield out;
      }
    }
  } catch (e) {
    failure = { error: e };
  }
  if (size > 0) yield pending.length === 1 ? pending[0]! : Buffer.concat(pending, size);
  if (failure) throw failure.error;
}

async function writeAll(h: FileHandle, data: Buffer, position: number | null = null): Promise<void> {
  let off = 0;
  while (off < data.length) {
    const { bytesWritten } = await h.write(data, off, data.length - off, position === null ? null : position + off);
    off += bytesWritten;
  }
}

/**
 * One file of the resumable path. `stored` only ever counts bytes written and fsynced, so it is
 * what a resuming source may skip; one chunk is written at a time.
 */
export class ResumableFile {
  private busy = false;
  private closed = false;
  private synced = 0;
  /** An encrypting file whose write or fsync failed: age's stream cannot be rewound, so it ends here. */
  private broken = false;

  constructor(
    readonly folder: UploadFolder,
    readonly entry: StoredFile,
    private readonly partPath: string,
    private readonly finalPath: string,
    readonly size: number,
    private readonly handle: FileHandle,
    private readonly count: (n: number) => void,
    /**
     * Set when the drop encrypts. Design: the age stream's state (key, nonce counter, the < 64 KiB
     * tail not yet sealed) lives only in this object, so `stored` counts plaintext the encryptor
     * took, whose sealed part is fsynced and whose tail is in memory. The resumable sessions are
     * in memory too, so an app restart already makes the source start that file again; nothing
     * resumable is lost, and no plaintext (nor a key to reconstruct it) is ever written to disk.
     */
    private readonly age: AgeWriter | null = null,
  ) {}

  /** Bytes written and fsynced: what the source may skip when it resumes. */
  get stored(): number {
    return this.synced;
  }

  get writing(): boolean {
    return this.busy;
  }

  /**
   * Appends a chunk at the current end. What arrived before a cut-off is kept and fsynced, so the
   * source resumes after it. Throws file_too_large when the chunk runs past the declared size.
   */
  async append(source: AsyncIterable<Buffer>): Promise<number> {
    if (this.busy || this.closed) throw new StorageError('io', 'this upload is busy or closed');
    if (this.broken) throw new StorageError('io', 'this upload could not be stored and has to start again');
    this.busy = true;
    let failure: unknown = null;
    try {
      for await (const chunk of coalesce(source)) {
        if (this.entry.bytes + chunk.length > this.size) {
          throw new StorageError('file_too_large', `the chunk runs past the declared size (${this.size} bytes)`);
        }
        if (this.age) {
          try {
            await this.age.write(chunk);
          } catch (e) {
            // A chunk the encryptor may have half taken cannot be taken back. (A cut connection
            // fails in `source`, between chunks, and does not break anything.)
            this.broken = true;
            throw e;
          }
        } else {
          await writeAll(this.handle, chunk, this.entry.bytes);
        }
        this.entry.bytes += chunk.length;
        this.count(chunk.length);
      }
    } catch (e) {
      failure = e;
    }
    try {
      await this.handle.sync();
      this.synced = this.entry.bytes;
    } catch (e) {
      failure ??= e;
      if (this.age) this.broken = true;
      // Not durable: forget it, so the source sends those bytes again.
      this.count(this.synced - this.entry.bytes);
      this.entry.bytes = this.synced;
      await this.handle.truncate(this.synced).catch(() => undefined);
    } finally {
      this.busy = false;
    }
    if (failure) {
      if (failure instanceof StorageError) throw failure;
      throw new StorageError(isNoSpace(failure) ? 'disk_full' : 'io', isNoSpace(failure) ? 'the disk is full; the upload was stopped' : `the chunk could not be received: ${(failure as Error).message}`);
    }
    return this.synced;
  }

  /** The whole declared size is stored: close, rename and clear the marker. */
  async finish(): Promise<void> {
    if (this.busy || this.synced !== this.size) throw new StorageError('io', `only ${this.synced} of ${this.size} bytes were received`);
    if (this.age) {
      await this.age.finish();
      await this.handle.sync();
    }
    await this.close();
    await rename(this.partPath, this.finalPath);
    this.entry.complete = true;
    await this.folder.complete();
  }

  /** Abandoned or failed: the .part and the marker stay, saying why. */
  async abandon(reason: string): Promise<void> {
    await this.age?.abort(new Error(reason));
    await this.close();
    await this.folder.fail(reason);
  }

  private async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.handle.close().catch(() => undefined);
  }
}

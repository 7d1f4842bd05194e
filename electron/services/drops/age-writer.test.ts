// Encryption at rest: the age writer round-trips through age's own Decrypter, an aborted upload
// leaves an incomplete-marked ciphertext part with no plaintext in it, the resumable path keeps
// only ciphertext on disk across cut chunks, and bad keys get readable errors.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Decrypter, generateX25519Identity, identityToRecipient } from 'age-encryption';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, open, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { AGE_CHUNK, AgeDecryptError, AgeKeyError, AgeWriter, decryptFile, generateAgeIdentity, validateIdentity, validateRecipient } from './age-writer';
import { DropStorage, INCOMPLETE_MARKER, StorageError, type StorageLimits } from './storage';

const LIMITS: StorageLimits = { maxFileBytes: 64 * 1024 * 1024, maxUploadBytes: 64 * 1024 * 1024, maxFiles: 5, maxMessageBytes: 10_000, minFreeBytes: 0 };
const MARKER = Buffer.from('PLAINTEXT-MARKER-7f3a9c');
const when = new Date(2026, 10, 26, 2, 0, 0);

let dir: string;
let identity: string;
let recipient: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drop-age-'));
  identity = await generateX25519Identity();
  recipient = await identityToRecipient(identity);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Plaintext full of the marker, so any plaintext leak is found by a byte search. */
function markedData(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += MARKER.length) MARKER.copy(out, i);
  return out;
}

async function decrypt(data: Uint8Array, id = identity): Promise<Buffer> {
  const d = new Decrypter();
  d.addIdentity(id);
  return Buffer.from(await d.decrypt(data));
}

const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

describe('AgeWriter', () => {
  it.each([0, 1, AGE_CHUNK - 1, AGE_CHUNK, AGE_CHUNK + 1, 3 * AGE_CHUNK, 1_000_003])('round-trips %i bytes written in uneven pieces', async (n) => {
    const data = randomBytes(n);
    const path = join(dir, 'f.age');
    const h = await open(path, 'wx', 0o600);
    const w = await AgeWriter.open(h, recipient);
    for (let off = 0, step = 1; off < n; off += step, step = (step * 7 + 13) % 100_003) await w.write(data.subarray(off, off + step));
    await w.finish();
    await h.close();
    const enc = await readFile(path);
    expect(enc.subarray(0, 22).toString()).toBe('age-encryption.org/v1\n');
    expect(w.ciphertextBytes).toBe(enc.length);
    expect(sha(await decrypt(enc))).toBe(sha(data));
  });

  it('has the sealed chunks on disk when write() resolves, keeping only the tail in memory', async () => {
    const path = join(dir, 'f.age');
    const h = await open(path, 'wx', 0o600);
    const w = await AgeWriter.open(h, recipient);
    await w.write(markedData(5 * AGE_CHUNK + 100));
    const onDisk = (await readFile(path)).length;
    const header = onDisk - 5 * (AGE_CHUNK + 16);
    expect(header).toBeGreaterThan(16);
    expect(header).toBeLessThan(400);
    await w.abort(new Error('test'));
    await h.close();
  });
});

describe('encrypted DropStorage (multipart path)', () => {
  it('stores "<name>.age" that decrypts to what was sent, and messages too', async () => {
    const s = new DropStorage(dir, LIMITS, { recipient });
    const up = await s.beginUpload(when);
    const data = randomBytes(300_000);
    const f = await up.writeFile('report.pdf', Readable.from([data.subarray(0, 1000), data.subarray(1000)]));
    expect(f).toMatchObject({ name: 'report.pdf.age', bytes: 300_000, complete: true, encrypted: true });
    const m = await up.writeMessage('the meeting is at 9 — سلام');
    expect(m.name).toBe('message.txt.age');
    await up.complete();
    expect((await readdir(up.path)).sort()).toEqual(['message.txt.age', 'report.pdf.age']);
    expect(sha(await decrypt(await readFile(join(up.path, 'report.pdf.age'))))).toBe(sha(data));
    expect((await decrypt(await readFile(join(up.path, 'message.txt.age')))).toString('utf8')).toBe('the meeting is at 9 — سلام');
    const [listed] = await s.listUploads();
    expect(listed?.files.map((x) => [x.name, x.kind, x.encrypted])).toEqual([
      ['message.txt.age', 'message', true],
      ['report.pdf.age', 'file', true],
    ]);
    // A plain file a source merely named ".age" is not reported as encrypted.
    const plain = await new DropStorage(join(dir, 'p'), LIMITS).beginUpload(when);
    await plain.writeFile('fake.age', Readable.from([Buffer.from('not age')]));
    expect((await readdir(plain.path)).includes('fake.age')).toBe(true);
    const [pl] = await new DropStorage(join(dir, 'p'), LIMITS).listUploads();
    expect(pl?.files[0]?.encrypted).toBeUndefined();
  });

  it('an aborted upload leaves an incomplete-marked ciphertext .part with no plaintext in it', async () => {
    const s = new DropStorage(dir, LIMITS, { recipient });
    const up = await s.beginUpload(when);
    const sent = markedData(4 * AGE_CHUNK + 777);
    const source = new Readable({ read() {} });
    let progressed!: () => void;
    const seen = new Promise<void>((r) => (progressed = r));
    const done = up.writeFile('secret.txt', source, () => progressed());
    source.push(sent);
    await seen; // the writer took it: the sealed chunks are on disk
    source.destroy(new Error('client went away'));
    await expect(done).rejects.toBeInstanceOf(StorageError);
    await up.fail('the source went away');
    expect((await readdir(up.path)).sort()).toEqual([INCOMPLETE_MARKER, 'secret.txt.age.part']);
    const part = await readFile(join(up.path, 'secret.txt.age.part'));
    expect(part.length).toBeGreaterThan(4 * AGE_CHUNK); // the sealed chunks arrived
    expect(part.indexOf(MARKER)).toBe(-1);
    expect(part.indexOf(MARKER.subarray(0, 12))).toBe(-1);
    // Without its last chunk age refuses it: a truncated file can never pass for whole.
    await expect(decrypt(part)).rejects.toThrow();
    const [listed] = await s.listUploads();
    expect(listed).toMatchObject({ complete: false, files: [{ name: 'secret.txt.age', complete: false }] });
  });

  it('an oversize encrypted file stops with file_too_large and leaves no plaintext', async () => {
    const s = new DropStorage(dir, { ...LIMITS, maxFileBytes: 2 * AGE_CHUNK }, { recipient });
    const up = await s.beginUpload(when);
    await expect(up.writeFile('big.bin', Readable.from([markedData(AGE_CHUNK), markedData(AGE_CHUNK), markedData(AGE_CHUNK)]))).rejects.toMatchObject({ kind: 'file_too_large' });
    const part = await readFile(join(up.path, 'big.bin.age.part'));
    expect(part.indexOf(MARKER)).toBe(-1);
  });
});

describe('encrypted resumable file', () => {
  it('continues the one age stream over chunks and a cut request; only ciphertext is ever on disk', async () => {
    const s = new DropStorage(dir, LIMITS, { recipient });
    const up = await s.beginUpload(when);
    const data = markedData(1_000_000);
    const f = await up.beginResumable('video.mp4', data.length);
    // Chunk 1 whole.
    expect(await f.append(Readable.from([data.subarray(0, 300_000)]))).toBe(300_000);
    // Chunk 2 cut after 123 456 bytes: what arrived is kept, the source resumes from there.
    async function* cut(): AsyncIterable<Buffer> {
      yield data.subarray(300_000, 423_456);
      throw new Error('socket closed');
    }
    await expect(f.append(cut())).rejects.toBeInstanceOf(StorageError);
    expect(f.stored).toBe(423_456);
    const mid = await readFile(join(up.path, 'video.mp4.age.part'));
    expect(mid.indexOf(MARKER)).toBe(-1);
    expect(await f.append(Readable.from([data.subarray(423_456)]))).toBe(data.length);
    await f.finish();
    const enc = await readFile(join(up.path, 'video.mp4.age'));
    expect(enc.indexOf(MARKER)).toBe(-1);
    expect(sha(await decrypt(enc))).toBe(sha(data));
    expect(await readdir(up.path)).toEqual(['video.mp4.age']);
  });

  it('an abandoned encrypted upload stays an undecryptable .part with the marker', async () => {
    const s = new DropStorage(dir, LIMITS, { recipient });
    const up = await s.beginUpload(when);
    const f = await up.beginResumable('a.bin', 500_000);
    await f.append(Readable.from([markedData(200_000)]));
    await f.abandon('the source stopped sending');
    expect((await readdir(up.path)).sort()).toEqual([INCOMPLETE_MARKER, 'a.bin.age.part']);
    const part = await readFile(join(up.path, 'a.bin.age.part'));
    expect(part.indexOf(MARKER)).toBe(-1);
    await expect(decrypt(part)).rejects.toThrow();
  });
});

describe('keys and decryption', () => {
  it('validates recipients and identities with readable errors', async () => {
    expect(validateRecipient(`  ${recipient}\n`)).toBe(recipient);
    expect(() => validateRecipient('ssh-ed25519 AAAA')).toThrow(/starts with "age1"/);
    expect(() => validateRecipient('age1xyz')).toThrow(AgeKeyError);
    // Right shape, wrong Bech32 checksum.
    const flipped = recipient.slice(0, -1) + (recipient.endsWith('q') ? 'p' : 'q');
    expect(() => validateRecipient(flipped)).toThrow(/invalid/);
    const file = `# created: 2026-11-26T02:00:00Z\n# public key: ${recipient}\n${identity}\n`;
    await expect(validateIdentity(file)).resolves.toEqual({ identity, recipient });
    await expect(validateIdentity(recipient)).rejects.toThrow(/AGE-SECRET-KEY-1/);
    await expect(validateIdentity(identity.slice(0, -1) + (identity.endsWith('Q') ? 'P' : 'Q'))).rejects.toThrow(AgeKeyError);
    const g = await generateAgeIdentity();
    expect(validateRecipient(g.recipient)).toBe(g.recipient);
    await expect(validateIdentity(g.identity)).resolves.toEqual(g);
  });

  it('decryptFile writes the plaintext; a wrong key or a truncated file leaves nothing', async () => {
    const s = new DropStorage(dir, LIMITS, { recipient });
    const up = await s.beginUpload(when);
    const data = randomBytes(200_000);
    await up.writeFile('x.bin', Readable.from([data]));
    const src = join(up.path, 'x.bin.age');
    const out = join(dir, 'x.bin');
    expect(await decryptFile(src, out, identity)).toBe(data.length);
    expect(sha(await readFile(out))).toBe(sha(data));
    const other = await generateX25519Identity();
    await expect(decryptFile(src, join(dir, 'y.bin'), other)).rejects.toThrow(/does not match/);
    const trunc = join(dir, 'trunc.age');
    const h = await open(trunc, 'wx');
    await h.write((await readFile(src)).subarray(0, 100_000));
    await h.close();
    await expect(decryptFile(trunc, join(dir, 'z.bin'), identity)).rejects.toBeInstanceOf(AgeDecryptError);
    expect((await readdir(dir)).filter((n) => n.endsWith('.bin') || n.endsWith('.part'))).toEqual(['x.bin']);
  });
});

// DropStorage on a real temp dir: folders by receive time with collision suffixes, .part → rename,
// the incomplete marker, limits, a full disk, and earlier uploads untouched by a later failure.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { DropStorage, INCOMPLETE_MARKER, StorageError, folderNameFor, parseFolderName, type StorageLimits } from './storage';

const LIMITS: StorageLimits = { maxFileBytes: 1000, maxUploadBytes: 1500, maxFiles: 3, maxMessageBytes: 100, minFreeBytes: 0 };
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'drop-storage-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const when = new Date(2026, 10, 26, 0, 17, 39);
const src = (...chunks: (string | Buffer)[]) => Readable.from(chunks.map((c) => Buffer.from(c)));

describe('DropStorage', () => {
  it('names folders by receive time and suffixes collisions', async () => {
    const s = new DropStorage(dir, LIMITS);
    const a = await s.beginUpload(when);
    const b = await s.beginUpload(when);
    expect(a.id).toBe('2026-11-26_00-17-39');
    expect(b.id).toBe('2026-11-26_00-17-39-2');
    expect(folderNameFor(when)).toBe(a.id);
    expect(parseFolderName(b.id)).toBe(when.getTime());
  });

  it('writes .part, then renames whole files; the marker goes only on complete()', async () => {
    const s = new DropStorage(dir, LIMITS);
    const up = await s.beginUpload(when);
    expect(await readdir(up.path)).toEqual([INCOMPLETE_MARKER]);
    const f = await up.writeFile('../../a.txt', src('hello ', 'world'));
    expect(f).toMatchObject({ name: 'a.txt', bytes: 11, complete: true });
    const m = await up.writeMessage('Grüße — سلام');
    expect(m.name).toBe('message.txt');
    expect(await readFile(join(up.path, 'message.txt'), 'utf8')).toBe('Grüße — سلام');
    expect((await s.listUploads())[0]).toMatchObject({ complete: false });
    await up.complete();
    expect((await readdir(up.path)).sort()).toEqual(['a.txt', 'message.txt']);
    const [listed] = await s.listUploads();
    expect(listed).toMatchObject({ id: up.id, complete: true, reason: null });
    expect(listed?.files.map((x) => [x.name, x.kind, x.complete])).toEqual([
      ['a.txt', 'file', true],
      ['message.txt', 'message', true],
    ]);
    expect((await stat(join(up.path, 'a.txt'))).mode & 0o777).toBe(0o600);
  });

  it('stops an oversize file, keeps what arrived as .part, and leaves the upload marked incomplete', async () => {
    const s = new DropStorage(dir, LIMITS);
    const first = await s.beginUpload(when);
    await first.writeFile('keep.bin', src('x'.repeat(900)));
    await first.complete();

    const up = await s.beginUpload(when);
    await expect(up.writeFile('big.bin', src('y'.repeat(600), 'y'.repeat(600)))).rejects.toMatchObject({ kind: 'file_too_large' });
    await up.fail('a file was too large');
    const list = await s.listUploads();
    const bad = list.find((u) => u.id === up.id);
    expect(bad?.complete).toBe(false);
    expect(bad?.reason).toContain('too large');
    expect(bad?.files).toEqual([{ name: 'big.bin', bytes: 600, complete: false, kind: 'file' }]);
    // The earlier upload is untouched.
    expect(list.find((u) => u.id === first.id)).toMatchObject({ complete: true, files: [{ name: 'keep.bin', bytes: 900, complete: true, kind: 'file' }] });
  });

  it('counts the per-upload total across files, files per upload, and message size', async () => {
    const s = new DropStorage(dir, LIMITS);
    const up = await s.beginUpload(when);
    await up.writeFile('1', src('a'.repeat(1000)));
    await expect(up.writeFile('2', src('b'.repeat(600)))).rejects.toMatchObject({ kind: 'upload_too_large' });
    const up2 = await s.beginUpload(when);
    for (const n of ['a', 'b', 'c']) await up2.writeFile(n, src('z'));
    await expect(up2.writeFile('d', src('z'))).rejects.toMatchObject({ kind: 'too_many_files' });
    await expect(up2.writeMessage('m'.repeat(101))).rejects.toBeInstanceOf(StorageError);
  });

  it('refuses when the disk is (nearly) full, before and during an upload', async () => {
    let free = 10 * 1024 * 1024 * 1024;
    const s = new DropStorage(dir, { ...LIMITS, maxFileBytes: 64 << 20, maxUploadBytes: 64 << 20, minFreeBytes: 1 << 20 }, { freeBytes: async () => free });
    await s.checkFree(1000);
    const up = await s.beginUpload(when);
    const chunk = Buffer.alloc(1 << 20, 1);
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 20; i++) {
          if (i === 10) free = 1000; // the disk fills up while we write
          yield chunk;
        }
      })(),
    );
    await expect(up.writeFile('f', body)).rejects.toMatchObject({ kind: 'disk_full' });
    await expect(s.checkFree(10)).rejects.toMatchObject({ kind: 'disk_full' });
  });
});

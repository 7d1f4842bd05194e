import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { keepAside, readJsonFile, writeJsonFile } from './json-file';

const Schema = z.object({ n: z.number().int() });
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'json-file-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('json-file', () => {
  it('writes owner-only, leaves no temp file, and reads back what it wrote', async () => {
    const f = join(dir, 'a.json');
    await writeJsonFile(f, { n: 3 });
    expect((await stat(f)).mode & 0o777).toBe(0o600);
    expect(await readdir(dir)).toEqual(['a.json']);
    expect(await readJsonFile(f, Schema)).toEqual({ kind: 'ok', value: { n: 3 } });
  });

  it('tells a missing file from a corrupt one, and says what is wrong', async () => {
    const f = join(dir, 'b.json');
    expect(await readJsonFile(f, Schema)).toEqual({ kind: 'missing' });
    await writeFile(f, '{"n": 1.5}');
    const bad = await readJsonFile(f, Schema);
    expect(bad.kind === 'corrupt' && bad.problem).toMatch(/^n: /);
    await writeFile(f, '{"n": ');
    const cut = await readJsonFile(f, Schema);
    expect(cut.kind === 'corrupt' && cut.problem).toMatch(/^not JSON/);
  });

  it('lets the caller adapt an older shape before validation', async () => {
    const f = join(dir, 'c.json');
    await writeFile(f, '{}');
    expect(await readJsonFile(f, Schema, (j) => ({ n: 7, ...(j as object) }))).toEqual({ kind: 'ok', value: { n: 7 } });
  });

  it('keeps a corrupt file aside instead of deleting it', async () => {
    const f = join(dir, 'd.json');
    await writeFile(f, 'garbage');
    const aside = await keepAside(f);
    expect(aside).toMatch(/d\.json\.corrupt-\d+$/);
    expect(await readFile(aside, 'utf8')).toBe('garbage');
    expect(await readJsonFile(f, Schema)).toEqual({ kind: 'missing' });
  });

  it('replaces atomically: a second write wins whole', async () => {
    const f = join(dir, 'e.json');
    await Promise.all([writeJsonFile(f, { n: 1 }), writeJsonFile(f, { n: 2 })]);
    const r = await readJsonFile(f, Schema);
    expect(r.kind).toBe('ok');
    expect(await readdir(dir)).toEqual(['e.json']);
  });
});

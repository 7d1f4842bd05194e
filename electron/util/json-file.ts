// The one way the app keeps small state files: atomic, owner-only writes (a crash leaves the old
// file or the new one, never half of either) and reads validated with zod that tell "missing"
// from "corrupt", so a caller can keep a corrupt file aside instead of silently replacing it.
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import type { z } from 'zod';

export type JsonRead<T> = { kind: 'missing' } | { kind: 'ok'; value: T } | { kind: 'corrupt'; problem: string };

/** Writes through a unique temp file, flushed before the rename so the new name never points at a hole. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const tmp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
}

export async function writeJsonFile(path: string, value: unknown, mode = 0o600): Promise<void> {
  await writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`, mode);
}

/**
 * Reads and validates a JSON file. `prepare` may adapt older shapes before validation (filling
 * new keys from defaults, say). A file that is not JSON or fails the schema is 'corrupt', with the
 * first problems spelled out; it is left where it is for the caller to decide.
 */
export async function readJsonFile<T>(path: string, schema: z.ZodType<T>, prepare?: (json: unknown) => unknown): Promise<JsonRead<T>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    return { kind: 'corrupt', problem: `unreadable (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return { kind: 'corrupt', problem: `not JSON (${(e as Error).message})` };
  }
  const parsed = schema.safeParse(prepare ? prepare(json) : json);
  if (parsed.success) return { kind: 'ok', value: parsed.data };
  const problem = parsed.error.issues
    .slice(0, 3)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
  return { kind: 'corrupt', problem };
}

/** Moves a corrupt file out of the way, keeping it for the user: `<path>.corrupt-<ms>`. */
export async function keepAside(path: string, tag = 'corrupt'): Promise<string> {
  const aside = `${path}.${tag}-${Date.now()}`;
  await rename(path, aside);
  return aside;
}

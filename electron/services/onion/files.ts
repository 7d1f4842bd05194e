// Owner-only files for onion services: the ED25519-V3 private key of a persistent onion and the
// JSON configs beside it. Writes are atomic (temp file + rename) so a crash never leaves half a key.
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../util/json-file';

/** The key as ADD_ONION prints it and takes it back: "ED25519-V3:<base64>". */
const KEY_LINE = /^ED25519-V3:[A-Za-z0-9+/=]+$/;

/** The saved key, or null when there is none or the file holds something else. */
export async function readOnionKey(path: string): Promise<string | null> {
  try {
    const text = (await readFile(path, 'utf8')).trim();
    return KEY_LINE.test(text) ? text : null;
  } catch {
    return null;
  }
}

export async function writeOnionKey(path: string, key: string): Promise<void> {
  if (!KEY_LINE.test(key)) throw new Error('not an ED25519-V3 onion key');
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  await writeFileAtomic(path, `${key}\n`);
}

// Where the app keeps its data. Real mode: the per-user config dir (Electron passes its userData);
// lab mode: a separate tree so lab keys and settings never mix with a user's real ones.
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdir } from 'node:fs/promises';

export type AppMode = 'lab' | 'real';

export function defaultDataDir(mode: AppMode): string {
  if (process.env.UNDERPASS_DATA_DIR) return process.env.UNDERPASS_DATA_DIR;
  if (mode === 'lab') return join(tmpdir(), 'underpass-lab-data');
  const base = process.env.XDG_CONFIG_HOME ?? join(homedir(), '.config');
  return join(base, 'Underpass');
}

export interface AppPaths {
  dataDir: string;
  /** pid files of supervised children, for orphan reaping. */
  runDir: string;
  settingsFile: string;
  /** Per-network state (tor DataDirectory, i2pd datadir, nym home). */
  networkDir(id: string): string;
}

export async function preparePaths(dataDir: string): Promise<AppPaths> {
  // Owner-only: this tree will hold onion keys, cookies and messages.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  return {
    dataDir,
    runDir: join(dataDir, 'run'),
    settingsFile: join(dataDir, 'settings.json'),
    networkDir: (id) => join(dataDir, id),
  };
}

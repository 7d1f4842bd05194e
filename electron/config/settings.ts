// Settings persisted as JSON in the data dir, validated with the contract's schema. A file that
// fails validation is kept aside (never deleted) and defaults are used, so nothing is lost.
import { EventEmitter } from 'node:events';
import { SettingsSchema, type Settings, type SettingsPatch } from '../../shared/domain/app';
import type { ScopedLogger } from '../logging/logger';
import { keepAside, readJsonFile, writeJsonFile } from '../util/json-file';

export const DEFAULT_SETTINGS: Settings = {
  language: 'en',
  binaries: { tor: null, i2pd: null, nymClient: null },
  autostart: { tor: true, i2p: false, nym: false },
};

export class SettingsStore extends EventEmitter<{ changed: [Settings] }> {
  private value: Settings = structuredClone(DEFAULT_SETTINGS);
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly file: string,
    private readonly log: ScopedLogger,
  ) {
    super();
  }

  async load(): Promise<Settings> {
    // Older files may lack newer keys: fill from defaults before validating.
    const read = await readJsonFile(this.file, SettingsSchema, (json) =>
      json && typeof json === 'object' ? mergeDeep(DEFAULT_SETTINGS, json as Record<string, unknown>) : json,
    );
    if (read.kind === 'ok') this.value = read.value;
    else if (read.kind === 'corrupt') {
      const aside = await keepAside(this.file, 'invalid').catch(() => null);
      this.log.warn(`settings file was invalid${aside ? ` and was moved to ${aside}` : ''}; using defaults. ${read.problem}`);
    }
    return this.value;
  }

  get(): Settings {
    return structuredClone(this.value);
  }

  async update(patch: SettingsPatch): Promise<Settings> {
    const next = SettingsSchema.parse(mergeDeep(this.value, patch));
    this.value = next;
    this.writing = this.writing.then(() => this.persist(next));
    await this.writing;
    this.emit('changed', this.get());
    return this.get();
  }

  private async persist(value: Settings): Promise<void> {
    await writeJsonFile(this.file, value);
  }
}

function mergeDeep<T>(base: T, patch: Record<string, unknown> | object): T {
  if (!base || typeof base !== 'object' || Array.isArray(base)) return patch as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [key, value] of Object.entries(patch as Record<string, unknown>)) {
    const current = out[key];
    out[key] =
      value && typeof value === 'object' && !Array.isArray(value) && current && typeof current === 'object'
        ? mergeDeep(current, value)
        : value;
  }
  return out as T;
}

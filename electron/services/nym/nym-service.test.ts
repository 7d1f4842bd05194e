// Real mode without any nym-client: the service says exactly how to provide one (no network involved).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EventBus } from '../event-bus';
import { Logger } from '../../logging/logger';
import { ProcessRegistry } from '../../supervisor/registry';
import { NymService } from './nym-service';

const dir = mkdtempSync(join(tmpdir(), 'nym-svc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('NymService in real mode', () => {
  it('reports BINARY_NOT_FOUND with how to provide nym-client, and where it looked', async () => {
    const logger = new Logger({ sink: () => undefined });
    const registry = new ProcessRegistry(join(dir, 'run'), logger);
    const savedPath = process.env.PATH;
    process.env.PATH = join(dir, 'empty-bin');
    try {
      const svc = new NymService({ registry, logger, bus: new EventBus(), root: join(dir, 'nym'), resourcesDir: join(dir, 'res'), configuredBinary: () => '/nowhere/nym-client' });
      await expect(svc.start()).rejects.toThrow(/No nym-client program was found/);
      const status = svc.status();
      expect(status.state).toBe('failed');
      expect(status.clientState).toBe('failed');
      expect(status.lab).toBe(false);
      expect(status.lastError?.code).toBe('BINARY_NOT_FOUND');
      expect(status.lastError?.message).toMatch(/Settings → Binaries → nym-client/);
      expect(status.lastError?.message).toMatch(/configured: \/nowhere\/nym-client \(missing\)/);
      await expect(svc.handlers().send({ address: 'x', text: 'y', anonymous: false })).rejects.toMatchObject({ code: 'NYM_INVALID_ADDRESS' });
    } finally {
      process.env.PATH = savedPath;
    }
  });
});

import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { netDbPath, routerIdentHash, RouterInfoError, seedNetDb } from './netdb-seed';

function fakeRouterInfo(certLength: number, tail = 50): Buffer {
  const b = Buffer.alloc(387 + certLength + tail, 7);
  b.writeUInt16BE(certLength, 385);
  return b;
}

describe('routerIdentHash', () => {
  it('hashes the identity (387 + cert length bytes) into I2P base64', () => {
    const ri = fakeRouterInfo(4);
    const expected = createHash('sha256').update(ri.subarray(0, 391)).digest('base64').replace(/\+/g, '-').replace(/\//g, '~');
    expect(routerIdentHash(ri)).toBe(expected);
    // The tail (addresses, signature) does not change the identity.
    const other = Buffer.concat([ri.subarray(0, 391), Buffer.alloc(10, 1)]);
    expect(routerIdentHash(other)).toBe(expected);
  });
  it('rejects short or inconsistent files', () => {
    expect(() => routerIdentHash(Buffer.alloc(100))).toThrow(RouterInfoError);
    expect(() => routerIdentHash(fakeRouterInfo(4, 0).subarray(0, 389))).toThrow(RouterInfoError);
  });
  it('places the file under r<first char>', () => {
    expect(netDbPath('/x/netDb', 'Abc=')).toBe('/x/netDb/rA/routerInfo-Abc=.dat');
  });
  it('seedNetDb copies each file under its hash name', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'seed-'));
    try {
      const ri = fakeRouterInfo(4);
      await writeFile(join(dir, 'router.info'), ri);
      const [hash] = await seedNetDb(join(dir, 'netDb'), [join(dir, 'router.info')]);
      expect(await readFile(netDbPath(join(dir, 'netDb'), hash ?? ''))).toEqual(ri);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

// Seeding a router's netDb by copying peers' router.info files (the lab has no reseed server, and
// i2pd's reseed.floodfill crashes older versions). Pure hash rule + one copy function.
import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { encodeI2pBase64 } from './sam/encoding';

export class RouterInfoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RouterInfoError';
  }
}

/**
 * The identity hash of a RouterInfo: sha256 of its RouterIdentity, which is the first 387 bytes
 * plus the certificate length stored big-endian at offset 385 (same rule as destinations).
 */
export function routerIdentHash(routerInfo: Uint8Array): string {
  if (routerInfo.length < 387) throw new RouterInfoError(`a RouterInfo is at least 387 bytes, got ${routerInfo.length}`);
  const certLength = ((routerInfo[385] ?? 0) << 8) | (routerInfo[386] ?? 0);
  const identLength = 387 + certLength;
  if (identLength > routerInfo.length) throw new RouterInfoError('the RouterInfo certificate runs past the end of the file');
  return encodeI2pBase64(createHash('sha256').update(routerInfo.subarray(0, identLength)).digest());
}

/** Where i2pd looks for it: netDb/r<first char>/routerInfo-<hash>.dat. */
export function netDbPath(netDbDir: string, identHash: string): string {
  return join(netDbDir, `r${identHash[0] ?? ''}`, `routerInfo-${identHash}.dat`);
}

/** Copies each router.info into netDbDir under its hash name; returns the hashes. */
export async function seedNetDb(netDbDir: string, routerInfoFiles: readonly string[]): Promise<string[]> {
  const hashes: string[] = [];
  for (const file of routerInfoFiles) {
    const bytes = await readFile(file);
    const hash = routerIdentHash(bytes);
    const target = netDbPath(netDbDir, hash);
    await mkdir(join(target, '..'), { recursive: true });
    await writeFile(target, bytes);
    hashes.push(hash);
  }
  return hashes;
}

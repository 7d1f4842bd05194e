import { afterEach, describe, expect, it } from 'vitest';

import { FakeSam } from './__fixtures__/fake-sam';
import * as sam from './index';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('public API (index.ts)', () => {
  it('exports the layers and the typed errors', () => {
    for (const name of [
      'SamConnection',
      'SamSession',
      'SamDatagramSession',
      'generateDestination',
      'lookupName',
      'streamConnect',
      'streamAccept',
      'streamForward',
      'LineFramer',
      'parseLine',
      'encodeLine',
      'parseReply',
      'destinationToB32',
      'SamResultError',
      'SamTimeout',
      'SamSocketClosed',
      'SamProtocolError',
    ]) {
      expect(sam, name).toHaveProperty(name);
    }
  });

  it('runs a whole exchange through the public names only', async () => {
    const bridge = await FakeSam.start();
    cleanups.push(() => bridge.stop());
    const server = await sam.SamSession.create({ ...bridge.sam, style: 'STREAM' });
    const client = await sam.SamSession.create({ ...bridge.sam, style: 'STREAM' });
    cleanups.push(() => server.close(), () => client.close());

    const pending = await server.accept();
    const [socket, incoming] = await Promise.all([client.connect(server.b32Address), pending.incoming]);
    cleanups.push(() => void socket.destroy(), () => void incoming.socket.destroy());
    incoming.socket.on('data', (chunk: Buffer) => incoming.socket.end(Buffer.concat([Buffer.from('echo:'), chunk])));
    const reply = new Promise<string>((resolve) => {
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('end', () => resolve(text));
    });
    socket.write('hi');
    await expect(reply).resolves.toBe('echo:hi');
    expect(incoming.peer.destination).toBe(client.publicDestination);
    expect(sam.destinationToB32(client.publicDestination)).toBe(client.b32Address);
  });
});

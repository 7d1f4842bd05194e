import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { FakeSam, I2PD_2_56, makeKeys, type FakeSamOptions } from './__fixtures__/fake-sam';
import { SamInvalidArgument, SamProtocolError, SamResultError, SamSocketClosed, SamTimeout, SamUnsupported } from './errors';
import { SamSession } from './session';
import { streamConnect } from './stream';

// Generous: a loaded CI machine can take seconds for what takes milliseconds here.
const WAIT = { timeout: 15_000 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(options: FakeSamOptions = {}): Promise<FakeSam> {
  const sam = await FakeSam.start(options);
  cleanups.push(() => sam.stop());
  return sam;
}

async function session(sam: FakeSam, id: string): Promise<SamSession> {
  const created = await SamSession.create({ ...sam.sam, style: 'STREAM', id });
  cleanups.push(() => created.close());
  return created;
}

function track(socket: net.Socket): net.Socket {
  socket.on('error', () => undefined);
  cleanups.push(() => void socket.destroy());
  return socket;
}

/** Collect everything a socket sends until it ends. */
function readAll(socket: net.Socket): Promise<Buffer> {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  return once(socket, 'end').then(() => Buffer.concat(chunks));
}

async function resultError(promise: Promise<unknown>): Promise<SamResultError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SamResultError);
  return error as SamResultError;
}

describe('STREAM CONNECT + STREAM ACCEPT', () => {
  it.each([
    ['i2pd 2.58', undefined],
    ['i2pd 2.56', I2PD_2_56],
  ])('echoes raw bytes both ways (%s)', async (_name, profile) => {
    const sam = await fake(profile ? { profile } : {});
    const a = await session(sam, 'A');
    const b = await session(sam, 'B');

    const pending = await b.accept();
    const connecting = a.connect(b.publicDestination);
    const [client, accepted] = await Promise.all([connecting, pending.incoming]);
    track(client);
    track(accepted.socket);
    expect(accepted.peer).toEqual({ destination: a.publicDestination, fromPort: undefined, toPort: undefined });

    // Acceptor echoes; every byte value survives, including \n and NUL.
    accepted.socket.pipe(accepted.socket);
    const payload = Buffer.from(Array.from({ length: 256 * 40 }, (_, i) => i % 256));
    const echoed = new Promise<Buffer>((resolve) => {
      const chunks: Buffer[] = [];
      let size = 0;
      client.on('data', (chunk: Buffer) => {
        chunks.push(chunk);
        size += chunk.length;
        if (size >= payload.length) resolve(Buffer.concat(chunks));
      });
    });
    client.write(payload);
    expect((await echoed).equals(payload)).toBe(true);

    // Each stream socket said HELLO first; the lines on the wire are exactly these.
    expect(sam.received.filter((line) => line.startsWith('STREAM'))).toEqual([
      'STREAM ACCEPT ID=B SILENT=false',
      `STREAM CONNECT ID=A DESTINATION=${b.publicDestination} SILENT=false`,
    ]);
    expect(sam.received.filter((line) => line.startsWith('HELLO'))).toHaveLength(4);
  });

  it('connects by .b32.i2p address and gets data the peer wrote before we listened', async () => {
    const sam = await fake();
    const a = await session(sam, 'A');
    const b = await session(sam, 'B');
    const pending = await b.accept();
    const connecting = a.connect(b.b32Address);
    const accepted = await pending.incoming;
    track(accepted.socket);
    accepted.socket.end('greeting from B');
    const client = track(await connecting);
    await expect(readAll(client)).resolves.toEqual(Buffer.from('greeting from B'));
  });

  it('queues the peer line even when it arrives in the same chunk as STREAM STATUS', async () => {
    const sam = await fake({
      intercept: (line) => (line.startsWith('STREAM ACCEPT') ? { reply: `STREAM STATUS RESULT=OK\n${peer}\nraw after peer line` } : undefined),
    });
    const peer = makeKeys().pub;
    const b = await session(sam, 'B');
    const pending = await b.accept();
    const accepted = await pending.incoming;
    track(accepted.socket);
    expect(accepted.peer.destination).toBe(peer);
    const first = await once(accepted.socket, 'data');
    expect(String(first[0])).toBe('raw after peer line');
  });

  it('cancel() ends a pending accept and its socket on the bridge', async () => {
    const sam = await fake();
    const b = await session(sam, 'B');
    const pending = await b.accept();
    await vi.waitFor(() => expect(sam.sessions.get('B')?.acceptors).toHaveLength(1), WAIT);
    pending.cancel();
    await expect(pending.incoming).rejects.toBeInstanceOf(SamSocketClosed);
    await vi.waitFor(() => expect(sam.sessions.get('B')?.acceptors).toHaveLength(0), WAIT);
  });

  it('a cancelled accept nobody awaited does not leave an unhandled rejection', async () => {
    const sam = await fake();
    const b = await session(sam, 'B');
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    cleanups.push(() => void process.off('unhandledRejection', unhandled));
    (await b.accept()).cancel();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(unhandled).not.toHaveBeenCalled();
  });

  it('waitTimeoutMs bounds the wait for a peer', async () => {
    const sam = await fake();
    const b = await session(sam, 'B');
    const pending = await b.accept({ waitTimeoutMs: 50 });
    await expect(pending.incoming).rejects.toBeInstanceOf(SamTimeout);
  });

  it('rejects a malformed peer line', async () => {
    const sam = await fake({ intercept: (line) => (line.startsWith('STREAM ACCEPT') ? { reply: 'STREAM STATUS RESULT=OK\nnot a destination\n' } : undefined) });
    const b = await session(sam, 'B');
    const pending = await b.accept();
    await expect(pending.incoming).rejects.toBeInstanceOf(SamProtocolError);
  });

  it('ACCEPT on an unknown session id is INVALID_ID', async () => {
    const sam = await fake();
    const b = await session(sam, 'B');
    const { streamAccept } = await import('./stream');
    const error = await resultError(streamAccept({ sessionId: 'NOPE', sam: sam.sam }));
    expect(error).toMatchObject({ reply: 'STREAM STATUS', code: 'INVALID_ID' });
    expect(b.isOpen).toBe(true);
  });
});

describe('STREAM CONNECT errors', () => {
  it('CANT_REACH_PEER MESSAGE="LeaseSet not found" for a never-published destination', async () => {
    const sam = await fake();
    const a = await session(sam, 'A');
    const error = await resultError(a.connect(makeKeys().pub));
    expect(error).toMatchObject({ reply: 'STREAM STATUS', code: 'CANT_REACH_PEER', samMessage: 'LeaseSet not found' });
    // The session survives a failed stream: only the stream socket was closed.
    expect(a.isOpen).toBe(true);
  });

  it('INVALID_KEY for DESTINATION=AAAA', async () => {
    const sam = await fake();
    const a = await session(sam, 'A');
    expect((await resultError(a.connect('AAAA'))).code).toBe('INVALID_KEY');
  });

  it('INVALID_ID for an unknown session id', async () => {
    const sam = await fake();
    const b = await session(sam, 'B');
    const error = await resultError(streamConnect({ sessionId: 'NOPE', sam: sam.sam }, b.publicDestination));
    expect(error.code).toBe('INVALID_ID');
  });

  it.each([
    ['STREAM STATUS RESULT=I2P_ERROR MESSAGE="Incompatible crypto"\n', 'I2P_ERROR', 'Incompatible crypto'],
    ['STREAM STATUS RESULT=TIMEOUT\n', 'TIMEOUT', undefined],
    ['STREAM STATUS RESULT=CANT_REACH_PEER\n', 'CANT_REACH_PEER', undefined],
  ])('maps %j', async (reply, code, message) => {
    const sam = await fake({ intercept: (line) => (line.startsWith('STREAM CONNECT') ? { reply, close: true } : undefined) });
    const a = await session(sam, 'A');
    const error = await resultError(a.connect(makeKeys().pub));
    expect(error.code).toBe(code);
    expect(error.samMessage).toBe(message);
  });

  it('OK then EOF without data when the peer has nobody accepting (i2pd replies before the peer accepts)', async () => {
    const sam = await fake({ okThenEofMs: 30 });
    const a = await session(sam, 'A');
    const b = await session(sam, 'B');
    const client = track(await a.connect(b.publicDestination));
    await expect(readAll(client)).resolves.toHaveLength(0);
  });

  it('times out a CONNECT the bridge never answers', async () => {
    const sam = await fake({ intercept: (line) => (line.startsWith('STREAM CONNECT') ? 'silence' : undefined) });
    const a = await session(sam, 'A');
    await expect(a.connect(makeKeys().pub, { timeoutMs: 60 })).rejects.toBeInstanceOf(SamTimeout);
  });

  it('refuses FROM_PORT/TO_PORT on SAM 3.1 and sends them on 3.3', async () => {
    const old = await fake({ profile: I2PD_2_56 });
    const a = await session(old, 'A');
    await expect(a.connect(makeKeys().pub, { toPort: 80 })).rejects.toBeInstanceOf(SamUnsupported);
    const current = await fake();
    const c = await session(current, 'C');
    await expect(c.connect(makeKeys().pub, { fromPort: 1, toPort: 80 })).rejects.toBeInstanceOf(SamResultError);
    expect(current.received.at(-1)).toMatch(/^STREAM CONNECT ID=C DESTINATION=\S+ SILENT=false FROM_PORT=1 TO_PORT=80$/);
    await expect(c.connect('x', { toPort: 70000 })).rejects.toBeInstanceOf(SamInvalidArgument);
  });

  it('refuses stream operations on a DATAGRAM session', async () => {
    const sam = await fake();
    const d = await SamSession.create({ ...sam.sam, style: 'DATAGRAM' });
    cleanups.push(() => d.close());
    expect(() => d.connect(makeKeys().pub)).toThrow(SamInvalidArgument);
  });
});

describe('STREAM FORWARD', () => {
  async function listener(): Promise<{ port: number; connections: Array<Promise<{ socket: net.Socket; data: Buffer }>> }> {
    const connections: Array<Promise<{ socket: net.Socket; data: Buffer }>> = [];
    const server = net.createServer((socket) => {
      track(socket);
      connections.push(
        new Promise((resolve) => {
          socket.once('data', (data: Buffer) => resolve({ socket, data }));
        }),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return { port: (server.address() as net.AddressInfo).port, connections };
  }

  it('forwards incoming streams to a local listener with the peer line first', async () => {
    const sam = await fake();
    const a = await session(sam, 'A');
    const b = await session(sam, 'B');
    const local = await listener();
    const forward = await b.forward({ port: local.port });
    cleanups.push(() => forward.close());
    expect(sam.received.at(-1)).toBe(`STREAM FORWARD ID=B PORT=${local.port} HOST=127.0.0.1 SILENT=false`);

    const client = track(await a.connect(b.publicDestination));
    client.write('hello forward');
    await vi.waitFor(() => expect(local.connections).toHaveLength(1), WAIT);
    const first = await local.connections[0]!;
    // The peer line and the data may arrive together or apart.
    let text = first.data.toString();
    if (!text.includes('hello forward')) text += String((await once(first.socket, 'data'))[0]);
    expect(text).toBe(`${a.publicDestination}\nhello forward`);
  });

  it('SILENT=true forwards data without the peer line', async () => {
    const sam = await fake();
    const a = await session(sam, 'A');
    const b = await session(sam, 'B');
    const local = await listener();
    const forward = await b.forward({ port: local.port, silent: true });
    cleanups.push(() => forward.close());
    expect(forward.silent).toBe(true);
    const client = track(await a.connect(b.publicDestination));
    client.write('just data');
    await vi.waitFor(() => expect(local.connections).toHaveLength(1), WAIT);
    expect((await local.connections[0]!).data.toString()).toBe('just data');
  });

  it('is refused with SESSION STATUS I2P_ERROR "Already accepting" while an ACCEPT is pending', async () => {
    const sam = await fake();
    const b = await session(sam, 'B');
    const pending = await b.accept();
    cleanups.push(() => pending.cancel());
    const error = await resultError(b.forward({ port: 9 }));
    expect(error).toMatchObject({ reply: 'SESSION STATUS', code: 'I2P_ERROR', samMessage: 'Already accepting' });
  });

  it('stops when closed, and reports the bridge closing it', async () => {
    const sam = await fake();
    const b = await session(sam, 'B');
    const forward = await b.forward({ port: 9 });
    await vi.waitFor(() => expect(sam.sessions.get('B')?.forward).toBeDefined(), WAIT);
    forward.close();
    await expect(forward.closed).resolves.toBeUndefined();
    await vi.waitFor(() => expect(sam.sessions.get('B')?.forward).toBeUndefined(), WAIT);

    const again = await b.forward({ port: 9 });
    b.close();
    await expect(again.closed).resolves.toBeInstanceOf(SamSocketClosed);
  });

  it('validates HOST and PORT locally', async () => {
    const sam = await fake();
    const b = await session(sam, 'B');
    await expect(b.forward({ port: 9, host: 'localhost' })).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(b.forward({ port: 0 })).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(b.forward({ port: 65536 })).rejects.toBeInstanceOf(SamInvalidArgument);
  });
});

import dgram from 'node:dgram';
import { once } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { FakeSam, makeKeys } from './__fixtures__/fake-sam';
import { MAX_REPLIABLE_PAYLOAD_BYTES, SamDatagramSession, type ReceivedDatagram } from './datagram';
import { SamInvalidArgument, SamProtocolError, SamSocketClosed } from './errors';

// Generous: a loaded CI machine can take seconds for what takes milliseconds here.
const WAIT = { timeout: 15_000 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(): Promise<FakeSam> {
  const sam = await FakeSam.start();
  cleanups.push(() => sam.stop());
  return sam;
}

async function open(sam: FakeSam, id: string, style: 'DATAGRAM' | 'RAW' = 'DATAGRAM'): Promise<SamDatagramSession> {
  const session = await SamDatagramSession.open({ ...sam.sam, udpPort: sam.udpPort, id, style });
  cleanups.push(() => session.close());
  return session;
}

function nextMessage(session: SamDatagramSession): Promise<ReceivedDatagram> {
  return once(session, 'message').then(([datagram]) => datagram as ReceivedDatagram);
}

describe('SamDatagramSession', () => {
  it('creates the session with PORT/HOST pointing at its own 127.0.0.1 UDP socket', async () => {
    const sam = await fake();
    await open(sam, 'A');
    const line = sam.received.find((l) => l.startsWith('SESSION CREATE'));
    expect(line).toMatch(/^SESSION CREATE STYLE=DATAGRAM ID=A DESTINATION=TRANSIENT SIGNATURE_TYPE=7 PORT=\d+ HOST=127\.0\.0\.1$/);
    expect(sam.sessions.get('A')?.udpForward?.host).toBe('127.0.0.1');
  });

  it('sends `3.0 <nick> <dest>\\n<payload>` to the UDP port and the peer receives it with the sender', async () => {
    const sam = await fake();
    const a = await open(sam, 'A');
    const b = await open(sam, 'B');
    const payload = Buffer.from([0, 1, 2, 10, 13, 255, 10]);
    const received = nextMessage(b);
    await a.send(b.session.publicDestination, payload);
    await expect(received).resolves.toEqual({ payload, source: a.session.publicDestination, fromPort: undefined, toPort: undefined });
    expect(sam.udpReceived[0]).toEqual(Buffer.concat([Buffer.from(`3.0 A ${b.session.publicDestination}\n`), payload]));
  });

  it('RAW datagrams arrive as the bare payload, without a sender', async () => {
    const sam = await fake();
    const a = await open(sam, 'RA', 'RAW');
    const b = await open(sam, 'RB', 'RAW');
    const received = nextMessage(b);
    await a.send(b.session.publicDestination, Buffer.from('anonymous\nbytes'));
    await expect(received).resolves.toEqual({ payload: Buffer.from('anonymous\nbytes'), source: undefined, fromPort: undefined, toPort: undefined });
  });

  it('carries a payload at the spec limit for repliable datagrams', async () => {
    const sam = await fake();
    const a = await open(sam, 'A');
    const b = await open(sam, 'B');
    const payload = Buffer.alloc(MAX_REPLIABLE_PAYLOAD_BYTES, 7);
    const received = nextMessage(b);
    await a.send(b.session.publicDestination, payload);
    expect((await received).payload.equals(payload)).toBe(true);
  });

  it('refuses what the bridge would truncate or cannot route', async () => {
    const sam = await fake();
    const a = await open(sam, 'A');
    const raw = await open(sam, 'R', 'RAW');
    const dest = makeKeys().pub;
    await expect(a.send(dest, Buffer.alloc(MAX_REPLIABLE_PAYLOAD_BYTES + 1))).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(raw.send(dest, Buffer.alloc(32_768 - 10))).rejects.toThrow(/truncate/);
    await expect(a.send(dest, Buffer.alloc(0))).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(a.send(`${'a'.repeat(52)}.b32.i2p`, Buffer.from('x'))).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(a.send('AAAA', Buffer.from('x'))).rejects.toBeInstanceOf(SamInvalidArgument);
    expect(sam.udpReceived).toHaveLength(0);
  });

  it('drops packets that do not come from the bridge UDP port, and malformed ones', async () => {
    const sam = await fake();
    const b = await open(sam, 'B');
    const dropped: Array<{ error: unknown }> = [];
    b.on('dropped', (error) => dropped.push({ error }));
    const messages = vi.fn();
    b.on('message', messages);
    const port = sam.sessions.get('B')?.udpForward?.port ?? 0;

    const spoofer = dgram.createSocket('udp4');
    cleanups.push(() => void spoofer.close());
    spoofer.send(Buffer.from(`${makeKeys().pub}\nforged`), port, '127.0.0.1');
    await vi.waitFor(() => expect(dropped).toHaveLength(1), WAIT);
    expect(dropped[0]?.error).toBeInstanceOf(SamProtocolError);
    expect(String(dropped[0]?.error)).toMatch(/not from the SAM bridge/);

    // From the bridge's own port but without a destination line.
    sam.deliverDatagram('B', 'not-a-destination', Buffer.from('x'));
    await vi.waitFor(() => expect(dropped).toHaveLength(2), WAIT);
    expect(messages).not.toHaveBeenCalled();
  });

  it('closes the UDP socket and the session together', async () => {
    const sam = await fake();
    const a = await open(sam, 'A');
    const closed = once(a, 'close');
    a.close();
    await closed;
    await vi.waitFor(() => expect(sam.sessions.has('A')).toBe(false), WAIT);
    await expect(a.send(makeKeys().pub, Buffer.from('x'))).rejects.toBeInstanceOf(SamSocketClosed);
  });

  it('closes when the bridge drops the session', async () => {
    const sam = await fake();
    const a = await open(sam, 'A');
    const closed = once(a, 'close');
    sam.sessions.get('A')?.control.socket.destroy();
    const [reason] = (await closed) as [unknown];
    expect(reason).toBeInstanceOf(SamSocketClosed);
  });

  it('releases its UDP socket when SESSION CREATE fails', async () => {
    const sam = await fake();
    await open(sam, 'DUP');
    await expect(SamDatagramSession.open({ ...sam.sam, udpPort: sam.udpPort, id: 'DUP' })).rejects.toMatchObject({ code: 'DUPLICATED_ID' });
  });

  it('validates its own options', async () => {
    await expect(SamDatagramSession.open({ listenHost: 'localhost' })).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(SamDatagramSession.open({ udpPort: 0 })).rejects.toBeInstanceOf(SamInvalidArgument);
  });
});

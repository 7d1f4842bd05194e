import { afterEach, describe, expect, it, vi } from 'vitest';

import { FakeSam, I2PD_2_56, makeKeys, type FakeSamOptions } from './__fixtures__/fake-sam';
import { destinationToB32, isValidDestination, parseDestination, publicDestinationFromPrivateKey } from './encoding';
import { SamInvalidArgument, SamProtocolError, SamResultError, SamSocketClosed, SamTimeout } from './errors';
import { SamSession, generateDestination, lookupName } from './session';

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

async function session(sam: FakeSam, options: Partial<Parameters<typeof SamSession.create>[0]> = {}): Promise<SamSession> {
  const created = await SamSession.create({ ...sam.sam, style: 'STREAM', ...options });
  cleanups.push(() => created.close());
  return created;
}

async function resultError(promise: Promise<unknown>): Promise<SamResultError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(SamResultError);
  return error as SamResultError;
}

describe('SESSION CREATE', () => {
  it('creates a TRANSIENT Ed25519 session and derives its public destination and b32', async () => {
    const sam = await fake();
    const created = await session(sam, { id: 'A', i2cp: { 'inbound.length': 1, 'outbound.length': 1, 'i2cp.leaseSetEncType': '4,0' } });
    expect(sam.received).toEqual([
      'HELLO VERSION MIN=3.1 MAX=3.3',
      'SESSION CREATE STYLE=STREAM ID=A DESTINATION=TRANSIENT SIGNATURE_TYPE=7 inbound.length=1 outbound.length=1 i2cp.leaseSetEncType=4,0',
    ]);
    const fakeSession = sam.sessions.get('A');
    expect(created.privateKey).toBe(fakeSession?.keys.priv);
    expect(created.publicDestination).toBe(fakeSession?.keys.pub);
    expect(created.publicDestination).toHaveLength(524);
    expect(created.privateKey).toHaveLength(908);
    expect(parseDestination(created.publicDestination).signatureType).toBe(7);
    expect(created.b32Address).toBe(sam.b32Of(created.publicDestination));
    expect(created.version).toBe('3.3');
    expect(created.isOpen).toBe(true);
  });

  it('works with i2pd 2.56 (SAM 3.1) and picks a random nickname by default', async () => {
    const sam = await fake({ profile: I2PD_2_56 });
    const created = await session(sam);
    expect(created.id).toMatch(/^underpass-[0-9a-f]{12}$/);
    expect(created.version).toBe('3.1');
  });

  it('reuses a persisted private key and sends no SIGNATURE_TYPE with it', async () => {
    const sam = await fake();
    const keys = makeKeys();
    const created = await session(sam, { id: 'P', destination: keys.priv });
    expect(created.publicDestination).toBe(keys.pub);
    expect(sam.received[1]).toBe(`SESSION CREATE STYLE=STREAM ID=P DESTINATION=${keys.priv}`);
  });

  it('waits for the bridge to build tunnels', async () => {
    const sam = await fake({ sessionReadyDelayMs: 80 });
    const started = Date.now();
    await session(sam);
    expect(Date.now() - started).toBeGreaterThanOrEqual(70);
  });

  it('DUPLICATED_ID when the nickname is taken', async () => {
    const sam = await fake();
    await session(sam, { id: 'A' });
    const error = await resultError(SamSession.create({ ...sam.sam, style: 'STREAM', id: 'A' }));
    expect(error).toMatchObject({ reply: 'SESSION STATUS', code: 'DUPLICATED_ID' });
  });

  it('INVALID_KEY for a garbage private key', async () => {
    const sam = await fake();
    const error = await resultError(SamSession.create({ ...sam.sam, style: 'STREAM', id: 'X', destination: 'notbase64' }));
    expect(error.code).toBe('INVALID_KEY');
  });

  it.each([
    ['SESSION STATUS RESULT=DUPLICATED_DEST\n', 'DUPLICATED_DEST', undefined],
    ['SESSION STATUS RESULT=INVALID_ID\n', 'INVALID_ID', undefined],
    ['SESSION STATUS RESULT=I2P_ERROR MESSAGE="Unknown STYLE"\n', 'I2P_ERROR', 'Unknown STYLE'],
  ])('maps %j to SamResultError', async (reply, code, message) => {
    const sam = await fake({ intercept: (line) => (line.startsWith('SESSION CREATE') ? { reply, close: true } : undefined) });
    const error = await resultError(SamSession.create({ ...sam.sam, style: 'STREAM' }));
    expect(error.code).toBe(code);
    expect(error.samMessage).toBe(message);
  });

  it('times out when the bridge never answers (lone router, 1+ hops) and closes the socket', async () => {
    const sam = await fake({ sessionReadyDelayMs: Number.POSITIVE_INFINITY });
    const error = await SamSession.create({ ...sam.sam, style: 'STREAM', id: 'T', createTimeoutMs: 80 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SamTimeout);
    expect(error).toMatchObject({ operation: 'SESSION CREATE' });
    // Closing the control socket is what removes the half-created session from the bridge.
    await vi.waitFor(() => expect(sam.sessions.has('T')).toBe(false), WAIT);
  });

  it('rejects an OK without DESTINATION or with a non-key DESTINATION', async () => {
    const noDest = await fake({ intercept: (line) => (line.startsWith('SESSION CREATE') ? { reply: 'SESSION STATUS RESULT=OK\n' } : undefined) });
    await expect(SamSession.create({ ...noDest.sam, style: 'STREAM' })).rejects.toBeInstanceOf(SamProtocolError);
    const pub = makeKeys().pub;
    const pubOnly = await fake({ intercept: (line) => (line.startsWith('SESSION CREATE') ? { reply: `SESSION STATUS RESULT=OK DESTINATION=${pub}\n` } : undefined) });
    await expect(SamSession.create({ ...pubOnly.sam, style: 'STREAM' })).rejects.toThrow(/not a private key/);
  });

  it('validates the nickname and I2CP options before connecting', async () => {
    const sam = await fake();
    const attempts: Array<Parameters<typeof SamSession.create>[0]> = [
      { ...sam.sam, style: 'STREAM', id: 'two words' },
      { ...sam.sam, style: 'STREAM', id: 'a/b' },
      { ...sam.sam, style: 'STREAM', i2cp: { STYLE: 'RAW' } },
      { ...sam.sam, style: 'STREAM', i2cp: { DESTINATION: 'x' } },
      { ...sam.sam, style: 'STREAM', i2cp: { inbound: 1 } },
      { ...sam.sam, style: 'STREAM', i2cp: { 'inbound.length': 1.5 } },
      { ...sam.sam, style: 'STREAM', datagramForward: { host: '127.0.0.1', port: 9 } },
      { ...sam.sam, style: 'DATAGRAM', datagramForward: { host: '127.0.0.1', port: 0 } },
    ];
    for (const options of attempts) await expect(SamSession.create(options)).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(SamSession.create({ ...sam.sam, style: 'STREAM', i2cp: { 'i2cp.x': 'a b' } })).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(SamSession.create({ ...sam.sam, style: 'STREAM', i2cp: { 'i2cp.x': 'a\nSESSION' } })).rejects.toBeInstanceOf(SamInvalidArgument);
    expect(sam.received.filter((line) => line.startsWith('SESSION'))).toEqual([]);
  });

  it('sends PORT and HOST for a forwarding DATAGRAM session', async () => {
    const sam = await fake();
    await session(sam, { style: 'DATAGRAM', id: 'D', datagramForward: { host: '127.0.0.1', port: 40000 } });
    expect(sam.received[1]).toBe('SESSION CREATE STYLE=DATAGRAM ID=D DESTINATION=TRANSIENT SIGNATURE_TYPE=7 PORT=40000 HOST=127.0.0.1');
    expect(sam.sessions.get('D')?.udpForward).toEqual({ host: '127.0.0.1', port: 40000 });
  });
});

describe('session lifetime = its control socket', () => {
  it('close() destroys the destination on the bridge and resolves closed', async () => {
    const sam = await fake();
    const created = await session(sam, { id: 'L' });
    expect(sam.sessions.has('L')).toBe(true);
    created.close();
    await expect(created.closed).resolves.toBeUndefined();
    expect(created.isOpen).toBe(false);
    await vi.waitFor(() => expect(sam.sessions.has('L')).toBe(false), WAIT);
    await expect(created.lookup('ME')).rejects.toBeInstanceOf(SamSocketClosed);
  });

  it('reports the bridge dropping the socket through closed', async () => {
    const sam = await fake();
    const created = await session(sam, { id: 'D' });
    sam.sessions.get('D')?.control.socket.destroy();
    const reason = await created.closed;
    expect(reason).toBeInstanceOf(SamSocketClosed);
    expect(created.isOpen).toBe(false);
  });

  it('delivers control-socket datagrams for a DATAGRAM session without forwarding', async () => {
    const sam = await fake();
    const created = await session(sam, { style: 'DATAGRAM', id: 'C' });
    const from = makeKeys().pub;
    const received = new Promise<{ source: string | undefined; payload: string }>((resolve) =>
      created.onDatagram((d) => resolve({ source: d.header.destination, payload: d.payload.toString() })),
    );
    sam.deliverDatagram('C', from, Buffer.from('over the control socket'));
    await expect(received).resolves.toEqual({ source: from, payload: 'over the control socket' });
  });
});

describe('NAMING LOOKUP', () => {
  it('NAME=ME on the session socket returns the session destination', async () => {
    const sam = await fake();
    const created = await session(sam, { id: 'N' });
    await expect(created.lookup('ME')).resolves.toBe(created.publicDestination);
    expect(sam.received.at(-1)).toBe('NAMING LOOKUP NAME=ME');
  });

  it('resolves a b32 address and reports an unknown one as INVALID_KEY (i2pd)', async () => {
    const sam = await fake();
    const a = await session(sam, { id: 'A' });
    const b = await session(sam, { id: 'B' });
    await expect(a.lookup(b.b32Address)).resolves.toBe(b.publicDestination);
    const unknown = `${'a'.repeat(52)}.b32.i2p`;
    const error = await resultError(a.lookup(unknown));
    expect(error).toMatchObject({ reply: 'NAMING REPLY', code: 'INVALID_KEY' });
    // A failed lookup does not end the session.
    expect(a.isOpen).toBe(true);
  });

  it('KEY_NOT_FOUND from other bridges is mapped too', async () => {
    const sam = await fake({ intercept: (line) => (line.startsWith('NAMING') ? { reply: 'NAMING REPLY RESULT=KEY_NOT_FOUND NAME=x.i2p\n' } : undefined) });
    const error = await resultError(lookupName('x.i2p', sam.sam));
    expect(error.code).toBe('KEY_NOT_FOUND');
  });

  it('on a bare socket, ME is the router shared destination', async () => {
    const sam = await fake();
    await expect(lookupName('ME', sam.sam)).resolves.toBe(sam.sharedKeys.pub);
    await vi.waitFor(() => expect(sam.openSockets).toBe(0), WAIT);
  });

  it('rejects a VALUE that is not a destination', async () => {
    const sam = await fake({ intercept: (line) => (line.startsWith('NAMING') ? { reply: 'NAMING REPLY RESULT=OK NAME=ME VALUE=AAAA\n' } : undefined) });
    await expect(lookupName('ME', sam.sam)).rejects.toBeInstanceOf(SamProtocolError);
  });
});

describe('DEST GENERATE', () => {
  it('returns a consistent Ed25519 key pair and closes its socket', async () => {
    const sam = await fake();
    const generated = await generateDestination(sam.sam);
    expect(sam.received[1]).toBe('DEST GENERATE SIGNATURE_TYPE=7');
    expect(generated.publicDestination).toHaveLength(524);
    expect(generated.privateKey).toHaveLength(908);
    expect(publicDestinationFromPrivateKey(generated.privateKey)).toBe(generated.publicDestination);
    expect(generated.b32Address).toBe(destinationToB32(generated.publicDestination));
    expect(isValidDestination(generated.publicDestination)).toBe(true);
    await vi.waitFor(() => expect(sam.openSockets).toBe(0), WAIT);
  });

  it('passes CRYPTO_TYPE=4 (PRIV shrinks to 455 bytes = 608 chars)', async () => {
    const sam = await fake();
    const generated = await generateDestination({ ...sam.sam, cryptoType: 4 });
    expect(sam.received[1]).toBe('DEST GENERATE SIGNATURE_TYPE=7 CRYPTO_TYPE=4');
    expect(generated.privateKey).toHaveLength(608);
    expect(parseDestination(generated.publicDestination).cryptoType).toBe(4);
  });

  it('maps DEST REPLY RESULT=I2P_ERROR and rejects a PUB that is not inside PRIV', async () => {
    const failing = await fake({ intercept: (line) => (line.startsWith('DEST') ? { reply: 'DEST REPLY RESULT=I2P_ERROR\n' } : undefined) });
    expect((await resultError(generateDestination(failing.sam))).code).toBe('I2P_ERROR');
    const a = makeKeys();
    const b = makeKeys();
    const mismatched = await fake({ intercept: (line) => (line.startsWith('DEST') ? { reply: `DEST REPLY PUB=${a.pub} PRIV=${b.priv}\n` } : undefined) });
    await expect(generateDestination(mismatched.sam)).rejects.toThrow(/does not match/);
  });
});

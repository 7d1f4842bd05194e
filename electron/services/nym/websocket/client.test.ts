// NymWebsocketClient against a scriptable loopback websocket server that answers like nym-client
// (one frame at a time, answers in the request's frame type, pushes in the last request's type).
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocketServer, type WebSocket } from 'ws';
import { formatSenderTag, parseRecipient } from './address';
import { decodeBinaryRequest, encodeBinaryResponse } from './binary-codec';
import { NymWebsocketClient, type NymReceivedMessage } from './client';
import { NymErrorKind, NymServerError, type NymProtocolError, NymSocketClosed, NymTimeout, NymValidationError, type NymError } from './errors';
import { decodeTextRequest, encodeTextResponse } from './messages';
import type { NymRequest, NymResponse } from './model';

const SELF =
  'DguTcdkWWtDyUFLvQxRdcA8qZhardhE1ZXy1YCC7Zfmq.Dxreouj5RhQqMb3ZaAxgXFdGkmfbDKwk457FdeHGKmQQ@4kjgWmFU1tcGAZYRZR57yFuVAexjLbJ5M7jvo3X5Hkcf';
const PEER =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';

type Answer = (request: NymRequest) => NymResponse | null | 'silent';

class FakeNymClient {
  readonly server: WebSocketServer;
  readonly frames: Array<{ binary: boolean; data: Buffer }> = [];
  socket: WebSocket | null = null;
  pushBinary = true;
  answer: Answer = (request) => {
    switch (request.kind) {
      case 'selfAddress':
        return { kind: 'selfAddress', address: parseRecipient(SELF) };
      case 'send':
      case 'sendAnonymous':
      case 'reply':
        return request.connectionId === null ? null : { kind: 'laneQueueLength', lane: request.connectionId, queueLength: 3n };
      case 'getLaneQueueLength':
        return { kind: 'laneQueueLength', lane: request.connectionId, queueLength: 0n };
      case 'closedConnection':
        return null;
    }
  };
  onConnect: ((socket: WebSocket) => void) | null = null;

  private constructor(server: WebSocketServer) {
    this.server = server;
    server.on('connection', (socket) => {
      if (this.socket) {
        socket.terminate();
        return;
      }
      this.socket = socket;
      this.pushBinary = true;
      socket.on('close', () => {
        if (this.socket === socket) this.socket = null;
      });
      this.onConnect?.(socket);
      socket.on('message', (data: Buffer, isBinary) => {
        this.frames.push({ binary: isBinary, data });
        this.pushBinary = isBinary;
        let response: NymResponse | null | 'silent';
        try {
          const request = isBinary ? decodeBinaryRequest(new Uint8Array(data)) : decodeTextRequest(data.toString('utf8'));
          response = this.answer(request);
        } catch (error) {
          const e = error as NymProtocolError;
          response = { kind: 'error', errorKind: e.kind, message: e.detail };
        }
        if (response && response !== 'silent') this.reply(socket, response, isBinary);
      });
    });
  }

  static async start(): Promise<FakeNymClient> {
    const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
    await once(server, 'listening');
    return new FakeNymClient(server);
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  reply(socket: WebSocket, response: NymResponse, binary: boolean): void {
    if (binary) socket.send(encodeBinaryResponse(response), { binary: true });
    else socket.send(encodeTextResponse(response));
  }

  push(message: string, senderTag: Uint8Array | null = null): void {
    if (!this.socket) throw new Error('no client');
    this.reply(this.socket, { kind: 'received', message: new TextEncoder().encode(message), senderTag }, this.pushBinary);
  }

  async stop(): Promise<void> {
    for (const client of this.server.clients) client.terminate();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}

let fake: FakeNymClient | null = null;
const clients: NymWebsocketClient[] = [];

async function setup(mode: 'text' | 'binary' = 'text', extra: Partial<Parameters<typeof NymWebsocketClient.connect>[0]> = {}) {
  fake = await FakeNymClient.start();
  const client = await NymWebsocketClient.connect({ port: fake.port, mode, requestTimeoutMs: 1_000, ...extra });
  clients.push(client);
  return { fake, client };
}

function nextReceived(client: NymWebsocketClient): Promise<NymReceivedMessage> {
  return new Promise((resolve) => {
    let done = false;
    let off: (() => void) | null = null;
    off = client.onReceived((message) => {
      if (done) return;
      done = true;
      resolve(message);
      off?.();
    });
    if (done) off();
  });
}

async function framesArrived(server: FakeNymClient, count: number): Promise<void> {
  for (let i = 0; i < 200 && server.frames.length < count; i++) await new Promise((r) => setTimeout(r, 5));
}

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  await fake?.stop();
  fake = null;
});

describe('NymWebsocketClient', () => {
  it('probes selfAddress on connect (a text request, so later pushes come as text)', async () => {
    const { fake, client } = await setup('text');
    expect(client.address).toBe(SELF);
    expect(fake.frames[0]).toMatchObject({ binary: false });
    expect(fake.frames[0]?.data.toString()).toBe('{"type":"selfAddress"}');
    const received = nextReceived(client);
    fake.push('hello', null);
    expect(await received).toEqual({ message: new TextEncoder().encode('hello'), text: 'hello', senderTag: null, frame: 'text' });
  });

  it('decodes binary pushes flushed before the first request and keeps them for a late subscriber', async () => {
    fake = await FakeNymClient.start();
    const server = fake;
    server.onConnect = () => setImmediate(() => server.push('buffered while away', new Uint8Array(16).fill(8)));
    const client = await NymWebsocketClient.connect({ port: server.port, probe: false });
    clients.push(client);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const received = await nextReceived(client);
    expect(received.frame).toBe('binary');
    expect(received.text).toBe('buffered while away');
    expect(received.senderTag).toBe('zXExeyvPEHUk9rjXTu78T');
  });

  it('send: no answer without connectionId, laneQueueLength with one (text mode)', async () => {
    const { fake, client } = await setup('text');
    await expect(client.send(PEER, 'x')).resolves.toBeNull();
    await expect(client.send(PEER, 'x', { connectionId: 42 })).resolves.toBe(3);
    await expect(client.sendAnonymous(PEER, 'hi', 20, { connectionId: 0 })).resolves.toBe(3);
    await expect(client.reply('zXExeyvPEHUk9rjXTu78T', 'back')).resolves.toBeNull();
    await framesArrived(fake, 5);
    const texts = fake.frames.slice(1).map((f) => f.data.toString());
    expect(texts[0]).toBe(`{"type":"send","message":"x","recipient":"${PEER}"}`);
    expect(texts[1]).toBe(`{"type":"send","message":"x","recipient":"${PEER}","connectionId":42}`);
    expect(texts[2]).toBe(`{"type":"sendAnonymous","recipient":"${PEER}","message":"hi","replySurbs":20,"connectionId":0}`);
    expect(texts[3]).toBe('{"type":"reply","senderTag":"zXExeyvPEHUk9rjXTu78T","message":"back"}');
  });

  it('binary mode sends binary frames and refuses connection id 0 (it means none)', async () => {
    const { fake, client } = await setup('binary');
    expect(fake.frames[0]).toMatchObject({ binary: true });
    expect([...fake.frames[0]!.data]).toEqual([0x03]);
    await expect(client.send(PEER, Uint8Array.of(0, 255), { connectionId: 9n })).resolves.toBe(3);
    expect(fake.frames[1]?.data[0]).toBe(0x00);
    await expect(client.send(PEER, 'x', { connectionId: 0 })).rejects.toThrow(NymValidationError);
  });

  it('laneQueueLength and closeLane are binary requests even in text mode', async () => {
    const { fake, client } = await setup('text');
    await expect(client.laneQueueLength(5)).resolves.toBe(0);
    await client.closeLane(5);
    await framesArrived(fake, 3);
    expect(fake.frames.slice(1).map((f) => [f.binary, f.data.toString('hex')])).toEqual([
      [true, '050000000000000005'],
      [true, '040000000000000005'],
    ]);
  });

  it('validates before sending: bad address, bad tag, bad numbers, bytes in text mode', async () => {
    const { fake, client } = await setup('text');
    await expect(client.send('not-an-address', 'x')).rejects.toThrow(NymValidationError);
    await expect(client.reply('abc', 'x')).rejects.toThrow(/Decoded AnonymousSenderTag has invalid length/);
    await expect(client.sendAnonymous(PEER, 'x', -1)).rejects.toThrow(NymValidationError);
    await expect(client.send(PEER, 'x', { connectionId: 1.5 })).rejects.toThrow(NymValidationError);
    await expect(client.send(PEER, Uint8Array.of(0xff))).rejects.toThrow(/UTF-8/);
    expect(fake.frames).toHaveLength(1); // only the probe
  });

  it('refuses requests over the 16 MiB frame limit with a clear error', async () => {
    const { fake, client } = await setup('binary');
    const big = new Uint8Array(16 * 1024 * 1024);
    await expect(client.send(PEER, big)).rejects.toThrow(/16 MiB/);
    expect(fake.frames).toHaveLength(1);
  });

  it('applies a lower local cap when configured', async () => {
    const { client } = await setup('text', { maxFrameBytes: 1_000 });
    await expect(client.send(PEER, 'x'.repeat(2_000))).rejects.toThrow(/capped at 1000/);
    await expect(client.send(PEER, 'x'.repeat(100))).resolves.toBeNull();
  });

  it('rejects a lane request with the server error kind and message', async () => {
    const { fake, client } = await setup('text');
    fake.answer = () => ({ kind: 'error', errorKind: NymErrorKind.MalformedRequest, message: 'nope' });
    const error = await client.send(PEER, 'x', { connectionId: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(NymServerError);
    expect((error as NymServerError).kind).toBe(NymErrorKind.MalformedRequest);
    expect((error as NymServerError).serverMessage).toBe('nope');
  });

  it('reports a server error after a fire-and-forget send to onError and keeps correlating', async () => {
    const { fake, client } = await setup('text');
    const errors: NymError[] = [];
    client.onError((e) => errors.push(e));
    let first = true;
    fake.answer = (request) => {
      if (request.kind === 'send' && first) {
        first = false;
        return { kind: 'error', errorKind: NymErrorKind.Other, message: 'first send failed' };
      }
      return request.kind === 'selfAddress' ? { kind: 'selfAddress', address: parseRecipient(SELF) } : null;
    };
    await client.send(PEER, 'a');
    await expect(client.selfAddress()).resolves.toBe(SELF);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(NymServerError);
    expect((errors[0] as NymServerError).request).toBe(`send to ${PEER}`);
  });

  it('times out a request and still lines up the late answer', async () => {
    const { fake, client } = await setup('text');
    fake.answer = () => 'silent';
    await expect(client.selfAddress()).rejects.toBeInstanceOf(NymTimeout);
    fake.reply(fake.socket!, { kind: 'selfAddress', address: parseRecipient(SELF) }, false); // the late one
    fake.answer = (r) => (r.kind === 'selfAddress' ? { kind: 'selfAddress', address: parseRecipient(PEER) } : null);
    await expect(client.selfAddress()).resolves.toBe(PEER);
  });

  it('a closed socket fails every waiter once, and later calls fail at once', async () => {
    const { fake, client } = await setup('text');
    fake.answer = () => 'silent';
    const closes: NymSocketClosed[] = [];
    client.onClose((e) => closes.push(e));
    const waiters = [client.selfAddress(), client.send(PEER, 'x', { connectionId: 1 }), client.laneQueueLength(2)];
    const settled = Promise.allSettled(waiters);
    await new Promise((resolve) => setTimeout(resolve, 30));
    fake.socket!.terminate();
    const results = await settled;
    for (const result of results) {
      expect(result.status).toBe('rejected');
      expect((result as PromiseRejectedResult).reason).toBeInstanceOf(NymSocketClosed);
    }
    expect(closes).toHaveLength(1);
    expect(client.closed).toBe(true);
    await expect(client.selfAddress()).rejects.toBeInstanceOf(NymSocketClosed);
  });

  it('retries a connect that races the previous session, then succeeds', async () => {
    const { fake, client } = await setup('text');
    setTimeout(() => void client.close(), 100);
    const second = await NymWebsocketClient.connect({ port: fake.port, connectAttempts: 10, connectRetryDelayMs: 30 });
    clients.push(second);
    expect(second.address).toBe(SELF);
  });

  it('fails the connect when the address is not the expected one', async () => {
    fake = await FakeNymClient.start();
    await expect(NymWebsocketClient.connect({ port: fake.port, expectedAddress: PEER })).rejects.toThrow(/expected/);
  });

  it('formats tags in received messages as base58', () => {
    expect(formatSenderTag(new Uint8Array(16).fill(42))).toBe('6CzGHguLGCk1f416kwDZB7');
  });
});

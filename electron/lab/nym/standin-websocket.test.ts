// The stand-in's websocket listener in-process with a stub handler: one client at a time, the
// push-type rule, nym's error frames and tungstenite's 16 MiB frame limit.
import { once } from 'node:events';
import { createServer, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { parseRecipient } from '../../services/nym/websocket';
import { NymWebsocketClient, type NymReceivedMessage } from '../../services/nym/websocket/client';
import { NymSocketClosed } from '../../services/nym/websocket';
import type { NymRequest, NymResponse } from '../../services/nym/websocket';
import { StandinLogger } from './standin-log';
import { MAX_FRAME_SIZE, StandinWebsocketListener } from './standin-websocket';

const SELF =
  'DguTcdkWWtDyUFLvQxRdcA8qZhardhE1ZXy1YCC7Zfmq.Dxreouj5RhQqMb3ZaAxgXFdGkmfbDKwk457FdeHGKmQQ@4kjgWmFU1tcGAZYRZR57yFuVAexjLbJ5M7jvo3X5Hkcf';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

let listener: StandinWebsocketListener | null = null;
const clients: NymWebsocketClient[] = [];
let logs = '';
const requests: NymRequest[] = [];

async function start(): Promise<number> {
  const port = await freePort();
  logs = '';
  requests.length = 0;
  const handler = {
    handle: (request: NymRequest): NymResponse | null => {
      requests.push(request);
      return request.kind === 'selfAddress' ? { kind: 'selfAddress', address: parseRecipient(SELF) } : null;
    },
  };
  listener = new StandinWebsocketListener('127.0.0.1', port, handler, new StandinLogger({ NO_COLOR: '1' }, (t) => (logs += t)));
  await listener.listen();
  return port;
}

afterEach(async () => {
  for (const client of clients.splice(0)) await client.close();
  listener?.close();
  listener = null;
});

describe('StandinWebsocketListener', () => {
  it('fails to bind with nym’s message when the port is taken', async () => {
    const port = await start();
    const second = new StandinWebsocketListener('127.0.0.1', port, { handle: () => null }, new StandinLogger({ NO_COLOR: '1' }, () => undefined));
    await expect(second.listen()).rejects.toThrow(
      `Failed to bind to 127.0.0.1:${port} - Address already in use (os error 98). Are you sure nothing else is running on the specified port`,
    );
  });

  it('serves one client; a second is cut off before the handshake with the WARN line', async () => {
    const port = await start();
    const first = await NymWebsocketClient.connect({ port });
    clients.push(first);
    await expect(NymWebsocketClient.connect({ port })).rejects.toBeInstanceOf(NymSocketClosed);
    expect(logs).toMatch(/WARN clients\/native\/src\/websocket\/listener\.rs:\d+: Tried to open a duplicate websocket connection\. The request came from 127\.0\.0\.1:\d+/);
    await first.close();
    const again = await NymWebsocketClient.connect({ port, connectAttempts: 20, connectRetryDelayMs: 20 });
    clients.push(again);
    expect(again.address).toBe(SELF);
  });

  it('flushes buffered messages as binary at connect, then pushes in the last request’s type', async () => {
    const port = await start();
    listener!.push({ message: new TextEncoder().encode('early'), senderTag: null });
    const got: NymReceivedMessage[] = [];
    const client = await NymWebsocketClient.connect({ port, probe: false, requestTimeoutMs: 300, onReceived: (m) => got.push(m) });
    clients.push(client);
    await expect.poll(() => got.length).toBe(1);
    expect(got[0]).toMatchObject({ text: 'early', frame: 'binary' });
    await client.selfAddress(); // a text request switches pushes to text
    listener!.push({ message: Uint8Array.of(0x68, 0xff), senderTag: new Uint8Array(16).fill(8) });
    await expect.poll(() => got.length).toBe(2);
    expect(got[1]).toMatchObject({ text: 'h\ufffd', frame: 'text', senderTag: 'zXExeyvPEHUk9rjXTu78T' });
    await client.laneQueueLength(1).catch(() => undefined); // binary request; the stub does not answer
    listener!.push({ message: Uint8Array.of(0x68, 0xff), senderTag: null });
    await expect.poll(() => got.length).toBe(3);
    expect(got[2]).toMatchObject({ frame: 'binary', message: Uint8Array.of(0x68, 0xff) });
  });

  it('drops the connection without a close frame on a frame over 16 MiB', async () => {
    const port = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    const closed = once(ws, 'close') as Promise<[number, Buffer]>;
    ws.on('error', () => undefined);
    ws.send(Buffer.alloc(MAX_FRAME_SIZE + 1));
    const [code] = await closed;
    expect(code).toBe(1006);
    expect(logs).toContain(
      `failed to obtain message from websocket stream! stopping connection handler: Space limit exceeded: Message too long: ${MAX_FRAME_SIZE + 1} > ${MAX_FRAME_SIZE}`,
    );
    expect(requests).toHaveLength(0);
  });

  it('accepts a frame of exactly 16 MiB', async () => {
    const port = await start();
    const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
    await once(ws, 'open');
    ws.send(Buffer.concat([Buffer.from([0x03]), Buffer.alloc(MAX_FRAME_SIZE - 1)]));
    const [reply] = (await once(ws, 'message')) as [Buffer];
    expect(reply).toHaveLength(97);
    ws.close();
  });
});

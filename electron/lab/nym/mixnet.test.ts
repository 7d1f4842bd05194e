// The lab mixnet in-process, driven at packet level through GatewayLink: routing, per-hop delay,
// ordering option, offline storage, duplicate registration and malformed input.
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { base58Encode } from '../../services/nym/websocket';
import { generateEd25519 } from './lab-keys';
import {
  buildHeader,
  buildPacket,
  encodeLabMessage,
  fragmentMessage,
  readPacket,
  routeHeader,
  type LabTopology,
} from './lab-packet';
import { startLabMixnet, type LabMixnet } from './mixnet';
import { GatewayConnectError, GatewayLink, helloGateway, type Registration } from './standin-gateway';

let mixnet: LabMixnet | null = null;
const links: GatewayLink[] = [];

afterEach(async () => {
  for (const link of links.splice(0)) link.close();
  await mixnet?.close();
  mixnet = null;
});

async function join(): Promise<{ link: GatewayLink; identity: Uint8Array; registration: Registration; got: number[] }> {
  if (!mixnet) throw new Error('no mixnet');
  const identity = generateEd25519().publicKey;
  const link = new GatewayLink(mixnet.url, base58Encode(identity), base58Encode(generateEd25519().publicKey));
  links.push(link);
  const got: number[] = [];
  link.onPacket((packet) => got.push(readPacket(packet).fragment.messageId));
  return { link, identity, registration: await link.connect(), got };
}

function packetTo(topology: LabTopology, destination: Uint8Array, id: number, meanDelayMs: number): Uint8Array {
  const [fragment] = fragmentMessage(encodeLabMessage({ kind: 'plain', message: Uint8Array.of(id) }), id);
  return buildPacket(routeHeader(topology, destination, meanDelayMs), { reply: false }, fragment!);
}

const until = async (check: () => boolean, timeoutMs = 5_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('LabMixnet', () => {
  it('hands out its identity, three layers and the lab timing at registration', async () => {
    mixnet = await startLabMixnet({ nodesPerLayer: 2, timing: { averagePacketDelayMs: 1 } });
    expect(mixnet.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/$/);
    await expect(helloGateway(mixnet.url)).resolves.toEqual({ gateway: mixnet.gatewayIdentity, url: mixnet.url });
    const { registration } = await join();
    expect(registration.gatewayIdentity).toBe(mixnet.gatewayIdentity);
    expect(registration.topology.layers.map((l) => l.length)).toEqual([2, 2, 2]);
    expect(registration.timing.averagePacketDelayMs).toBe(1);
    expect(registration.timing.loopCoverAverageDelayMs).toBe(200);
  });

  it('routes through all three layers to the recipient and stores packets for offline clients', async () => {
    mixnet = await startLabMixnet({ timing: { averagePacketDelayMs: 1 } });
    const alice = await join();
    const bobIdentity = generateEd25519().publicKey;
    alice.link.send(packetTo(alice.registration.topology, bobIdentity, 5, 1));
    await until(() => mixnet!.status().clients.some((c) => c.stored === 1));
    const bob = new GatewayLink(mixnet.url, base58Encode(bobIdentity), base58Encode(generateEd25519().publicKey));
    links.push(bob);
    const got: number[] = [];
    bob.onPacket((packet) => got.push(readPacket(packet).fragment.messageId));
    await bob.connect();
    await until(() => got.length === 1);
    expect(got).toEqual([5]);
    expect(mixnet.status().mixes.map((m) => m.processed)).toEqual([1, 1, 1]);
  });

  it('with reorder off every mix releases in arrival order', async () => {
    mixnet = await startLabMixnet({ reorder: false });
    const alice = await join();
    for (let id = 1; id <= 30; id++) alice.link.send(packetTo(alice.registration.topology, alice.identity, id, 5));
    await until(() => alice.got.length === 30);
    expect(alice.got).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('with reorder on (default) independent delays let packets overtake each other', async () => {
    mixnet = await startLabMixnet();
    const alice = await join();
    for (let id = 1; id <= 30; id++) alice.link.send(packetTo(alice.registration.topology, alice.identity, id, 5));
    await until(() => alice.got.length === 30);
    expect(alice.got).not.toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect([...alice.got].sort((x, y) => x - y)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });

  it('refuses a second connection for the same identity', async () => {
    mixnet = await startLabMixnet();
    const alice = await join();
    const twin = new GatewayLink(mixnet.url, base58Encode(alice.identity), 'x');
    links.push(twin);
    await expect(twin.connect()).rejects.toThrow(new GatewayConnectError('There is already an open connection to this client'));
  });

  it('drops malformed packets and bad routes, and counts them', async () => {
    mixnet = await startLabMixnet();
    const alice = await join();
    const ws = new WebSocket(mixnet.url);
    await new Promise((resolve) => ws.once('open', resolve));
    ws.send(Buffer.alloc(10)); // unregistered binary
    ws.close();
    alice.link.send(new Uint8Array(100)); // wrong size
    const nowhere = { action: 'forward' as const, address: new Uint8Array(32), delayUs: 0 };
    const [fragment] = fragmentMessage(encodeLabMessage({ kind: 'loopCover' }));
    alice.link.send(buildPacket(buildHeader([nowhere, nowhere, nowhere, nowhere, nowhere]), { reply: false }, fragment!));
    await until(() => {
      const { dropped } = mixnet!.status();
      return dropped.malformed === 2 && dropped.badRoute === 1;
    });
  });
});

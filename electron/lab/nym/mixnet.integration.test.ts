// The lab mixnet and nym-client stand-ins as real processes (spawned with argv, no shell), driven
// through the app's NymWebsocketClient. Short lab timings keep the whole file to a few seconds.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { base58Encode } from '../../services/nym/websocket';
import { NymWebsocketClient, type NymReceivedMessage } from '../../services/nym/websocket/client';
import { NymErrorKind, NymSocketClosed } from '../../services/nym/websocket';
import { GatewayToClientSchema, type LabMixnetStatus } from './lab-wire';

const STANDIN = fileURLToPath(new URL('./nym-client-standin.mjs', import.meta.url));
const MIXNET = fileURLToPath(new URL('./nym-lab-mixnet.mjs', import.meta.url));

class Proc {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly waiters = new Set<() => void>();

  constructor(script: string, args: string[], env: NodeJS.ProcessEnv) {
    this.child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'], shell: false });
    this.child.stdout?.on('data', (d: Buffer) => this.append('stdout', d));
    this.child.stderr?.on('data', (d: Buffer) => this.append('stderr', d));
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private append(stream: 'stdout' | 'stderr', data: Buffer): void {
    this[stream] += data.toString('utf8');
    for (const waiter of this.waiters) waiter();
  }

  waitFor(stream: 'stdout' | 'stderr', pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const match = pattern.exec(this[stream]);
        if (match) {
          this.waiters.delete(check);
          clearTimeout(timer);
          resolve(match);
        }
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`timed out waiting for ${pattern} on ${stream}:\n${this[stream].slice(-2000)}`));
      }, timeoutMs);
      this.waiters.add(check);
      check();
    });
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

let dir = '';
let mixnet: Proc;
let labUrl = '';
const procs: Proc[] = [];

function standinEnv(home: string): NodeJS.ProcessEnv {
  return { ...process.env, NYM_HOME_DIR: home, UNDERPASS_NYM_LAB: join(dir, 'lab.json'), NO_COLOR: '1', RUST_LOG: 'info' };
}

interface Node {
  readonly id: string;
  readonly port: number;
  readonly address: string;
  readonly identity: string;
  proc: Proc;
}

async function initAndRun(name: string): Promise<Node> {
  const id = `${name}-${randomBytes(4).toString('hex')}`;
  const home = join(dir, id);
  const port = await freePort();
  const init = new Proc(STANDIN, ['init', '--id', id, '--port', String(port), '-o', 'json'], standinEnv(home));
  procs.push(init);
  const { code } = await init.exited;
  expect(code, init.stdout + init.stderr).toBe(0);
  expect(init.stderr).toContain('Initialising client...');
  expect(init.stderr).toContain('Saved configuration file to');
  const result = JSON.parse(init.stdout) as { client_address: string; identity_key: string; address: number[] };
  expect(result.address).toHaveLength(96);
  const proc = new Proc(STANDIN, ['run', '--id', id], standinEnv(home));
  procs.push(proc);
  await proc.waitFor('stderr', /The address of this client is: (\S+)/);
  return { id, port, address: result.client_address, identity: result.identity_key, proc };
}

async function labStatus(): Promise<LabMixnetStatus> {
  const ws = new WebSocket(labUrl);
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'status' }));
  const [data] = (await once(ws, 'message')) as [Buffer];
  ws.terminate();
  const message = GatewayToClientSchema.parse(JSON.parse(data.toString('utf8')));
  if (message.type !== 'status') throw new Error('expected a status answer');
  return message.status;
}

function collect(client: NymWebsocketClient): NymReceivedMessage[] {
  const received: NymReceivedMessage[] = [];
  client.onReceived((message) => received.push(message));
  return received;
}

async function until<T>(probe: () => T | undefined | null | false, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

let alice: Node;
let bob: Node;
let a: NymWebsocketClient;
let b: NymWebsocketClient;
let atA: NymReceivedMessage[];
let atB: NymReceivedMessage[];
let tag = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'underpass-nym-lab-'));
  mixnet = new Proc(
    MIXNET,
    [
      '--descriptor', join(dir, 'lab.json'),
      '--hop-delay-ms', '2',
      '--send-delay-ms', '1',
      '--loop-cover-ms', '50',
      '--surb-rerequest-ms', '1000',
      '--stats-interval-ms', '100',
      '--reconnect-attempts', '2',
      '--reconnect-interval-ms', '200',
    ],
    { ...process.env },
  );
  procs.push(mixnet);
  const [line] = await mixnet.waitFor('stdout', /^\{.*"event":"ready".*\}$/m);
  labUrl = (JSON.parse(line) as { gateway: { url: string } }).gateway.url;
  [alice, bob] = await Promise.all([initAndRun('alice'), initAndRun('bob')]);
  a = await NymWebsocketClient.connect({ port: alice.port, mode: 'text', connectAttempts: 20, connectRetryDelayMs: 50 });
  b = await NymWebsocketClient.connect({ port: bob.port, mode: 'binary', connectAttempts: 20, connectRetryDelayMs: 50 });
  atA = collect(a);
  atB = collect(b);
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  for (const proc of procs) if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGKILL');
  await Promise.all(procs.map((p) => p.exited));
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('lab mixnet with two nym-client stand-ins', () => {
  it('logs the startup sequence of nym.md §4.5 and answers selfAddress with the init address', async () => {
    const order = [
      'Starting client ',
      'Starting nym client',
      'Obtaining initial network topology',
      'Starting mix traffic controller...',
      'Starting loop cover traffic stream...',
      'Starting websocket listener...',
      `Running websocket on "127.0.0.1:${alice.port}"`,
      'Client startup finished!',
      `The address of this client is: ${alice.address}`,
    ].map((line) => alice.proc.stderr.indexOf(line));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect([...order].sort((x, y) => x - y)).toEqual(order);
    expect(a.address).toBe(alice.address);
    await expect(b.selfAddress()).resolves.toBe(bob.address);
  });

  it('delivers a plain message with senderTag null', async () => {
    await a.send(bob.address, 'plain hello');
    const message = await until(() => atB.find((m) => m.text === 'plain hello'));
    expect(message.senderTag).toBeNull();
    expect(message.frame).toBe('binary'); // bob's last request was binary
  });

  it('drops a reply to a tag that has no SURBs (sendAnonymous with replySurbs 0), with the WARN only', async () => {
    await a.sendAnonymous(bob.address, 'anonymous, no surbs', 0);
    const message = await until(() => atB.find((m) => m.text === 'anonymous, no surbs'));
    expect(message.senderTag).toMatch(/^[1-9A-HJ-NP-Za-km-z]{16,22}$/);
    tag = message.senderTag ?? '';
    await expect(b.reply(tag, 'nobody hears this')).resolves.toBeNull(); // no error frame, ever
    await bob.proc.waitFor('stderr', new RegExp(`WARN .*received reply request for ${tag} but we don't have any surbs stored for that recipient!`));
    await sleep(300);
    expect(atA.find((m) => m.text === 'nobody hears this')).toBeUndefined();
  });

  it('sendAnonymous with 20 SURBs arrives under the same stable tag and bob replies by tag; alice gets senderTag null', async () => {
    await a.sendAnonymous(bob.address, 'anonymous with surbs', 20);
    const message = await until(() => atB.find((m) => m.text === 'anonymous with surbs'));
    expect(message.senderTag).toBe(tag); // one tag per (sender, recipient)
    expect(alice.proc.stderr).toContain(`using ${tag} for all anonymous messages sent to ${bob.address}`);
    await b.reply(tag, 'hello back');
    const reply = await until(() => atA.find((m) => m.text === 'hello back'));
    expect(reply.senderTag).toBeNull();
    expect(reply.frame).toBe('text');
  });

  it('keeps 10 SURBs in reserve: later replies wait for a SURB top-up round trip, then all arrive', async () => {
    // 19 SURBs left: 8 replies go at once (19 > 11 … 12 > 11), the rest queue behind a request.
    for (let i = 0; i < 12; i++) await b.reply(tag, `burst ${i}`, { connectionId: 7 });
    const burst = await until(() => {
      const got = atA.filter((m) => m.text.startsWith('burst '));
      return got.length === 12 ? got : null;
    });
    expect(new Set(burst.map((m) => m.text)).size).toBe(12);
    expect(burst.every((m) => m.senderTag === null)).toBe(true);
  });

  it('drops a reply to an unknown tag the same way', async () => {
    const unknown = base58Encode(new Uint8Array(randomBytes(16)));
    await b.reply(unknown, 'to nobody');
    await bob.proc.waitFor('stderr', new RegExp(`received reply request for ${unknown} but we don't have any surbs stored`));
    await sleep(200);
    expect(atA.find((m) => m.text === 'to nobody')).toBeUndefined();
  });

  it('answers a send with connectionId by laneQueueLength, and getLaneQueueLength in binary', async () => {
    await expect(a.send(bob.address, 'on lane 42', { connectionId: 42 })).resolves.toBeGreaterThanOrEqual(0);
    await expect(a.laneQueueLength(42)).resolves.toBeGreaterThanOrEqual(0);
    await until(() => atB.find((m) => m.text === 'on lane 42'));
  });

  it('speaks the wire protocol byte-exactly to a raw websocket and rejects a second connection', async () => {
    await a.close();
    let raw: WebSocket | null = null;
    for (let i = 0; i < 50 && !raw; i++) {
      const ws = new WebSocket(`ws://127.0.0.1:${alice.port}/`);
      raw = await new Promise<WebSocket | null>((resolve) => {
        ws.once('open', () => resolve(ws));
        ws.once('error', () => resolve(null));
      });
      if (!raw) await sleep(50);
    }
    if (!raw) throw new Error('could not reconnect to alice');
    const next = async (): Promise<[Buffer, boolean]> => (await once(raw, 'message')) as [Buffer, boolean];

    raw.send('{"type":"send","message":"x"}');
    const [text, textIsBinary] = await next();
    expect(textIsBinary).toBe(false);
    const error = JSON.parse(text.toString()) as { type: string; message: string };
    expect(Object.keys(error)).toEqual(['type', 'message']);
    expect(error.type).toBe('error');
    expect(error.message).toMatch(/^malformed request:missing field `recipient`/);

    raw.send(Buffer.from([0x02]));
    const [short, shortIsBinary] = await next();
    expect(shortIsBinary).toBe(true);
    const detail = "not enough data provided to recover 'reply'";
    expect(short.subarray(0, 10).toString('hex')).toBe(`0002${detail.length.toString(16).padStart(16, '0')}`);
    expect(short.subarray(10).toString()).toBe(detail);
    expect(short[1]).toBe(NymErrorKind.TooShortRequest);

    raw.send(Buffer.from([0x03]));
    const [self] = await next();
    expect(self).toHaveLength(97);
    expect(self[0]).toBe(0x02);

    raw.send(Buffer.from([0x04, 0, 0]));
    const [closed] = await next();
    expect(closed.subarray(10).toString()).toBe('The received closed connection has invalid length');

    const second = await NymWebsocketClient.connect({ port: alice.port }).catch((e: unknown) => e);
    expect(second).toBeInstanceOf(NymSocketClosed);
    await alice.proc.waitFor('stderr', /WARN .*Tried to open a duplicate websocket connection\. The request came from 127\.0\.0\.1:\d+/);
    raw.close();
    await once(raw, 'close');
  });

  it('flushes messages that arrived while disconnected as binary frames at connect', async () => {
    await b.send(alice.address, Buffer.from('while you were away'));
    await sleep(400); // delivered to alice's stand-in, which buffers it: nobody is connected
    const early: NymReceivedMessage[] = [];
    a = await NymWebsocketClient.connect({
      port: alice.port,
      probe: false,
      connectAttempts: 20,
      connectRetryDelayMs: 50,
      onReceived: (m) => early.push(m),
    });
    const flushed = await until(() => early.find((m) => m.text === 'while you were away'));
    expect(flushed.frame).toBe('binary');
    await expect(a.selfAddress()).resolves.toBe(alice.address);
    atA = collect(a);
  });

  it('sends loop cover traffic through all three mix layers and back, and counts it', async () => {
    const snapshot = await (async () => {
      for (let i = 0; i < 100; i++) {
        const s = await labStatus();
        const mine = s.clients.filter((c) => c.identity === alice.identity || c.identity === bob.identity);
        if (mine.length === 2 && mine.every((c) => c.counters.coverSent > 0 && c.counters.coverReceived > 0)) return s;
        await sleep(50);
      }
      throw new Error('no cover traffic counted');
    })();
    expect(snapshot.mixes.map((m) => m.layer).sort()).toEqual([1, 2, 3]);
    expect(snapshot.mixes.every((m) => m.processed > 0)).toBe(true);
    for (const client of snapshot.clients.filter((c) => c.identity === alice.identity || c.identity === bob.identity)) {
      expect(client.connected).toBe(true);
      expect(client.packetsIn).toBeGreaterThanOrEqual(client.counters.coverSent);
    }
  });

  it('SIGINT stops a stand-in gracefully with exit code 0', async () => {
    const closed = new Promise<NymSocketClosed>((resolve) => a.onClose(resolve));
    alice.proc.child.kill('SIGINT');
    const { code, signal } = await alice.proc.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    const tail = alice.proc.stderr.slice(alice.proc.stderr.indexOf('sending cancellation after receiving shutdown signal'));
    expect(tail).toMatch(/waiting for tasks to finish\.\.\. \(press ctrl-c to force\)[\s\S]*all tracked tasks successfully shutdown[\s\S]*Stopping nym-client/);
    expect((await closed).closeCode).toBe(1006); // dropped without a close frame
  });

  it('SIGKILL leaves no orphan process and the mixnet notices the lost client', async () => {
    const pid = bob.proc.pid;
    bob.proc.child.kill('SIGKILL');
    expect(await bob.proc.exited).toEqual({ code: null, signal: 'SIGKILL' });
    const leftovers = readdirSync('/proc')
      .filter((entry) => /^\d+$/.test(entry))
      .filter((entry) => {
        try {
          return readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(bob.id);
        } catch {
          return false;
        }
      });
    expect(leftovers).toEqual([]);
    expect(() => process.kill(pid, 0)).toThrow();
    await mixnet.waitFor('stderr', new RegExp(`client ${bob.identity} disconnected`));
    const status = await labStatus();
    expect(status.clients.find((c) => c.identity === bob.identity)?.connected).toBe(false);
  });

  it('SIGTERM is not handled (nym listens for SIGINT only): immediate death', async () => {
    const dave = await initAndRun('dave');
    dave.proc.child.kill('SIGTERM');
    expect(await dave.proc.exited).toEqual({ code: null, signal: 'SIGTERM' });
    expect(dave.proc.stderr).not.toContain('Stopping nym-client');
  });

  it('gateway loss: after 20 failed sends the stand-in shuts down and exits 0, as nym-client does', async () => {
    const carol = await initAndRun('carol');
    mixnet.child.kill('SIGTERM');
    expect(await mixnet.exited).toEqual({ code: 0, signal: null });
    const { code, signal } = await carol.proc.exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(carol.proc.stderr).toContain('Attempting gateway reconnection...');
    expect(carol.proc.stderr).toMatch(
      /Failed to send sphinx packet to the gateway 20 times in a row - assuming the gateway is dead[\s\S]*Signalling shutdown from the MixTrafficController[\s\S]*Stopping nym-client/,
    );
  });
});

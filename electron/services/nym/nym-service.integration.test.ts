// The app's Nym service (through the IPC router, as the UI calls it) on the lab mixnet, with a second
// nym-client stand-in driven by the websocket client as the peer: plain and anonymous messages both
// ways, replies by sender tag, a dropped SURB-less reply, kill -9 recovery, gateway loss, SIGINT stop, quit.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core, type LabProvider } from '../../app/core';
import { Logger } from '../../logging/logger';
import { createLabProvider } from '../../lab/lab-provider';
import { NYM_LAB_PROCESS_ID } from '../../lab/nym/nym-lab';
import { unwrap, type Result } from '../../../shared/ipc/result';
import type { Contact, Conversation, ConversationSummary, NymMessageEvent, NymStatus } from '../../../shared/domain/nym';
import type { NymNetworkPlan } from './nym-service';
import { NymWebsocketClient, base58Encode, isEd25519Point, type NymReceivedMessage } from './websocket';
import { decodeEnvelope, decodeFileMessage, encodeEnvelope, encodeFileMessage } from './messages-store';
import { ProfileSchema } from './nym-process';
import { waitFor as poll } from '../../util/wait';
import { isAlive } from '../../util/process';

let core: Core;
let dir: string;
let labRef: LabProvider | null = null;
let plan: NymNetworkPlan;
// This suite polls faster and gives up sooner than the default: the lab mixnet answers in ms.
const waitFor = <T,>(what: string, fn: Parameters<typeof poll<T>>[1], ms = 20_000) => poll(what, fn, ms, 50);

const statuses: NymStatus[] = [];
const messageEvents: NymMessageEvent[] = [];

async function call<T>(channel: string, args?: unknown): Promise<T> {
  return unwrap((await core.router.dispatch(channel, args)) as Result<T>);
}
async function callResult(channel: string, args?: unknown): Promise<Result<unknown>> {
  return (await core.router.dispatch(channel, args));
}



function processesMentioning(text: string): string[] {
  return readdirSync('/proc')
    .filter((e) => /^\d+$/.test(e))
    .filter((e) => {
      try {
        return readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(text);
      } catch {
        return false;
      }
    });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

/** A second lab client, as a Nym user on another machine would run it. */
class Peer {
  child!: ChildProcess;
  ws!: NymWebsocketClient;
  address = '';
  received: NymReceivedMessage[] = [];
  stderr = '';

  async start(id: string): Promise<void> {
    const home = join(dir, `peer-${id}`);
    const port = await freePort();
    const env = { ...process.env, ...plan.env, NYM_HOME_DIR: home, NO_COLOR: '1', RUST_LOG: 'info' };
    const init = spawn(plan.command, [...plan.argsPrefix, 'init', '--id', id, '--port', String(port), '-o', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    init.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => init.once('exit', r));
    expect(code, out).toBe(0);
    this.address = (JSON.parse(out) as { client_address: string }).client_address;
    this.child = spawn(plan.command, [...plan.argsPrefix, 'run', '--id', id], { env, stdio: ['ignore', 'ignore', 'pipe'] });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    await waitFor('peer startup', () => this.stderr.includes('The address of this client is:'));
    // Binary mode: pushes follow the last request's frame type, so files arrive byte-exact (nym.md §1.1).
    this.ws = await NymWebsocketClient.connect({ port, mode: 'binary', connectAttempts: 40, connectRetryDelayMs: 50, expectedAddress: this.address });
    this.ws.onReceived((m) => this.received.push(m));
  }

  async stop(): Promise<void> {
    await this.ws?.close().catch(() => undefined);
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) {
      this.child.kill('SIGKILL');
      await new Promise((r) => this.child.once('exit', r));
    }
  }
}

const peer = new Peer();
let appAddress = '';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'underpass-nym-'));
  const provider = createLabProvider({
    bridge: false,
    nymMixnetArgs: ['--hop-delay-ms', '2', '--send-delay-ms', '2', '--loop-cover-ms', '50', '--reconnect-attempts', '2', '--reconnect-interval-ms', '200', '--surb-rerequest-ms', '1000'],
  });
  core = await createCore({
    dataDir: join(dir, 'app'),
    mode: 'lab',
    host: 'headless',
    autostart: false,
    logger: new Logger({ sink: () => undefined }),
    lab: (deps) => {
      labRef = provider(deps);
      return labRef;
    },
  });
  core.bus.subscribe((channel, payload) => {
    if (channel === 'underpass:nym:onStatus') statuses.push(payload as NymStatus);
    if (channel === 'underpass:nym:onMessage') messageEvents.push(payload as NymMessageEvent);
  });
  await call('underpass:supervisor:start', { id: 'nym' });
  const ready = await waitFor('nym ready', async () => {
    const s = await call<NymStatus>('underpass:nym:getStatus');
    return s.clientState === 'connected' ? s : null;
  }, 150_000);
  appAddress = ready.address ?? '';
  if (!labRef) throw new Error('no lab provider');
  plan = await (labRef).nym();
  await peer.start('peer-bob');
}, 180_000);

afterAll(async () => {
  await peer.stop();
  await core?.shutdown();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

function lastIn(conversationId: string, text: string) {
  return messageEvents.find((e) => e.conversation.id === conversationId && e.message.direction === 'in' && e.message.text === text);
}

describe('Nym service on the lab mixnet', () => {
  it('initialised a per-profile client in an owner-only home inside the data dir and is ready by selfAddress', async () => {
    const s = await call<NymStatus>('underpass:nym:getStatus');
    expect(s).toMatchObject({ state: 'ready', clientState: 'connected', lab: true, laneQueueLength: 0 });
    expect(s.traffic).toMatchObject({ source: 'lab', messageSendingAverageDelayMs: 2, loopCoverAverageDelayMs: 50, averagePacketDelayMs: 2, coverTrafficEnabled: true });
    expect(s.address).toMatch(/^\w+\.\w+@\w+$/);
    expect(s.gateway).toBe(s.address?.split('@')[1]);
    const profile = ProfileSchema.parse(JSON.parse(readFileSync(join(dir, 'app', 'nym', 'profile.json'), 'utf8')));
    expect(profile).toEqual({ id: s.clientId, address: s.address });
    const home = join(dir, 'app', 'nym', 'home');
    expect(statSync(home).mode & 0o777).toBe(0o700);
    expect(existsSync(join(home, '.nym', 'clients', profile.id, 'config', 'config.toml'))).toBe(true);
    const proc = core.registry.get('nym').status();
    expect(proc.binary?.version).toBe('lab stand-in');
    expect(core.registry.get(NYM_LAB_PROCESS_ID).status().state).toBe('ready');
  });

  it('measures latency through the lab mixnet with a self-addressed probe that never shows up as a message', async () => {
    const s = await waitFor('lab latency', async () => {
      const st = await call<NymStatus>('underpass:nym:getStatus');
      return st.labLatencyMs !== null ? st : null;
    });
    expect(s.labLatencyMs).toBeGreaterThan(0);
    expect(s.labLatencyMs).toBeLessThan(5000);
    expect(await call<ConversationSummary[]>('underpass:nym:listConversations')).toEqual([]);
  });

  it('validates contacts (ed25519 keys, not only the shape) and persists them', async () => {
    // Well-formed base58 of 32 bytes that is not an ed25519 point: the real client rejects it (nym.md §3.2).
    let notPoint = new Uint8Array(randomBytes(32));
    while (isEd25519Point(notPoint)) notPoint = new Uint8Array(randomBytes(32));
    const [, enc, gw] = /^(\w+)\.(\w+)@(\w+)$/.exec(peer.address) ?? [];
    const bad = await callResult('underpass:nym:addContact', { name: 'Bad', address: `${base58Encode(notPoint)}.${enc}@${gw}` });
    expect(bad).toMatchObject({ ok: false, error: { code: 'NYM_INVALID_ADDRESS' } });
    const shape = await callResult('underpass:nym:addContact', { name: 'Bad', address: 'nope' });
    expect(shape).toMatchObject({ ok: false, error: { code: 'IPC_INVALID_ARGS' } });
    const bob = await call<Contact>('underpass:nym:addContact', { name: 'Bob', address: peer.address });
    expect(await call<Contact[]>('underpass:nym:listContacts')).toEqual([bob]);
    const renamed = await call<Contact>('underpass:nym:updateContact', { id: bob.id, name: 'Bobby' });
    expect(renamed.name).toBe('Bobby');
  });

  it('sends a plain message: queued → sent, the peer gets it with senderTag null', async () => {
    const sent = await call<NymMessageEvent>('underpass:nym:send', { address: peer.address, text: 'plain hello', anonymous: false });
    expect(['queued', 'sent']).toContain(sent.message.state);
    expect(sent.conversation).toMatchObject({ kind: 'contact', title: 'Bobby' });
    const got = await waitFor('peer receives', () => peer.received.find((m) => m.text === 'plain hello'));
    expect(got.senderTag).toBeNull();
    const conv = await waitFor('sent state', async () => {
      const c = await call<Conversation>('underpass:nym:getConversation', { id: sent.conversation.id });
      return c.messages.find((m) => m.id === sent.message.id && m.state === 'sent') ? c : null;
    });
    expect(conv.messages.at(-1)).toMatchObject({ state: 'sent', queueLength: 0, kind: 'plain', replySurbs: null });
  });

  it('sends anonymously with reply SURBs; the peer replies by tag and it lands in the same conversation (senderTag null)', async () => {
    const sent = await call<NymMessageEvent>('underpass:nym:send', { address: peer.address, text: 'anonymous hello', anonymous: true, replySurbs: 20 });
    expect(sent.message).toMatchObject({ kind: 'anonymous', replySurbs: 20 });
    const got = await waitFor('peer receives anonymous', () => peer.received.find((m) => decodeEnvelope(m.text)?.text === 'anonymous hello'));
    expect(got.senderTag).toMatch(/^[1-9A-HJ-NP-Za-km-z]{16,22}$/);
    expect(got.text).not.toContain(appAddress); // the app's address is not in the payload
    const token = decodeEnvelope(got.text)?.c;
    expect(token).toBeDefined();
    await peer.ws.reply(got.senderTag ?? '', encodeEnvelope({ text: 'reply by tag', ...(token ? { re: token } : {}) }));
    const back = await waitFor('reply arrives', () => lastIn(sent.conversation.id, 'reply by tag'));
    expect(back.message.kind).toBe('reply');
    expect(back.conversation.unread).toBeGreaterThan(0);
  });

  it('drops a reply to a sender that attached no SURBs, as nym-client does, and says so', async () => {
    await peer.ws.sendAnonymous(appAddress, encodeEnvelope({ text: 'no surbs from me', c: 'aaaaaaaaaaaaaaaa' }), 0);
    const inbound = await waitFor('anonymous arrives', () => messageEvents.find((e) => e.message.text === 'no surbs from me'));
    expect(inbound.conversation).toMatchObject({ kind: 'tag', address: null, canReply: true });
    const reply = await call<NymMessageEvent>('underpass:nym:reply', { conversationId: inbound.conversation.id, text: 'into the void' });
    expect(reply.message.kind).toBe('reply');
    const dropped = await waitFor('dropped', () => messageEvents.find((e) => e.message.id === reply.message.id && e.message.state === 'dropped'));
    expect(dropped.message.error).toMatch(/no reply SURBs/);
    expect(dropped.conversation.canReply).toBe(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(peer.received.find((m) => m.text.includes('into the void'))).toBeUndefined();
  });

  it('answers an anonymous sender with SURBs by tag; the peer receives it with senderTag null and our echo token', async () => {
    await peer.ws.sendAnonymous(appAddress, encodeEnvelope({ text: 'with surbs', c: 'bbbbbbbbbbbbbbbb' }), 20);
    const inbound = await waitFor('anonymous with surbs', () => messageEvents.find((e) => e.message.text === 'with surbs'));
    expect(inbound.conversation.canReply).toBe(true);
    const reply = await call<NymMessageEvent>('underpass:nym:reply', { conversationId: inbound.conversation.id, text: 'hello anonymous' });
    const got = await waitFor('peer gets reply', () => peer.received.find((m) => decodeEnvelope(m.text)?.text === 'hello anonymous'));
    expect(got.senderTag).toBeNull();
    expect(decodeEnvelope(got.text)?.re).toBe('bbbbbbbbbbbbbbbb');
    await waitFor('reply sent', () => messageEvents.find((e) => e.message.id === reply.message.id && e.message.state === 'sent'));
    const read = await call<ConversationSummary>('underpass:nym:markRead', { conversationId: inbound.conversation.id });
    expect(read.unread).toBe(0);
  });

  it('puts an unattributed plain message in the inbox, and a plain message carrying an address in that address’s conversation', async () => {
    await peer.ws.send(appAddress, 'who am i');
    const inbox = await waitFor('inbox', () => messageEvents.find((e) => e.message.text === 'who am i'));
    expect(inbox.conversation.kind).toBe('inbox');
    await peer.ws.send(appAddress, encodeEnvelope({ text: 'it is bob', from: peer.address }));
    const fromBob = await waitFor('from bob', () => messageEvents.find((e) => e.message.text === 'it is bob'));
    expect(fromBob.conversation).toMatchObject({ kind: 'contact', address: peer.address, title: 'Bobby' });
    const list = await call<ConversationSummary[]>('underpass:nym:listConversations');
    expect(list.map((c) => c.kind).sort()).toEqual(['contact', 'inbox', 'tag']);
    expect(inbox.message.attachment).toBeNull();
  });

  it('sends a file through the binary API byte-exact, with progress as the lane queue drains', async () => {
    const data = new Uint8Array(randomBytes(100_000));
    const sent = await call<NymMessageEvent>('underpass:nym:sendFile', {
      address: peer.address,
      name: 'notes.bin',
      mime: 'application/octet-stream',
      dataBase64: Buffer.from(data).toString('base64'),
      text: 'a file',
      anonymous: false,
    });
    expect(sent.message.attachment).toEqual({ name: 'notes.bin', mime: 'application/octet-stream', size: 100_000, savedAs: null });
    expect(sent.message.totalPackets).toBeGreaterThan(50); // ≈ 1.6 KB of message per packet (nym.md §5.3)
    const got = await waitFor('file arrives', () => peer.received.map((m) => decodeFileMessage(m.message)).find((f) => f?.header.name === 'notes.bin'));
    expect(Buffer.from(got.data).equals(Buffer.from(data))).toBe(true);
    expect(got.header.text).toBe('a file');
    await waitFor('file sent', () => messageEvents.find((e) => e.message.id === sent.message.id && e.message.state === 'sent'));
    const progress = messageEvents.filter((e) => e.message.id === sent.message.id).map((e) => e.message.queueLength ?? 0);
    expect(Math.max(...progress)).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(0);
  });

  it('receives a file and saves it owner-only in the data dir', async () => {
    const data = new Uint8Array(randomBytes(5000));
    await peer.ws.send(appAddress, encodeFileMessage({ name: '../../evil.txt', mime: 'text/plain', size: data.length, from: peer.address }, data));
    const e = await waitFor('file received', () => messageEvents.find((x) => x.message.attachment?.name === '../../evil.txt'));
    expect(e.conversation.address).toBe(peer.address);
    const saved = e.message.attachment?.savedAs ?? '';
    expect(saved.startsWith(join(dir, 'app', 'nym', 'attachments'))).toBe(true);
    expect(saved.endsWith('-evil.txt')).toBe(true);
    expect(statSync(saved).mode & 0o777).toBe(0o600);
    expect(readFileSync(saved).equals(Buffer.from(data))).toBe(true);
  });

  it('kill -9 of the client: restarted, same address, messages flow again', async () => {
    const pid = core.registry.get('nym').pid ?? 0;
    process.kill(pid, 'SIGKILL');
    await waitFor('restarted', () => {
      const p = core.registry.get('nym').status();
      return p.restartCount >= 1 && p.state === 'ready' && p.pid !== pid ? p : null;
    });
    const s = await waitFor('connected', async () => {
      const st = await call<NymStatus>('underpass:nym:getStatus');
      return st.clientState === 'connected' ? st : null;
    });
    expect(s.address).toBe(appAddress);
    expect(isAlive(pid)).toBe(false);
    await call('underpass:nym:send', { address: peer.address, text: 'after kill', anonymous: false });
    await waitFor('after kill arrives', () => peer.received.find((m) => m.text === 'after kill'));
  }, 30_000);

  it('gateway loss (the lab mixnet dies): shown as an error, not a clean stop, then recovered', async () => {
    const before = statuses.length;
    const mixPid = core.registry.get(NYM_LAB_PROCESS_ID).pid ?? 0;
    process.kill(mixPid, 'SIGKILL');
    const lost = await waitFor(
      'gateway-lost',
      () => statuses.slice(before).find((s) => s.clientState === 'gateway-lost' && s.lastError?.details?.reason === 'gateway-lost'),
      30_000,
    );
    expect(lost.lastError?.code).toBe('NYM_FAILED');
    expect(lost.state).not.toBe('stopped');
    await waitFor(
      'reconnected after gateway loss',
      async () => {
        const st = await call<NymStatus>('underpass:nym:getStatus');
        return st.clientState === 'connected' ? st : null;
      },
      30_000,
    );
  }, 70_000);

  it('stop sends SIGINT and nym-client exits gracefully (code 0), shown as stopped', async () => {
    const pid = core.registry.get('nym').pid ?? 0;
    const t0 = Date.now();
    await call('underpass:supervisor:stop', { id: 'nym' });
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(isAlive(pid)).toBe(false);
    const lines = core.logger.recent(200, 'nym').map((l) => l.message);
    expect(lines.some((l) => l.includes('sending cancellation after receiving shutdown signal'))).toBe(true);
    expect(lines.some((l) => l.includes(`stopped (code 0)`))).toBe(true);
    const s = await call<NymStatus>('underpass:nym:getStatus');
    expect(s).toMatchObject({ state: 'stopped', clientState: 'stopped' });
    const r = await callResult('underpass:nym:send', { address: peer.address, text: 'x', anonymous: false });
    expect(r).toMatchObject({ ok: false, error: { code: 'NYM_NOT_RUNNING' } });
  });

  it('quitting leaves no client process (nor the lab mixnet)', async () => {
    await call('underpass:supervisor:start', { id: 'nym' });
    await waitFor('ready again', async () => (await call<NymStatus>('underpass:nym:getStatus')).clientState === 'connected');
    const id = (await call<NymStatus>('underpass:nym:getStatus')).clientId ?? 'none';
    const pid = core.registry.get('nym').pid ?? 0;
    await core.shutdown();
    expect(isAlive(pid)).toBe(false);
    expect(processesMentioning(`--id\0${id}`)).toEqual([]);
    expect(processesMentioning('nym-lab-mixnet')).toEqual([]);
  });
});

// Test-only fake of i2pd's SAM bridge: TCP and UDP on 127.0.0.1, reply strings byte for byte
// from i2pd's SAM.h, quirks from SAM.cpp 2.56/2.58 and lab observations. Sessions pair in-process.
// Never imported by production code; it deliberately shares no parser with the client.

import { createHash, randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import net from 'node:net';

export interface FakeSamProfile {
  readonly name: string;
  /** Highest version spoken, in tenths (31 = 3.1). The lowest is always 3.0. */
  readonly maxVersion: 31 | 33;
  /** 2.56 and 2.58 disagree on HELLO negotiation (SAM.cpp HandleHandshakeReceived). */
  readonly negotiation: '2.56' | '2.58';
  /** 'close': unknown command; 'pong-close': PONG then close (2.58: SendReplyWithMessage(close=true)); 'pong': spec. */
  readonly ping: 'close' | 'pong-close' | 'pong';
}

export const I2PD_2_56: FakeSamProfile = { name: 'i2pd 2.56', maxVersion: 31, negotiation: '2.56', ping: 'close' };
export const I2PD_2_58: FakeSamProfile = { name: 'i2pd 2.58', maxVersion: 33, negotiation: '2.58', ping: 'pong-close' };
/** A SAM 3.3 bridge that answers PING as the spec says and keeps the socket. */
export const SPEC_3_3: FakeSamProfile = { name: 'spec 3.3', maxVersion: 33, negotiation: '2.58', ping: 'pong' };

export type InterceptResult = { reply: string; close?: boolean } | 'silence' | 'close' | undefined;

export interface FakeSamOptions {
  profile?: FakeSamProfile;
  /** Delay before SESSION STATUS RESULT=OK (i2pd waits for tunnels); Infinity = never answers. */
  sessionReadyDelayMs?: number;
  /** STREAM CONNECT to a destination with nobody accepting: OK, then EOF after this long (observed on 2.45/2.58). */
  okThenEofMs?: number;
  /** Seen first for every command line after HELLO; return a reply to short-circuit the grammar. */
  intercept?: (line: string) => InterceptResult;
}

interface Keys {
  readonly pub: string;
  readonly priv: string;
}

interface FakeSession {
  readonly id: string;
  readonly style: string;
  readonly keys: Keys;
  readonly control: Client;
  readonly acceptors: Client[];
  forward: { host: string; port: number; silent: boolean; client: Client } | undefined;
  udpForward: { host: string; port: number } | undefined;
}

interface Client {
  readonly socket: net.Socket;
  buffer: Buffer;
  state: 'handshake' | 'command' | 'session' | 'acceptor' | 'forward' | 'pipe' | 'closed';
  version: number;
  sessionId: string | undefined;
  /** In 'pipe' state: where this socket's bytes go, and what arrived before that was known. */
  peer: net.Socket | undefined;
  pending: Buffer[];
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64').replace(/\+/g, '-').replace(/\//g, '~');
}

function unb64(text: string): Buffer | undefined {
  if (!/^[A-Za-z0-9~-]+={0,2}$/.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text.replace(/-/g, '+').replace(/~/g, '/'), 'base64');
}

/** Random keys shaped like i2pd's: Ed25519 key certificate (5, len 4, sig 7, crypto) or DSA null certificate. */
export function makeKeys(signatureType: 0 | 7 = 7, cryptoType: 0 | 4 = 0): Keys {
  const cert = signatureType === 7 ? Buffer.from([5, 0, 4, 0, 7, 0, cryptoType]) : Buffer.from([0, 0, 0]);
  const pub = Buffer.concat([randomBytes(384), cert]);
  const priv = Buffer.concat([pub, randomBytes(cryptoType === 4 ? 32 : 256), randomBytes(signatureType === 7 ? 32 : 20)]);
  return { pub: b64(pub), priv: b64(priv) };
}

/** Public length from the certificate at offset 384, as IdentityEx::FromBuffer does; undefined if short. */
function publicLength(bytes: Buffer): number | undefined {
  if (bytes.length < 387) return undefined;
  const length = 387 + bytes.readUInt16BE(385);
  return bytes.length >= length ? length : undefined;
}

function b32Of(pub: string): string {
  // Independent of the client's encoder on purpose: RFC 4648 via bit strings.
  const digest = createHash('sha256')
    .update(unb64(pub) ?? Buffer.alloc(0))
    .digest();
  const bits = [...digest].map((byte) => byte.toString(2).padStart(8, '0')).join('');
  let out = '';
  for (let i = 0; i < bits.length; i += 5) out += 'abcdefghijklmnopqrstuvwxyz234567'[parseInt(bits.slice(i, i + 5).padEnd(5, '0'), 2)];
  return `${out}.b32.i2p`;
}

/** i2pd ExtractParams: split on single spaces, each field on its first '='; no unquoting. */
function extractParams(text: string): Map<string, string> {
  const params = new Map<string, string>();
  for (const field of text.split(' ')) {
    const eq = field.indexOf('=');
    if (eq !== -1) params.set(field.slice(0, eq), field.slice(eq + 1));
  }
  return params;
}

function versionNumber(text: string | undefined): number {
  if (!text) return 0;
  const match = /^(\d)(?:\.(\d))?$/.exec(text);
  return match ? Number(match[1]) * 10 + Number(match[2] ?? '0') : 0;
}

export class FakeSam {
  readonly host = '127.0.0.1';
  /** Every command line received over TCP, HELLO included, in order. */
  readonly received: string[] = [];
  /** Every UDP packet received on the datagram port. */
  readonly udpReceived: Buffer[] = [];
  readonly sessions = new Map<string, FakeSession>();
  /** The router's shared destination (NAMING LOOKUP NAME=ME on a bare socket). */
  readonly sharedKeys = makeKeys();
  readonly profile: FakeSamProfile;
  readonly #options: FakeSamOptions;
  readonly #server: net.Server;
  readonly #udp: dgram.Socket;
  readonly #clients = new Set<Client>();
  readonly #outgoing = new Set<net.Socket>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #port = 0;
  #udpPort = 0;

  static async start(options: FakeSamOptions = {}): Promise<FakeSam> {
    const fake = new FakeSam(options);
    await new Promise<void>((resolve) => fake.#server.listen(0, '127.0.0.1', resolve));
    await new Promise<void>((resolve) => fake.#udp.bind(0, '127.0.0.1', resolve));
    fake.#port = (fake.#server.address() as net.AddressInfo).port;
    fake.#udpPort = fake.#udp.address().port;
    return fake;
  }

  private constructor(options: FakeSamOptions) {
    this.#options = options;
    this.profile = options.profile ?? I2PD_2_58;
    this.#server = net.createServer((socket) => this.#accept(socket));
    this.#udp = dgram.createSocket('udp4');
    this.#udp.on('message', (packet) => this.#onUdp(packet));
  }

  get port(): number {
    return this.#port;
  }

  get udpPort(): number {
    return this.#udpPort;
  }

  /** Open TCP client sockets right now. */
  get openSockets(): number {
    return [...this.#clients].filter((client) => client.state !== 'closed').length;
  }

  /** Connection options pointing at this fake. */
  get sam(): { host: string; port: number } {
    return { host: this.host, port: this.#port };
  }

  b32Of(pub: string): string {
    return b32Of(pub);
  }

  async stop(): Promise<void> {
    for (const timer of this.#timers) clearTimeout(timer);
    for (const client of this.#clients) client.socket.destroy();
    for (const socket of this.#outgoing) socket.destroy();
    this.#udp.close();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  #later(ms: number, action: () => void): void {
    if (!Number.isFinite(ms)) return;
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      action();
    }, ms);
    this.#timers.add(timer);
  }

  #accept(socket: net.Socket): void {
    const client: Client = { socket, buffer: Buffer.alloc(0), state: 'handshake', version: 0, sessionId: undefined, peer: undefined, pending: [] };
    this.#clients.add(client);
    socket.on('data', (chunk: Buffer) => this.#onData(client, chunk));
    socket.on('error', () => undefined);
    socket.on('close', () => this.#onClose(client));
  }

  #write(client: Client, text: string, close = false): void {
    if (client.state === 'closed') return;
    if (close) {
      client.socket.end(text);
      client.state = 'closed';
    } else {
      client.socket.write(text);
    }
  }

  #terminate(client: Client): void {
    client.state = 'closed';
    client.socket.destroy();
  }

  #onData(client: Client, chunk: Buffer): void {
    if (client.state === 'closed') return;
    if (client.state === 'pipe' || client.state === 'acceptor') {
      if (client.peer) client.peer.write(chunk);
      else client.pending.push(chunk);
      return;
    }
    client.buffer = Buffer.concat([client.buffer, chunk]);
    const eol = client.buffer.indexOf(0x0a);
    if (eol === -1) return; // "SAM: Incomplete message": wait for the rest
    let line = client.buffer.subarray(0, eol).toString('utf8');
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const rest = client.buffer.subarray(eol + 1);
    // i2pd reads one message per read and drops what followed it in the same read, except
    // after STREAM CONNECT where it becomes stream data (SAM.cpp HandleMessage, ProcessStreamConnect).
    client.buffer = Buffer.alloc(0);
    this.received.push(line);
    if (client.state === 'handshake') {
      this.#handshake(client, line);
      return;
    }
    this.#command(client, line, rest);
  }

  #handshake(client: Client, line: string): void {
    const words = line.split(' ');
    if (words[0] !== 'HELLO' || words[1] !== 'VERSION') {
      this.#terminate(client); // "SAM: Handshake mismatch"
      return;
    }
    const params = extractParams(words.slice(2).join(' '));
    const version = this.#negotiate(params.get('MIN'), params.get('MAX'));
    if (version === undefined) {
      this.#write(client, 'HELLO REPLY RESULT=NOVERSION\n', true);
      return;
    }
    client.version = version;
    client.state = 'command';
    this.#write(client, `HELLO REPLY RESULT=OK VERSION=${Math.floor(version / 10)}.${version % 10}\n`);
  }

  #negotiate(minText: string | undefined, maxText: string | undefined): number | undefined {
    const high = this.profile.maxVersion;
    const ok = (v: number): boolean => v >= 30 && v <= high;
    if (this.profile.negotiation === '2.56') {
      const max = maxText === undefined ? 31 : versionNumber(maxText);
      const min = minText === undefined ? 30 : versionNumber(minText);
      if (ok(max)) return max;
      if (ok(min)) return min;
      if (min < 30 && max > high) return 30;
      return undefined;
    }
    const max = versionNumber(maxText);
    const min = versionNumber(minText);
    if (max && max <= high) return max;
    if (min && ok(min)) return min;
    if (!max && !min) return 30;
    return undefined;
  }

  #command(client: Client, line: string, rest: Buffer): void {
    const intercepted = this.#options.intercept?.(line);
    if (intercepted === 'silence') return;
    if (intercepted === 'close') {
      this.#terminate(client);
      return;
    }
    if (intercepted) {
      this.#write(client, intercepted.reply, intercepted.close ?? false);
      return;
    }
    const firstSpace = line.indexOf(' ');
    if (firstSpace === -1) {
      this.#terminate(client); // "SAM: Malformed message"
      return;
    }
    if (line.slice(0, firstSpace) === 'PING' && this.profile.ping !== 'close' && client.version >= 30) {
      this.#write(client, `PONG ${line.slice(firstSpace + 1)}\n`, this.profile.ping === 'pong-close');
      return;
    }
    const secondSpace = line.indexOf(' ', firstSpace + 1);
    const verb = secondSpace === -1 ? line : line.slice(0, secondSpace);
    const params = extractParams(secondSpace === -1 ? '' : line.slice(secondSpace + 1));
    switch (verb) {
      case 'SESSION CREATE':
        return this.#sessionCreate(client, params);
      case 'STREAM CONNECT':
        return this.#streamConnect(client, params, rest);
      case 'STREAM ACCEPT':
        return this.#streamAccept(client, params);
      case 'STREAM FORWARD':
        return this.#streamForward(client, params);
      case 'DEST GENERATE':
        return this.#destGenerate(client, params);
      case 'NAMING LOOKUP':
        return this.#namingLookup(client, params);
      default:
        this.#terminate(client); // "SAM: Unexpected message"
    }
  }

  #sessionCreate(client: Client, params: Map<string, string>): void {
    const id = params.get('ID') ?? '';
    if (/[<>"'/]/.test(id)) return this.#write(client, 'SESSION STATUS RESULT=INVALID_ID\n', true);
    if (this.sessions.has(id)) return this.#write(client, 'SESSION STATUS RESULT=DUPLICATED_ID\n', true);
    const style = params.get('STYLE') ?? '';
    if (!['STREAM', 'DATAGRAM', 'RAW'].includes(style)) {
      return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Unknown STYLE"\n', true);
    }
    let udpForward: FakeSession['udpForward'];
    const host = params.get('HOST');
    const port = params.get('PORT');
    if (style !== 'STREAM' && host !== undefined && port !== undefined) {
      if (net.isIP(host) === 0) return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Invalid IP Address in HOST"\n', true);
      udpForward = { host, port: Number(port) };
    }
    const destination = params.get('DESTINATION') ?? '';
    if (destination === '') return this.#write(client, 'SESSION STATUS RESULT=INVALID_KEY\n', true);
    let keys: Keys;
    if (destination === 'TRANSIENT') {
      keys = makeKeys(params.get('SIGNATURE_TYPE') === '7' ? 7 : 0);
    } else {
      const bytes = unb64(destination);
      const length = bytes && publicLength(bytes);
      if (!bytes || length === undefined || bytes.length <= length) return this.#write(client, 'SESSION STATUS RESULT=INVALID_KEY\n', true);
      keys = { pub: b64(bytes.subarray(0, length)), priv: destination };
    }
    const session: FakeSession = { id, style, keys, control: client, acceptors: [], forward: undefined, udpForward };
    this.sessions.set(id, session);
    client.state = 'session';
    client.sessionId = id;
    this.#later(this.#options.sessionReadyDelayMs ?? 0, () => {
      if (this.sessions.get(id) === session) this.#write(client, `SESSION STATUS RESULT=OK DESTINATION=${keys.priv}\n`);
    });
  }

  #findByDestination(destination: string): FakeSession | undefined {
    for (const session of this.sessions.values()) {
      if (session.keys.pub === destination || b32Of(session.keys.pub) === destination) return session;
    }
    return undefined;
  }

  #streamConnect(client: Client, params: Map<string, string>, rest: Buffer): void {
    if (client.state !== 'command') return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Socket already in use"\n', true);
    const session = this.sessions.get(params.get('ID') ?? '');
    if (!session) return this.#write(client, 'STREAM STATUS RESULT=INVALID_ID\n', true);
    const destination = params.get('DESTINATION') ?? '';
    let target: FakeSession | undefined;
    if (destination.includes('.i2p')) {
      if (!/^[a-z2-7]{52}\.b32\.i2p$/.test(destination)) return this.#write(client, 'STREAM STATUS RESULT=INVALID_KEY\n', true);
      target = this.#findByDestination(destination);
    } else {
      const bytes = unb64(destination);
      const length = bytes && publicLength(bytes);
      if (!bytes || length === undefined) return this.#write(client, 'STREAM STATUS RESULT=INVALID_KEY\n', true);
      target = this.#findByDestination(b64(bytes.subarray(0, length)));
    }
    if (target === session) return this.#write(client, 'STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="Can\'t connect to myself"\n', true);
    if (!target) return this.#write(client, 'STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="LeaseSet not found"\n', true);

    client.state = 'pipe';
    client.sessionId = session.id;
    if (rest.length > 0) client.pending.push(Buffer.from(rest)); // "Bytes written right after the CONNECT line are sent"
    this.#write(client, 'STREAM STATUS RESULT=OK\n');
    const source = session.keys.pub;
    const acceptor = target.acceptors.shift();
    if (acceptor) {
      acceptor.state = 'pipe';
      this.#link(client, acceptor.socket);
      this.#link(acceptor, client.socket);
      acceptor.socket.write(`${source}\n`);
      this.#flush(client);
      this.#flush(acceptor);
      return;
    }
    const forward = target.forward;
    if (forward) {
      const out = net.connect({ host: forward.host, port: forward.port });
      this.#outgoing.add(out);
      out.on('error', () => client.socket.destroy());
      out.on('close', () => this.#outgoing.delete(out));
      out.on('connect', () => {
        if (!forward.silent) out.write(`${source}\n`);
        this.#link(client, out);
        this.#flush(client);
      });
      out.on('data', (chunk: Buffer) => client.socket.write(chunk));
      out.on('end', () => client.socket.end());
      return;
    }
    // The LeaseSet was found but nobody accepts: i2pd said OK already, the stream dies later.
    this.#later(this.#options.okThenEofMs ?? 50, () => client.socket.end());
  }

  #link(from: Client, to: net.Socket): void {
    from.peer = to;
    from.socket.on('end', () => to.end());
  }

  #flush(client: Client): void {
    const pending = client.pending.splice(0);
    for (const chunk of pending) client.peer?.write(chunk);
  }

  #streamAccept(client: Client, params: Map<string, string>): void {
    if (client.state !== 'command') return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Socket already in use"\n', true);
    const session = this.sessions.get(params.get('ID') ?? '');
    if (!session) return this.#write(client, 'STREAM STATUS RESULT=INVALID_ID\n', true);
    client.state = 'acceptor';
    client.sessionId = session.id;
    session.acceptors.push(client);
    this.#write(client, 'STREAM STATUS RESULT=OK\n');
  }

  #streamForward(client: Client, params: Map<string, string>): void {
    const id = params.get('ID') ?? '';
    if (id === '') return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Missing ID"\n', true);
    const session = this.sessions.get(id);
    if (!session) return this.#write(client, 'STREAM STATUS RESULT=INVALID_ID\n', true);
    if (session.acceptors.length > 0 || session.forward) {
      return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Already accepting"\n', true);
    }
    const portText = params.get('PORT') ?? '';
    if (portText === '') return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="PORT is missing"\n', true);
    if (!/^\d+$/.test(portText)) return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Port must be numeric"\n', true);
    const hostParam = params.get('HOST') ?? '';
    if (hostParam !== '' && net.isIP(hostParam) === 0) {
      return this.#write(client, 'SESSION STATUS RESULT=I2P_ERROR MESSAGE="Invalid IP Address in HOST"\n', true);
    }
    const host = hostParam === '' ? (client.socket.remoteAddress ?? '127.0.0.1') : hostParam;
    client.state = 'forward';
    client.sessionId = id;
    session.forward = { host, port: Number(portText), silent: params.get('SILENT') === 'true', client };
    this.#write(client, 'STREAM STATUS RESULT=OK\n');
  }

  #destGenerate(client: Client, params: Map<string, string>): void {
    const keys = makeKeys(params.get('SIGNATURE_TYPE') === '7' ? 7 : 0, params.get('CRYPTO_TYPE') === '4' ? 4 : 0);
    this.#write(client, `DEST REPLY PUB=${keys.pub} PRIV=${keys.priv}\n`);
  }

  #namingLookup(client: Client, params: Map<string, string>): void {
    const name = params.get('NAME') ?? '';
    const own = client.state === 'session' && client.sessionId !== undefined ? this.sessions.get(client.sessionId) : undefined;
    let value: string | undefined;
    if (name === 'ME') value = (own?.keys ?? this.sharedKeys).pub;
    else value = this.#findByDestination(name)?.keys.pub;
    if (value === undefined) return this.#write(client, `NAMING REPLY RESULT=INVALID_KEY NAME=${name}\n`);
    this.#write(client, `NAMING REPLY RESULT=OK NAME=${name} VALUE=${value}\n`);
  }

  #onClose(client: Client): void {
    client.state = 'closed';
    client.peer?.end();
    for (const [id, session] of this.sessions) {
      if (session.control === client) {
        // The session dies with its control socket, and its listeners with it.
        this.sessions.delete(id);
        for (const acceptor of session.acceptors) acceptor.socket.destroy();
        session.forward?.client.socket.destroy();
      } else {
        const index = session.acceptors.indexOf(client);
        if (index !== -1) session.acceptors.splice(index, 1);
        if (session.forward?.client === client) session.forward = undefined;
      }
    }
  }

  /** UDP port: `<anything> <nick> <destination…>\n<payload>`, destination = rest of the line (SAM.cpp HandleReceivedDatagram). */
  #onUdp(packet: Buffer): void {
    const truncated = packet.subarray(0, 32768);
    this.udpReceived.push(Buffer.from(truncated));
    const eol = truncated.indexOf(0x0a);
    if (eol === -1) return;
    const header = truncated.subarray(0, eol).toString('utf8');
    const payload = truncated.subarray(eol + 1);
    const first = header.indexOf(' ');
    const second = first === -1 ? -1 : header.indexOf(' ', first + 1);
    if (second === -1) return;
    const from = this.sessions.get(header.slice(first + 1, second));
    const to = this.#findByDestination(header.slice(second + 1));
    if (!from || !to) return;
    this.deliverDatagram(to.id, from.keys.pub, payload, from.style === 'RAW');
  }

  /** Deliver a datagram to a session as i2pd would: UDP forward if configured, else on its control socket. */
  deliverDatagram(toSessionId: string, fromPub: string, payload: Buffer, raw = false): void {
    const to = this.sessions.get(toSessionId);
    if (!to) return;
    if (to.udpForward) {
      const message = raw || to.style === 'RAW' ? payload : Buffer.concat([Buffer.from(`${fromPub}\n`), payload]);
      this.#udp.send(message, to.udpForward.port, to.udpForward.host);
      return;
    }
    const header = to.style === 'RAW' ? `RAW RECEIVED SIZE=${payload.length}\n` : `DATAGRAM RECEIVED DESTINATION=${fromPub} SIZE=${payload.length}\n`;
    to.control.socket.write(Buffer.concat([Buffer.from(header), payload]));
  }
}

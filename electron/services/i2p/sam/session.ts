// SAM sessions (SESSION CREATE on a control socket whose lifetime *is* the session's) and the
// one-shot helpers DEST GENERATE and NAMING LOOKUP. Builds commands, reads typed replies;
// it never slices reply strings (replies.ts) and never reads a socket (connection.ts).

import { randomBytes } from 'node:crypto';
import type net from 'node:net';

import { SamConnection, type ControlDatagram, type SamConnectionOptions } from './connection';
import { destinationToB32, isValidDestination, publicDestinationFromPrivateKey } from './encoding';
import { SamInvalidArgument, SamProtocolError, type SamError } from './errors';
import { expectOk, parseDestReply, parseNamingReply, parseSessionStatus } from './replies';
import {
  streamAccept,
  streamConnect,
  streamForward,
  type AcceptOptions,
  type ConnectOptions,
  type ForwardOptions,
  type PendingAccept,
  type SamForward,
  type StreamTarget,
} from './stream';
import type { OptionValue } from './tokens';

export type SessionStyle = 'STREAM' | 'DATAGRAM' | 'RAW';

/**
 * EdDSA_SHA512_Ed25519. Both the spec and i2pd default to DSA_SHA1 (0), so we always send it;
 * numbers only, because i2pd matches names case-sensitively and silently falls back to DSA (observed on 2.45).
 */
export const DEFAULT_SIGNATURE_TYPE = 7;
/** i2pd answers SESSION CREATE only once tunnels are built (3-24 s seen), or never on a lone router. */
export const DEFAULT_CREATE_TIMEOUT_MS = 60_000;

export interface CreateSessionOptions extends SamConnectionOptions {
  style: SessionStyle;
  /** Nickname, unique on the bridge. Default: `underpass-<random hex>`. */
  id?: string;
  /** 'TRANSIENT' (default) or a persisted private key (the DESTINATION= of an earlier SESSION STATUS, or DEST REPLY PRIV=). */
  destination?: string;
  /** Only sent with TRANSIENT; a persisted key already fixes its type. */
  signatureType?: number;
  /**
   * I2CP and streaming options passed through (inbound.length, i2cp.leaseSetEncType, i2p.streaming.*).
   * Keys must be dotted lower-camel names, so they cannot override SAM's own upper-case keys.
   */
  i2cp?: Readonly<Record<string, OptionValue>>;
  /** DATAGRAM/RAW: forward received datagrams to this UDP endpoint (PORT= HOST=; i2pd needs both). */
  datagramForward?: { readonly host: string; readonly port: number };
  createTimeoutMs?: number;
}

export interface GeneratedDestination {
  readonly publicDestination: string;
  readonly privateKey: string;
  readonly b32Address: string;
}

const NICKNAME = /^[A-Za-z0-9_.~-]{1,128}$/;
const I2CP_KEY = /^[a-z][A-Za-z0-9]*(?:\.[A-Za-z0-9_-]+)+$/;

function checkI2cpOptions(options: Readonly<Record<string, OptionValue>>): Array<[string, OptionValue]> {
  return Object.entries(options).map(([key, value]) => {
    if (!I2CP_KEY.test(key)) {
      throw new SamInvalidArgument(key, 'I2CP option keys are dotted names like inbound.length or i2cp.leaseSetEncType');
    }
    if (typeof value === 'number' && !Number.isInteger(value)) throw new SamInvalidArgument(key, 'numeric options must be integers');
    return [key, value];
  });
}

function checkPort(name: string, port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new SamInvalidArgument(name, 'must be a port number 1-65535');
}

/** The connection settings every extra socket of this session reuses (streams say HELLO again). */
function socketOptions(options: SamConnectionOptions): SamConnectionOptions {
  const { host, port, minVersion, maxVersion, connectTimeoutMs, replyTimeoutMs, maxLineBytes } = options;
  return { host, port, minVersion, maxVersion, connectTimeoutMs, replyTimeoutMs, maxLineBytes };
}

/**
 * A live destination on the bridge. Closing it (or losing its socket) destroys the destination
 * and its tunnels (SAMv3 "SAM Sessions"); streams already detached keep running until they end.
 */
export class SamSession {
  readonly id: string;
  readonly style: SessionStyle;
  /** Full private key: persist it to keep this address across restarts. Secret: never log it. */
  readonly privateKey: string;
  readonly publicDestination: string;
  readonly b32Address: string;
  /** Resolves once, when the session's control socket is gone; with the reason unless close() was called. */
  readonly closed: Promise<SamError | undefined>;
  readonly #connection: SamConnection;
  readonly #target: StreamTarget;

  static async create(options: CreateSessionOptions): Promise<SamSession> {
    const id = options.id ?? `underpass-${randomBytes(6).toString('hex')}`;
    if (!NICKNAME.test(id)) throw new SamInvalidArgument('id', 'nickname must be 1-128 of A-Z a-z 0-9 _ . ~ -');
    const destination = options.destination ?? 'TRANSIENT';
    const i2cp = checkI2cpOptions(options.i2cp ?? {});
    const forward = options.datagramForward;
    if (forward) {
      if (options.style === 'STREAM') throw new SamInvalidArgument('datagramForward', 'only for DATAGRAM and RAW sessions');
      checkPort('datagramForward.port', forward.port);
    }

    const connection = await SamConnection.open(options);
    try {
      const line = await connection.request(
        ['SESSION', 'CREATE'],
        [
          ['STYLE', options.style],
          ['ID', id],
          ['DESTINATION', destination],
          ['SIGNATURE_TYPE', destination === 'TRANSIENT' ? (options.signatureType ?? DEFAULT_SIGNATURE_TYPE) : undefined],
          ['PORT', forward?.port],
          ['HOST', forward?.host],
          ...i2cp,
        ],
        { timeoutMs: options.createTimeoutMs ?? DEFAULT_CREATE_TIMEOUT_MS, label: 'SESSION CREATE' },
      );
      const status = expectOk(parseSessionStatus(line));
      if (status.destination === undefined) throw new SamProtocolError('SESSION STATUS RESULT=OK without DESTINATION');
      let publicDestination: string;
      try {
        publicDestination = publicDestinationFromPrivateKey(status.destination);
      } catch (cause) {
        throw new SamProtocolError('SESSION STATUS DESTINATION is not a private key', undefined, { cause });
      }
      return new SamSession(connection, {
        id,
        style: options.style,
        privateKey: status.destination,
        publicDestination,
        target: { sessionId: id, sam: socketOptions(options) },
      });
    } catch (error) {
      connection.close();
      throw error;
    }
  }

  private constructor(
    connection: SamConnection,
    fields: { id: string; style: SessionStyle; privateKey: string; publicDestination: string; target: StreamTarget },
  ) {
    this.#connection = connection;
    this.#target = fields.target;
    this.id = fields.id;
    this.style = fields.style;
    this.privateKey = fields.privateKey;
    this.publicDestination = fields.publicDestination;
    this.b32Address = destinationToB32(fields.publicDestination);
    this.closed = new Promise((resolve) => connection.once('close', resolve));
  }

  /** SAM version negotiated on the control socket. */
  get version(): string {
    return this.#connection.version;
  }

  get isOpen(): boolean {
    return this.#connection.isOpen;
  }

  /**
   * Datagrams delivered on the control socket (DATAGRAM/RAW without datagramForward). i2pd drops
   * anything over ~8 KB on this path (observed on 2.58: an 8 KiB socket buffer): prefer datagram.ts's UDP forwarding.
   */
  onDatagram(listener: (datagram: ControlDatagram) => void): () => void {
    this.#connection.on('datagram', listener);
    return () => this.#connection.off('datagram', listener);
  }

  /**
   * NAMING LOOKUP on the session socket: `ME`, `<x>.b32.i2p` (may trigger a network LeaseSet
   * lookup) or an address-book name. Unknown names fail with SamResultError INVALID_KEY on i2pd.
   */
  async lookup(name: string, options: { timeoutMs?: number } = {}): Promise<string> {
    return lookupOn(this.#connection, name, options.timeoutMs);
  }

  /** STREAM CONNECT on a new socket; resolves with the raw stream. */
  connect(destination: string, options: ConnectOptions = {}): Promise<net.Socket> {
    this.#requireStream('connect');
    return streamConnect(this.#target, destination, options);
  }

  /** STREAM ACCEPT on a new socket; resolves once the bridge is listening. */
  accept(options: AcceptOptions = {}): Promise<PendingAccept> {
    this.#requireStream('accept');
    return streamAccept(this.#target, options);
  }

  /** STREAM FORWARD to a local TCP listener. */
  forward(options: ForwardOptions): Promise<SamForward> {
    this.#requireStream('forward');
    return streamForward(this.#target, options);
  }

  /** Destroy the control socket, and with it the destination. Idempotent. */
  close(): void {
    this.#connection.close();
  }

  #requireStream(operation: string): void {
    if (this.style !== 'STREAM') throw new SamInvalidArgument(operation, `needs a STREAM session, this one is ${this.style}`);
  }
}

async function lookupOn(connection: SamConnection, name: string, timeoutMs: number | undefined): Promise<string> {
  const line = await connection.request(['NAMING', 'LOOKUP'], [['NAME', name]], { timeoutMs, label: 'NAMING LOOKUP' });
  const reply = expectOk(parseNamingReply(line));
  if (!isValidDestination(reply.value)) throw new SamProtocolError('NAMING REPLY VALUE is not a destination');
  return reply.value;
}

/** NAMING LOOKUP on a bare socket (`ME` there names the router's shared destination). */
export async function lookupName(name: string, options: SamConnectionOptions & { timeoutMs?: number } = {}): Promise<string> {
  const connection = await SamConnection.open(options);
  try {
    return await lookupOn(connection, name, options.timeoutMs);
  } finally {
    connection.close();
  }
}

/**
 * DEST GENERATE: a new key pair, nothing published. Checks that PUB is the destination inside PRIV.
 * `cryptoType` is i2pd's CRYPTO_TYPE extension (4 = X25519).
 */
export async function generateDestination(
  options: SamConnectionOptions & { signatureType?: number; cryptoType?: number; timeoutMs?: number } = {},
): Promise<GeneratedDestination> {
  const connection = await SamConnection.open(options);
  try {
    const line = await connection.request(
      ['DEST', 'GENERATE'],
      [
        ['SIGNATURE_TYPE', options.signatureType ?? DEFAULT_SIGNATURE_TYPE],
        ['CRYPTO_TYPE', options.cryptoType],
      ],
      { timeoutMs: options.timeoutMs, label: 'DEST GENERATE' },
    );
    const reply = expectOk(parseDestReply(line));
    let derived: string;
    try {
      derived = publicDestinationFromPrivateKey(reply.privateKey);
    } catch (cause) {
      throw new SamProtocolError('DEST REPLY PRIV is not a private key', undefined, { cause });
    }
    if (derived !== reply.publicDestination) throw new SamProtocolError('DEST REPLY PUB does not match PRIV');
    return { publicDestination: reply.publicDestination, privateKey: reply.privateKey, b32Address: destinationToB32(derived) };
  } finally {
    connection.close();
  }
}

// STREAM CONNECT / ACCEPT / FORWARD, each on a fresh socket that says HELLO first (SAMv3
// "Virtual Streams"). Owns the switch from SAM lines to raw bytes; it neither parses reply text
// (replies.ts) nor reads sockets itself (connection.ts does, until detach()).

import net from 'node:net';

import { SamConnection, type SamConnectionOptions } from './connection';
import { SamInvalidArgument, SamUnsupported, type SamError } from './errors';
import { expectOk, parsePeerLine, parseStreamStatus, type PeerLine } from './replies';

/** What a stream socket needs to know about its session. */
export interface StreamTarget {
  readonly sessionId: string;
  readonly sam: SamConnectionOptions;
}

/**
 * CONNECT waits for the LeaseSet lookup; i2pd answers within ms when it is known and gives up
 * with CANT_REACH_PEER otherwise, but a network lookup can take ~10 s (observed in a 3-router net).
 */
export const DEFAULT_STREAM_CONNECT_TIMEOUT_MS = 60_000;

export interface ConnectOptions {
  timeoutMs?: number;
  /** SAM 3.2+ I2CP ports. */
  fromPort?: number;
  toPort?: number;
}

export interface AcceptOptions {
  /** Deadline for the STREAM STATUS reply. */
  timeoutMs?: number;
  /** Deadline for a peer to arrive; 0 (default) waits until cancel(). */
  waitTimeoutMs?: number;
}

export interface AcceptedStream {
  /** Raw stream to the peer; attach an 'error' listener. */
  readonly socket: net.Socket;
  /** The peer line: its full destination (and ports from SAM 3.2 bridges). */
  readonly peer: PeerLine;
}

/** A registered STREAM ACCEPT. One accept serves one incoming stream: keep one pending, or use FORWARD. */
export interface PendingAccept {
  /** The next incoming stream. Rejects with SamSocketClosed after cancel() or if the bridge hangs up. */
  readonly incoming: Promise<AcceptedStream>;
  cancel(): void;
}

export interface ForwardOptions {
  /** Local TCP port the bridge connects to for each incoming stream. */
  port: number;
  /** IP literal only: i2pd rejects names ("Invalid IP Address in HOST"). Default 127.0.0.1. */
  host?: string;
  /** true: no peer-destination line on forwarded connections (the FORWARD reply is still sent). */
  silent?: boolean;
  timeoutMs?: number;
}

/** A live STREAM FORWARD; forwarding stops when it is closed (the bridge watches this socket). */
export interface SamForward {
  readonly host: string;
  readonly port: number;
  readonly silent: boolean;
  readonly closed: Promise<SamError | undefined>;
  close(): void;
}

function checkPort(name: string, port: number | undefined, min: number): void {
  if (port === undefined) return;
  if (!Number.isInteger(port) || port < min || port > 65535) throw new SamInvalidArgument(name, `must be an integer ${min}-65535`);
}

/**
 * STREAM CONNECT. Resolves with the socket as a raw pipe once RESULT=OK. i2pd says OK as soon as
 * it has the peer's LeaseSet, before the peer accepts: "OK, then EOF without data" means the
 * peer had no ACCEPT/FORWARD pending (observed on 2.45 and 2.58). SILENT=false always: with SILENT=true errors
 * would show up only as a closed socket.
 */
export async function streamConnect(target: StreamTarget, destination: string, options: ConnectOptions = {}): Promise<net.Socket> {
  checkPort('fromPort', options.fromPort, 0);
  checkPort('toPort', options.toPort, 0);
  const connection = await SamConnection.open(target.sam);
  try {
    if ((options.fromPort !== undefined || options.toPort !== undefined) && !connection.atLeast('3.2')) {
      throw new SamUnsupported('STREAM CONNECT FROM_PORT/TO_PORT', connection.version);
    }
    const line = await connection.request(
      ['STREAM', 'CONNECT'],
      [
        ['ID', target.sessionId],
        ['DESTINATION', destination],
        ['SILENT', 'false'],
        ['FROM_PORT', options.fromPort],
        ['TO_PORT', options.toPort],
      ],
      { timeoutMs: options.timeoutMs ?? DEFAULT_STREAM_CONNECT_TIMEOUT_MS, final: true, label: 'STREAM CONNECT' },
    );
    expectOk(parseStreamStatus(line));
    return connection.detach();
  } catch (error) {
    connection.close();
    throw error;
  }
}

/**
 * STREAM ACCEPT. Resolves when the bridge has registered it (STREAM STATUS RESULT=OK); then
 * `incoming` resolves with the first peer: the bridge writes the peer's destination line, and the
 * rest of the socket is the stream (SAMv3 "Accept Response").
 */
export async function streamAccept(target: StreamTarget, options: AcceptOptions = {}): Promise<PendingAccept> {
  const connection = await SamConnection.open(target.sam);
  // Queue both waits before yielding: the peer line may arrive in the same chunk as the status.
  const status = connection.request(
    ['STREAM', 'ACCEPT'],
    [
      ['ID', target.sessionId],
      ['SILENT', 'false'],
    ],
    { timeoutMs: options.timeoutMs, label: 'STREAM ACCEPT' },
  );
  const peerLine = connection.readLine({ timeoutMs: options.waitTimeoutMs ?? 0, final: true, label: 'incoming stream' });
  // If the status fails the bridge hangs up and this rejects too; the status error is the one reported.
  peerLine.catch(() => undefined);
  try {
    expectOk(parseStreamStatus(await status));
  } catch (error) {
    connection.close();
    throw error;
  }
  const incoming = peerLine.then(
    (line) => {
      try {
        const peer = parsePeerLine(line);
        return { socket: connection.detach(), peer };
      } catch (error) {
        connection.close();
        throw error;
      }
    },
    (error: unknown) => {
      connection.close();
      throw error;
    },
  );
  // Callers that cancel without awaiting `incoming` must not get an unhandled rejection.
  incoming.catch(() => undefined);
  return { incoming, cancel: () => connection.close() };
}

/**
 * STREAM FORWARD: the bridge connects to host:port for each incoming stream and writes the peer
 * line first unless silent. i2pd refuses it while an ACCEPT is pending on the session, with
 * SESSION STATUS RESULT=I2P_ERROR MESSAGE="Already accepting" (observed on 2.56).
 */
export async function streamForward(target: StreamTarget, options: ForwardOptions): Promise<SamForward> {
  const host = options.host ?? '127.0.0.1';
  if (net.isIP(host) === 0) throw new SamInvalidArgument('host', 'must be an IP address literal');
  checkPort('port', options.port, 1);
  const silent = options.silent ?? false;
  const connection = await SamConnection.open(target.sam);
  try {
    const line = await connection.request(
      ['STREAM', 'FORWARD'],
      [
        ['ID', target.sessionId],
        ['PORT', options.port],
        ['HOST', host],
        ['SILENT', silent],
      ],
      { timeoutMs: options.timeoutMs, label: 'STREAM FORWARD' },
    );
    expectOk(parseStreamStatus(line));
  } catch (error) {
    connection.close();
    throw error;
  }
  const closed = new Promise<SamError | undefined>((resolve) => connection.once('close', resolve));
  return { host, port: options.port, silent, closed, close: () => connection.close() };
}

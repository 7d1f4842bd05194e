// DATAGRAM/RAW sessions over UDP: send through the bridge's UDP port, receive on a local UDP
// socket the session forwards to (SESSION CREATE PORT= HOST=). Owns that UDP socket only; the
// control socket is SamSession's and the byte layouts are framing.ts's.

import dgram from 'node:dgram';
import { EventEmitter } from 'node:events';
import net from 'node:net';

import { DEFAULT_SAM_HOST, DEFAULT_SAM_PORT } from './connection';
import { isValidDestination } from './encoding';
import { SamError, SamInvalidArgument, SamProtocolError, SamSocketClosed } from './errors';
import { encodeDatagramPacket, splitForwardedDatagram } from './framing';
import { parsePeerLine } from './replies';
import { SamSession, type CreateSessionOptions } from './session';

/** The bridge's UDP port is its TCP port − 1 unless configured (i2pd sam.portudp, default 0 = TCP−1). */
export const DEFAULT_SAM_UDP_PORT = DEFAULT_SAM_PORT - 1;
/** Spec limit for repliable datagrams (SAMv3 "Sending Repliable or Raw Datagrams"). */
export const MAX_REPLIABLE_PAYLOAD_BYTES = 31_744;
/** i2pd reads at most 32768 bytes per UDP packet, header line included, and silently truncates (Datagram.h MAX_DATAGRAM_SIZE). */
export const MAX_UDP_PACKET_BYTES = 32_768;

export interface DatagramSessionOptions extends Omit<CreateSessionOptions, 'style' | 'datagramForward'> {
  /** DATAGRAM (repliable, signed, with sender) or RAW (anonymous, payload only). Default DATAGRAM. */
  style?: 'DATAGRAM' | 'RAW';
  /** Bridge UDP port; default: TCP port − 1 (7655 for 7656). */
  udpPort?: number;
  /** Where our receiving UDP socket binds; default 127.0.0.1. */
  listenHost?: string;
}

export interface ReceivedDatagram {
  readonly payload: Buffer;
  /** Sender's destination (DATAGRAM only: RAW datagrams are anonymous). */
  readonly source: string | undefined;
  readonly fromPort: number | undefined;
  readonly toPort: number | undefined;
}

export interface SamDatagramEvents {
  message: [datagram: ReceivedDatagram];
  /** A packet we ignored: from somewhere other than the bridge, or malformed. */
  dropped: [error: SamError, from: dgram.RemoteInfo];
  /** Once, when the session or the UDP socket is gone. */
  close: [error: Error | undefined];
}

function bindUdp(socket: dgram.Socket, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(new SamSocketClosed(`cannot bind UDP on ${host}`, { cause: error }));
    socket.once('error', onError);
    socket.bind(0, host, () => {
      socket.off('error', onError);
      resolve(socket.address().port);
    });
  });
}

/**
 * A DATAGRAM or RAW session plus its UDP plumbing. Delivery is unreliable: the first datagram
 * to a new peer is often lost while its LeaseSet is looked up (observed on 2.58), so retry or ack above.
 */
export class SamDatagramSession extends EventEmitter<SamDatagramEvents> {
  readonly session: SamSession;
  readonly style: 'DATAGRAM' | 'RAW';
  readonly #udp: dgram.Socket;
  readonly #samHost: string;
  readonly #udpPort: number;
  #closed = false;

  static async open(options: DatagramSessionOptions = {}): Promise<SamDatagramSession> {
    const style = options.style ?? 'DATAGRAM';
    const samHost = options.host ?? DEFAULT_SAM_HOST;
    const udpPort = options.udpPort ?? (options.port ?? DEFAULT_SAM_PORT) - 1;
    const listenHost = options.listenHost ?? '127.0.0.1';
    if (net.isIP(listenHost) === 0) throw new SamInvalidArgument('listenHost', 'must be an IP address literal');
    if (!Number.isInteger(udpPort) || udpPort < 1 || udpPort > 65535) throw new SamInvalidArgument('udpPort', 'must be a port number');

    const udp = dgram.createSocket(net.isIPv6(listenHost) ? 'udp6' : 'udp4');
    try {
      const port = await bindUdp(udp, listenHost);
      // udpPort/listenHost ride along in the spread; SESSION CREATE only reads what it knows.
      const session = await SamSession.create({ ...options, style, datagramForward: { host: listenHost, port } });
      return new SamDatagramSession(session, style, udp, samHost, udpPort);
    } catch (error) {
      udp.close();
      throw error;
    }
  }

  private constructor(session: SamSession, style: 'DATAGRAM' | 'RAW', udp: dgram.Socket, samHost: string, udpPort: number) {
    super();
    this.session = session;
    this.style = style;
    this.#udp = udp;
    this.#samHost = samHost;
    this.#udpPort = udpPort;
    udp.on('message', (packet, from) => this.#onPacket(packet, from));
    udp.on('error', (error) => this.#shutdown(error));
    void session.closed.then((error) => this.#shutdown(error));
  }

  /**
   * Send one datagram to a base64 destination. The UDP path takes no .b32.i2p names: i2pd
   * decodes the header's destination as base64 only (SAM.cpp HandleReceivedDatagram).
   */
  async send(destination: string, payload: Uint8Array): Promise<void> {
    if (this.#closed) throw new SamSocketClosed('datagram session is closed');
    if (!isValidDestination(destination)) throw new SamInvalidArgument('destination', 'must be a base64 destination');
    if (payload.length === 0) throw new SamInvalidArgument('payload', 'must not be empty');
    if (this.style === 'DATAGRAM' && payload.length > MAX_REPLIABLE_PAYLOAD_BYTES) {
      throw new SamInvalidArgument('payload', `repliable datagrams carry at most ${MAX_REPLIABLE_PAYLOAD_BYTES} bytes`);
    }
    const packet = encodeDatagramPacket(this.session.id, destination, payload);
    if (packet.length > MAX_UDP_PACKET_BYTES) {
      throw new SamInvalidArgument('payload', `header plus payload exceed ${MAX_UDP_PACKET_BYTES} bytes; the bridge would truncate it`);
    }
    await new Promise<void>((resolve, reject) => {
      this.#udp.send(packet, this.#udpPort, this.#samHost, (error) => (error ? reject(new SamSocketClosed('UDP send failed', { cause: error })) : resolve()));
    });
  }

  /** Close the session (destroying its destination) and the UDP socket. Idempotent. */
  close(): void {
    this.#shutdown(undefined);
  }

  #onPacket(packet: Buffer, from: dgram.RemoteInfo): void {
    // Any local process can write to a loopback UDP port; only the bridge's own UDP socket
    // (it forwards from the port it listens on) is believed.
    const fromBridge = from.port === this.#udpPort && (net.isIP(this.#samHost) === 0 || from.address === this.#samHost);
    if (!fromBridge) {
      this.emit('dropped', new SamProtocolError(`UDP datagram from ${from.address}:${from.port}, not from the SAM bridge`), from);
      return;
    }
    try {
      const frame = splitForwardedDatagram(packet, this.style === 'DATAGRAM');
      const peer = frame.header === undefined ? undefined : parsePeerLine(frame.header);
      this.emit('message', { payload: frame.payload, source: peer?.destination, fromPort: peer?.fromPort, toPort: peer?.toPort });
    } catch (error) {
      this.emit('dropped', error instanceof SamError ? error : new SamProtocolError('malformed forwarded datagram', undefined, { cause: error }), from);
    }
  }

  #shutdown(error: Error | undefined): void {
    if (this.#closed) return;
    this.#closed = true;
    this.session.close();
    try {
      this.#udp.close();
    } catch {
      // Already closed by an error; nothing left to release.
    }
    this.emit('close', error);
  }
}

// Byte framing for SAM: '\n'-terminated lines out of arbitrarily split chunks, the bytes that
// follow a reply (raw stream data, a datagram payload), and the UDP datagram envelope.
// Pure: no sockets, and it never looks inside a line (tokens.ts and replies.ts do that).

import { SamInvalidArgument, SamLineTooLong, SamProtocolError } from './errors';

/** Longest line we accept. i2pd writes replies from an 8 KiB buffer (SAM.h SAM_SOCKET_BUFFER_SIZE). */
export const DEFAULT_MAX_LINE_BYTES = 16 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Pull-based line reader. Lines are taken one at a time so the caller can stop right after
 * a STREAM STATUS / peer-destination line and take the remaining bytes as raw data
 * (SAMv3 "Connect Response": after RESULT=OK the socket carries the stream).
 */
export class LineFramer {
  #buffer: Buffer = Buffer.alloc(0);
  /** Bytes of #buffer already searched for '\n', so a long partial line is not rescanned. */
  #scanned = 0;

  constructor(readonly maxLineBytes: number = DEFAULT_MAX_LINE_BYTES) {}

  get bufferedBytes(): number {
    return this.#buffer.length;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.#buffer = this.#buffer.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.#buffer, chunk]);
  }

  /**
   * The next complete line without its '\n' (and without one trailing '\r': i2pd itself accepts
   * CRLF input, SAM.cpp HandleMessage), or undefined if none is complete yet.
   * Throws SamLineTooLong past the cap and SamProtocolError on invalid UTF-8
   * (SAM 3.2+ is UTF-8; 3.0/3.1 are 7-bit ASCII, a subset).
   */
  nextLine(): string | undefined {
    const eol = this.#buffer.indexOf(LF, this.#scanned);
    if (eol === -1) {
      this.#scanned = this.#buffer.length;
      if (this.#buffer.length > this.maxLineBytes) throw new SamLineTooLong(this.maxLineBytes);
      return undefined;
    }
    if (eol > this.maxLineBytes) throw new SamLineTooLong(this.maxLineBytes);
    const end = eol > 0 && this.#buffer[eol - 1] === CR ? eol - 1 : eol;
    const bytes = this.#buffer.subarray(0, end);
    this.#buffer = this.#buffer.subarray(eol + 1);
    this.#scanned = 0;
    try {
      return decoder.decode(bytes);
    } catch (cause) {
      throw new SamProtocolError('SAM line is not valid UTF-8', undefined, { cause });
    }
  }

  /** Exactly `size` bytes (a DATAGRAM RECEIVED payload), or undefined until that many are buffered. */
  takeBytes(size: number): Buffer | undefined {
    if (this.#buffer.length < size) return undefined;
    const out = Buffer.from(this.#buffer.subarray(0, size));
    this.#buffer = this.#buffer.subarray(size);
    this.#scanned = 0;
    return out;
  }

  /** Everything buffered after the last line taken: the first raw bytes of a stream. */
  takeRest(): Buffer {
    const rest = Buffer.from(this.#buffer);
    this.#buffer = Buffer.alloc(0);
    this.#scanned = 0;
    return rest;
  }
}

/**
 * UDP packet for the bridge's datagram port: `3.0 <nick> <destination>\n<payload>`
 * (SAMv3 "Sending Repliable or Raw Datagrams"). No options on the line: i2pd up to 2.58 reads
 * the destination up to the end of the line, so anything after it corrupts the key (SAM.cpp HandleReceivedDatagram).
 */
export function encodeDatagramPacket(nickname: string, destination: string, payload: Uint8Array): Buffer {
  for (const [name, value] of [
    ['nickname', nickname],
    ['destination', destination],
  ] as const) {
    if (value.length === 0 || /[\s\0]/.test(value)) {
      throw new SamInvalidArgument(name, 'must be one non-empty word without whitespace');
    }
  }
  return Buffer.concat([Buffer.from(`3.0 ${nickname} ${destination}\n`, 'utf8'), payload]);
}

/** A datagram the bridge forwarded to our UDP socket, split into its header line (if any) and payload. */
export interface ForwardedDatagramFrame {
  readonly header: string | undefined;
  readonly payload: Buffer;
}

/**
 * Split a forwarded datagram. Repliable (DATAGRAM) ones and RAW ones with HEADER=true start with
 * a header line (`<b64 dest>[ FROM_PORT=.. TO_PORT=..]\n`); plain RAW ones are the payload alone
 * (SAMv3 "Forwarding Raw or Repliable Datagrams").
 */
export function splitForwardedDatagram(packet: Uint8Array, hasHeader: boolean): ForwardedDatagramFrame {
  const buf = Buffer.from(packet.buffer, packet.byteOffset, packet.byteLength);
  if (!hasHeader) return { header: undefined, payload: Buffer.from(buf) };
  const eol = buf.indexOf(LF);
  if (eol === -1) throw new SamProtocolError('forwarded datagram has no header line');
  let header: string;
  try {
    header = decoder.decode(buf.subarray(0, eol));
  } catch (cause) {
    throw new SamProtocolError('forwarded datagram header is not valid UTF-8', undefined, { cause });
  }
  return { header, payload: Buffer.from(buf.subarray(eol + 1)) };
}

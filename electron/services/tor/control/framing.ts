// Byte-fed reply framer: raw control-port bytes in, complete replies out (control-spec §2.3, §2.4).
// Pure and synchronous: it never touches a socket, never interprets reply text, never throws
// anything but TorProtocolError.
import { StringDecoder } from 'node:string_decoder';
import { TorProtocolError } from './errors';

export type Divider = '-' | '+' | ' ';

export interface ReplyLine {
  status: number;
  divider: Divider;
  // Everything after the divider, without CRLF. For a '+' line this is e.g. "circuit-status=".
  text: string;
  // Only on '+' lines: the CmdData block, dot-unescaped, lines joined by "\n", no final newline.
  data?: string;
}

export interface Reply {
  status: number;
  lines: ReplyLine[];
}

// 6yz replies are asynchronous (control-spec §4): they answer SETEVENTS, not the pending command.
export type Frame = { kind: 'reply'; reply: Reply } | { kind: 'event'; reply: Reply };

export interface FramerOptions {
  // Longest line (bytes, without CRLF) we buffer before giving up. The spec sets no limit (§2.1),
  // so this is our own guard against a peer that never sends a newline.
  maxLineBytes?: number;
  // Largest whole reply. GETINFO ns/all on the public network is a few MB; 64 MiB is generous.
  maxReplyBytes?: number;
}

export const DEFAULT_MAX_LINE_BYTES = 1024 * 1024;
export const DEFAULT_MAX_REPLY_BYTES = 64 * 1024 * 1024;

const CR = 0x0d;

export function isAsyncStatus(status: number): boolean {
  return status >= 600 && status < 700;
}

export class ReplyFramer {
  private readonly maxLineBytes: number;
  private readonly maxReplyBytes: number;
  // Chunks are decoded once each; StringDecoder holds back a UTF-8 sequence split across chunks,
  // so lines are then cut on the decoded string (one native call per chunk, not per line).
  private readonly decoder = new StringDecoder('utf8');
  // Text of a line whose LF has not arrived yet.
  private partial = '';
  private lines: ReplyLine[] = [];
  private replyBytes = 0;
  private replyStatus = -1;
  // Non-null while inside a CmdData block started by a '+' line.
  private dataLines: string[] | null = null;
  private failure: TorProtocolError | null = null;

  constructor(options: FramerOptions = {}) {
    this.maxLineBytes = options.maxLineBytes ?? DEFAULT_MAX_LINE_BYTES;
    this.maxReplyBytes = options.maxReplyBytes ?? DEFAULT_MAX_REPLY_BYTES;
  }

  // True when a reply has started but not ended (or a line is half received).
  get midReply(): boolean {
    return this.partial.length > 0 || this.lines.length > 0 || this.dataLines !== null;
  }

  feed(chunk: Uint8Array): Frame[] {
    if (this.failure) throw this.failure;
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const out: Frame[] = [];
    try {
      const decoded = this.decoder.write(buf);
      const text = this.partial.length > 0 ? this.partial + decoded : decoded;
      let start = 0;
      for (;;) {
        const lf = text.indexOf('\n', start);
        if (lf === -1) break;
        this.takeLine(text, start, lf, out);
        start = lf + 1;
      }
      this.partial = start === 0 ? text : text.slice(start);
      if (this.partial.length > 0 && this.byteLength(this.partial) > this.maxLineBytes + 1) {
        throw new TorProtocolError(`line longer than ${this.maxLineBytes} bytes without a newline`);
      }
    } catch (err) {
      this.failure = err instanceof TorProtocolError ? err : new TorProtocolError(String(err), { cause: err });
      throw this.failure;
    }
    return out;
  }

  // Call when the byte stream ends. A half reply at EOF means we lost data, not that tor is done.
  end(): void {
    if (this.failure) throw this.failure;
    this.partial += this.decoder.end();
    if (this.dataLines !== null) {
      this.failure = new TorProtocolError('stream ended inside a data block (no terminating ".")');
    } else if (this.midReply) {
      this.failure = new TorProtocolError('stream ended in the middle of a reply');
    }
    if (this.failure) throw this.failure;
  }

  // Characters never outnumber UTF-8 bytes, so the exact count is only needed near the cap.
  private byteLength(text: string): number {
    return text.length * 3 <= this.maxLineBytes ? text.length : Buffer.byteLength(text, 'utf8');
  }

  // `lf` indexes the LF; the line must end in CR LF (control-spec §2.1: tor MUST NOT send bare LF).
  private takeLine(text: string, start: number, lf: number, out: Frame[]): void {
    if (lf === start || text.charCodeAt(lf - 1) !== CR) {
      throw new TorProtocolError(`line not terminated by CRLF: ${preview(text.slice(start, lf))}`);
    }
    const line = text.slice(start, lf - 1);
    const bytes = this.byteLength(line);
    if (bytes > this.maxLineBytes) {
      throw new TorProtocolError(`line longer than ${this.maxLineBytes} bytes`);
    }
    this.replyBytes += bytes + 2;
    if (this.replyBytes > this.maxReplyBytes) {
      throw new TorProtocolError(`reply larger than ${this.maxReplyBytes} bytes`);
    }
    if (this.dataLines !== null) {
      this.takeDataLine(line);
    } else {
      this.takeReplyLine(line, out);
    }
  }

  // CmdData (control-spec §2.4): ends at a line holding a single "."; a leading "." on any other
  // line is an escape added by tor (RFC 2821 §4.5.2 dot-stuffing) and is removed.
  private takeDataLine(text: string): void {
    const dataLines = this.dataLines as string[];
    if (text.charCodeAt(0) === 0x2e /* . */) {
      if (text.length === 1) {
        const owner = this.lines[this.lines.length - 1] as ReplyLine;
        owner.data = dataLines.join('\n');
        this.dataLines = null;
        return;
      }
      dataLines.push(text.slice(1));
    } else {
      dataLines.push(text);
    }
  }

  private takeReplyLine(text: string, out: Frame[]): void {
    if (text.length < 4) {
      throw new TorProtocolError(`reply line too short for a status code and divider: ${preview(text)}`);
    }
    const d0 = text.charCodeAt(0) - 48;
    const d1 = text.charCodeAt(1) - 48;
    const d2 = text.charCodeAt(2) - 48;
    if (d0 < 1 || d0 > 6 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) {
      throw new TorProtocolError(`bad status code in reply line: ${preview(text)}`);
    }
    const status = d0 * 100 + d1 * 10 + d2;
    const dividerChar = text.charCodeAt(3);
    let divider: Divider;
    if (dividerChar === 0x20) divider = ' ';
    else if (dividerChar === 0x2d) divider = '-';
    else if (dividerChar === 0x2b) divider = '+';
    else throw new TorProtocolError(`missing divider after status code: ${preview(text)}`);

    // control-spec §2.3: all lines of one reply share the status code. (MAPADDRESS replies are the
    // documented exception; we never send MAPADDRESS. An event interleaved inside a synchronous
    // reply — which §4.1 forbids — also lands here.)
    if (this.lines.length === 0) {
      this.replyStatus = status;
    } else if (status !== this.replyStatus) {
      throw new TorProtocolError(`status ${status} inside a reply that began with ${this.replyStatus}`);
    }

    const line: ReplyLine = { status, divider, text: text.slice(4) };
    this.lines.push(line);
    if (divider === '+') {
      this.dataLines = [];
    } else if (divider === ' ') {
      const reply: Reply = { status, lines: this.lines };
      this.lines = [];
      this.replyBytes = 0;
      this.replyStatus = -1;
      out.push(isAsyncStatus(status) ? { kind: 'event', reply } : { kind: 'reply', reply });
    }
  }
}

function preview(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}…` : text);
}

// Convenience for tests and scripts: frame a complete byte string in one go.
export function frameAll(bytes: Uint8Array | string, options?: FramerOptions): Frame[] {
  const framer = new ReplyFramer(options);
  const frames = framer.feed(typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  framer.end();
  return frames;
}

// The human-readable message of a reply: the text of its last line (e.g. "Unknown Onion Service id").
export function replyMessage(reply: Reply): string {
  const last = reply.lines[reply.lines.length - 1];
  return last ? last.text : '';
}

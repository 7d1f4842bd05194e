// Helpers every reply parser shares: success check and strict number parsing.
// No reply-specific knowledge lives here.
import { TorOperationFailed, TorProtocolError } from '../errors';
import { replyMessage, type Reply, type ReplyLine } from '../framing';

// control-spec §4: 2yz is success (250 OK, 251 "unnecessary", 252 used by ONION_CLIENT_AUTH_ADD).
export function isSuccess(status: number): boolean {
  return status >= 200 && status < 300;
}

export function expectSuccess(reply: Reply, command: string): void {
  if (!isSuccess(reply.status)) throw new TorOperationFailed(reply.status, replyMessage(reply), command);
}

// Lines before the final "250 OK" (most multi-line replies end with it, control-spec §3.9, §3.21).
export function bodyLines(reply: Reply, command: string): ReplyLine[] {
  expectSuccess(reply, command);
  const last = reply.lines[reply.lines.length - 1];
  if (!last || last.text !== 'OK') {
    throw new TorProtocolError(`${command} reply does not end with "OK": ${JSON.stringify(last?.text ?? '')}`);
  }
  return reply.lines.slice(0, -1);
}

// Decimal integer, optionally negative (SESSION_GROUP=-4). Hand-rolled: it runs for every BW event.
export function toInt(value: string, what: string): number {
  const n = value.length;
  let i = value.charCodeAt(0) === 0x2d /* - */ ? 1 : 0;
  if (n === i || n - i > 15) throw new TorProtocolError(`${what} is not an integer: ${JSON.stringify(value)}`);
  let result = 0;
  for (; i < n; i++) {
    const d = value.charCodeAt(i) - 48;
    if (d < 0 || d > 9) throw new TorProtocolError(`${what} is not an integer: ${JSON.stringify(value)}`);
    result = result * 10 + d;
  }
  return value.charCodeAt(0) === 0x2d ? -result : result;
}

export function optionalInt(value: string | undefined, what: string): number | undefined {
  return value === undefined ? undefined : toInt(value, what);
}

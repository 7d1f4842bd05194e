// EXTENDCIRCUIT reply → the (possibly new) circuit id (control-spec §3.10).
// Pure.
//
//   250 EXTENDED 42
import { TorProtocolError } from '../errors';
import type { Reply } from '../framing';
import { splitArgs } from '../keywords';
import { expectSuccess } from './common';

export function parseExtendCircuit(reply: Reply): string {
  expectSuccess(reply, 'EXTENDCIRCUIT');
  const line = reply.lines[reply.lines.length - 1];
  const { positional } = splitArgs(line?.text ?? '');
  const id = positional[1];
  if (positional[0] !== 'EXTENDED' || id === undefined || !/^[A-Za-z0-9]{1,16}$/.test(id)) {
    throw new TorProtocolError(`EXTENDCIRCUIT reply is not "EXTENDED <id>": ${JSON.stringify(line?.text ?? '')}`);
  }
  return id;
}

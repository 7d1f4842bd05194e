// GETCONF reply → option name → values (control-spec §3.3).
// Pure. A repeated option yields several values; "250 Key" without "=" (option unset / default
// differing from "") yields an empty list.
//
//   250-SocksPort=127.0.0.1:20100
//   250 __OwningControllerProcess
import { TorProtocolError } from '../errors';
import type { Reply } from '../framing';
import { splitKeyValue, unquoteIfQuoted } from '../keywords';
import { expectSuccess } from './common';

export function parseGetConf(reply: Reply): Record<string, string[]> {
  expectSuccess(reply, 'GETCONF');
  const values: Record<string, string[]> = Object.create(null) as Record<string, string[]>;
  // §3.3: with no keywords asked tor answers a bare "250 OK".
  if (reply.lines.length === 1 && reply.lines[0]?.text === 'OK') return values;
  for (const line of reply.lines) {
    if (line.divider === '+') throw new TorProtocolError('GETCONF reply with a data block');
    const { key, value } = splitKeyValue(line.text);
    if (key === '' || key.includes(' ')) throw new TorProtocolError(`bad GETCONF line: ${JSON.stringify(line.text.slice(0, 80))}`);
    const list = values[key] ?? (values[key] = []);
    // §3.3: "Value may be a raw value or a quoted string."
    if (value !== null) list.push(unquoteIfQuoted(value));
  }
  return values;
}

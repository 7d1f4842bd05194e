// GETINFO reply → key/value map, single-line and data-block values (control-spec §3.9).
// Pure; values stay raw strings — per-key parsers (circuit-status.ts, consensus.ts …) type them.
//
//   250-version=0.4.9.11
//   250+onions/current=
//   wfsxg6zxjghxf6mlclseb7qlu4rxb74eqlf26d3jrzl6vsyzdkxiohqd
//   .
//   250 OK
import { TorProtocolError } from '../errors';
import type { Reply } from '../framing';
import { splitKeyValue } from '../keywords';
import { bodyLines } from './common';

export function parseGetInfo(reply: Reply, requested?: readonly string[]): Record<string, string> {
  const values: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const line of bodyLines(reply, 'GETINFO')) {
    const { key, value } = splitKeyValue(line.text);
    if (value === null || key === '') throw new TorProtocolError(`GETINFO line is not key=value: ${JSON.stringify(line.text.slice(0, 80))}`);
    if (line.divider === '+') {
      // "250+key=" CRLF data "." — the value is the block; text after "=" (never sent by tor
      // today) would be its first line.
      const data = line.data ?? '';
      values[key] = value === '' ? data : `${value}\n${data}`;
    } else {
      values[key] = value;
    }
  }
  if (requested) {
    for (const key of Object.keys(values)) {
      if (!requested.includes(key)) throw new TorProtocolError(`GETINFO reply has a key that was not asked for: ${key}`);
    }
    for (const key of requested) {
      if (!(key in values)) throw new TorProtocolError(`GETINFO reply lacks the key ${key}`);
    }
  }
  return values;
}

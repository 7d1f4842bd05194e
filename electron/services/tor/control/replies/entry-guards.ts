// GETINFO entry-guards value → guard list (control-spec §3.9 "entry-guards").
// Pure.
//
//   250+entry-guards=
//   $B3A79CA7CE5A641C58802528E82CC9D8925C4A18~bridge up
//   .
//   250 OK
import { TorProtocolError } from '../errors';
import { parseServerId } from './relay-ref';

export type EntryGuardStatus = 'up' | 'never-connected' | 'down' | 'unusable' | 'unlisted' | (string & {});

export interface EntryGuard {
  fingerprint: string | undefined;
  nickname: string | undefined;
  status: EntryGuardStatus;
  // Optional ISOTime ("2012-01-11 12:15:33") tor appends for down/unlisted guards.
  since?: string;
}

// Line: LongName SP Status [SP ISOTime]; older tors use ServerID2 (bare hex or nickname).
export function parseEntryGuards(value: string): EntryGuard[] {
  const out: EntryGuard[] = [];
  for (const line of value.split('\n')) {
    if (line === '') continue;
    const words = line.split(' ');
    const name = words[0] as string;
    const status = words[1];
    if (name === '' || status === undefined) throw new TorProtocolError(`bad entry-guards line: ${JSON.stringify(line.slice(0, 80))}`);
    const ref = parseServerId(name);
    const guard: EntryGuard = {
      fingerprint: ref?.fingerprint,
      nickname: ref ? ref.nickname : name,
      status,
    };
    if (words.length > 2) guard.since = words.slice(2).join(' ');
    out.push(guard);
  }
  return out;
}

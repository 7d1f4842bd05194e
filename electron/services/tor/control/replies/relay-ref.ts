// Parses the ways tor names a relay on the control port (control-spec §2.4 ServerSpec / LongName).
// Only string → value; callers decide whether a missing fingerprint is an error.
import { TorProtocolError } from '../errors';

export interface RelayRef {
  fingerprint: string;
  nickname?: string;
}

const HEX40 = /^[0-9A-Fa-f]{40}$/;

// Upper-cased 40-hex fingerprint at text[from, from+40), or null. One pass, no regex: this runs
// for every hop of every CIRC event.
function fingerprintAt(text: string, from: number): string | null {
  if (text.length < from + 40) return null;
  let lower = false;
  for (let i = from; i < from + 40; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46)) continue;
    if (c >= 0x61 && c <= 0x66) {
      lower = true;
      continue;
    }
    return null;
  }
  const fp = text.slice(from, from + 40);
  return lower ? fp.toUpperCase() : fp;
}

// "$FP~nick", "$FP=nick" (tor < 0.3.1.3 marked Named relays with "="), or "$FP". Returns null for
// anything else (a bare nickname, "UNKNOWN", an address).
export function parseLongName(text: string): RelayRef | null {
  if (text.charCodeAt(0) !== 0x24 /* $ */) return null;
  const fingerprint = fingerprintAt(text, 1);
  if (fingerprint === null) return null;
  if (text.length === 41) return { fingerprint };
  const sep = text.charCodeAt(41);
  if ((sep !== 0x7e /* ~ */ && sep !== 0x3d) /* = */ || text.length === 42) return null;
  return { fingerprint, nickname: text.slice(42) };
}

// control-spec §4.1.1 Path = LongName *("," LongName).
export function parsePath(text: string | undefined): RelayRef[] {
  if (text === undefined || text === '') return [];
  const hops = text.split(',');
  const out: RelayRef[] = new Array<RelayRef>(hops.length);
  for (let i = 0; i < hops.length; i++) {
    const ref = parseLongName(hops[i] as string);
    if (!ref) throw new TorProtocolError(`bad relay in circuit path: ${JSON.stringify(hops[i])}`);
    out[i] = ref;
  }
  return out;
}

// entry-guards still uses ServerID2 (bare 40 hex, no "$": control-spec §3.9, the XXXX note).
export function parseServerId(text: string): RelayRef | null {
  const long = parseLongName(text);
  if (long) return long;
  if (HEX40.test(text)) return { fingerprint: text.toUpperCase() };
  return null;
}

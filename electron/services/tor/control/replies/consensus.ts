// Router status entries (GETINFO ns/all, ns/id/…, or a microdesc consensus file) → Relay[]
// (dir-spec §3.4.1 "r"/"a"/"s"/"v"/"pr"/"w"/"p"/"m" lines; microdesc flavor §3.9.2 drops the digest).
// Pure; it reads no files and fetches nothing.
//
//   250+ns/all=
//   r auth 6Q+M0XbGD9CBx639o+SHJt+eaCo k5yJ1Ij+yDmXlhzrHfbiTIPTsBE 2026-11-25 22:40:01 127.0.0.1 20000 20001
//   s Authority Exit Fast Guard HSDir Running Stable V2Dir Valid
//   w Bandwidth=0 Unmeasured=1
//   p accept 1-65535
//   .
//   250 OK
import { TorProtocolError } from '../errors';
import { splitArgs } from '../keywords';
import { toInt } from './common';

export interface Relay {
  nickname: string;
  // 40 upper-case hex characters, the same form CIRC paths use.
  fingerprint: string;
  // Base64 descriptor digest; absent in the microdesc flavor. Tor's ns/* answers may fill it with
  // zeros when it only has microdescriptors.
  descriptorDigest?: string;
  // "YYYY-MM-DD HH:MM:SS" UTC; dir-spec says to ignore it outside votes, kept for display only.
  published: string;
  address: string;
  orPort: number;
  dirPort: number;
  // "a" lines, e.g. "[2001:db8::1]:9001".
  orAddresses: string[];
  flags: string[];
  version?: string;
  protocols?: string;
  // "w Bandwidth=" in kilobytes per second (consensus weight).
  bandwidth?: number;
  unmeasured: boolean;
  exitPolicySummary?: string;
  microdescDigest?: string;
}

function identityToHex(identity: string): string {
  // dir-spec: base64 of the 20-byte digest with trailing "=" removed.
  const bytes = Buffer.from(identity, 'base64');
  if (bytes.length !== 20 || !/^[A-Za-z0-9+/]{27}=?$/.test(identity)) {
    throw new TorProtocolError(`bad relay identity in "r" line: ${JSON.stringify(identity)}`);
  }
  return bytes.toString('hex').toUpperCase();
}

function parseRLine(rest: string): Relay {
  const f = rest.split(' ');
  // ns flavor: nick identity digest date time ip orport dirport (8); microdesc flavor: 7.
  let digest: string | undefined;
  let i = 2;
  if (f.length === 8) {
    digest = f[2];
    i = 3;
  } else if (f.length !== 7) {
    throw new TorProtocolError(`"r" line has ${f.length} fields: ${JSON.stringify(rest.slice(0, 120))}`);
  }
  const relay: Relay = {
    nickname: f[0] as string,
    fingerprint: identityToHex(f[1] as string),
    published: `${f[i]} ${f[i + 1]}`,
    address: f[i + 2] as string,
    orPort: toInt(f[i + 3] as string, 'ORPort'),
    dirPort: toInt(f[i + 4] as string, 'DirPort'),
    orAddresses: [],
    flags: [],
    unmeasured: false,
  };
  if (digest !== undefined) relay.descriptorDigest = digest;
  return relay;
}

export function parseRouterStatusEntries(text: string): Relay[] {
  const relays: Relay[] = [];
  let current: Relay | undefined;
  for (const rawLine of text.split('\n')) {
    const line = rawLine.endsWith('\r') ? rawLine.slice(0, -1) : rawLine;
    const space = line.indexOf(' ');
    const keyword = space === -1 ? line : line.slice(0, space);
    const rest = space === -1 ? '' : line.slice(space + 1);
    if (keyword === 'r') {
      current = parseRLine(rest);
      relays.push(current);
      continue;
    }
    // Document headers before the first entry, and footers, are not ours to interpret.
    if (!current) continue;
    switch (keyword) {
      case 'a':
        current.orAddresses.push(rest);
        break;
      case 's':
        current.flags = rest === '' ? [] : rest.split(' ');
        break;
      case 'v':
        current.version = rest;
        break;
      case 'pr':
        current.protocols = rest;
        break;
      case 'w': {
        // dir-spec: "Clients MUST ignore keywords they do not recognize."
        const kw = splitArgs(rest).keywords;
        if (kw.Bandwidth !== undefined) current.bandwidth = toInt(kw.Bandwidth, 'Bandwidth');
        current.unmeasured = kw.Unmeasured === '1';
        break;
      }
      case 'p':
        current.exitPolicySummary = rest;
        break;
      case 'm':
        current.microdescDigest = rest;
        break;
      case 'directory-footer':
        current = undefined;
        break;
      default:
        break;
    }
  }
  return relays;
}

// Pure reader of the authority's cached-microdesc-consensus: which relays it lists and with which
// flags. The lab is ready when every node is listed Running and Valid (notes §2 start order).
// No I/O here.

export interface ConsensusRelay {
  nickname: string;
  /** RSA identity, 40 upper-case hex (decoded from the base64 `r` field). */
  fingerprint: string;
  address: string;
  orPort: number;
  flags: string[];
}

// dir-spec §3.4.1, microdesc flavour:
//   r auth 6Q+M0XbGD9CBx+r9o+SHJt+eaCo 2026-11-25 22:42:40 127.0.0.1 20000 20001
//   m Uo0uJ4xP1cfpSG9D+Vx1f6KcLrz7Bm2XzVm4bNvGzC0
//   s Authority Exit Fast Guard HSDir Running Stable V2Dir Valid
export function parseMicrodescConsensus(text: string): ConsensusRelay[] {
  const relays: ConsensusRelay[] = [];
  let current: ConsensusRelay | null = null;
  for (const raw of text.split('\n')) {
    const line = raw.trimEnd();
    if (line.startsWith('r ')) {
      const f = line.split(' ');
      const nickname = f[1];
      const identity = f[2];
      const address = f[5];
      const orPort = Number(f[6]);
      current = null;
      if (nickname === undefined || identity === undefined || address === undefined || !Number.isInteger(orPort)) continue;
      current = { nickname, fingerprint: identityToHex(identity), address, orPort, flags: [] };
      relays.push(current);
    } else if (line.startsWith('s ') && current) {
      current.flags = line.slice(2).split(' ').filter(Boolean);
    } else if (line.startsWith('directory-footer')) {
      break;
    }
  }
  return relays;
}

/** Nicknames of `expected` that the consensus does not yet list with Running and Valid (matched by fingerprint). */
export function missingFromConsensus(relays: ConsensusRelay[], expected: { nickname: string; fingerprint: string }[]): string[] {
  return expected
    .filter((e) => !relays.some((r) => r.fingerprint === e.fingerprint && r.flags.includes('Running') && r.flags.includes('Valid')))
    .map((e) => e.nickname);
}

function identityToHex(b64: string): string {
  // Base64 without padding, 27 characters for the 20-byte SHA-1 identity.
  return Buffer.from(b64, 'base64').toString('hex').toUpperCase();
}

// What one SAM bridge can do, from the SAM version HELLO negotiated and (when known) the i2pd
// version behind it, so a user-pointed older i2pd is driven the way it understands. Pure; the
// rules cite i2pd's SAM.cpp and what the lab notes observed on 2.45.1, 2.56 and 2.58/2.59.
import { compareVersions } from './connection';

/** "i2pd version 2.45.1 (0.9.57)" (--version), "2.59.0" (I2PControl i2p.router.version) → [2, 45, 1]. */
export function parseI2pdVersion(text: string): [number, number, number] | null {
  const m = /(?:^|i2pd version\s+)(\d+)\.(\d+)(?:\.(\d+))?\b/.exec(text.trim());
  if (!m) return null;
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

function atLeast(v: [number, number, number] | null, major: number, minor: number): boolean {
  return v !== null && (v[0] > major || (v[0] === major && v[1] >= minor));
}

export interface SamCapabilities {
  /** The negotiated SAM version (3.0–3.3). */
  readonly samVersion: string;
  /** Parsed i2pd version, null when unknown (or not i2pd). */
  readonly i2pd: [number, number, number] | null;
  /**
   * STYLE= for a primary session, or null when this bridge refuses one at this SAM version.
   * i2pd only knows MASTER, any version (PRIMARY → I2P_ERROR "Unknown STYLE"); from 2.58 it
   * declines MASTER below SAM 3.3 ("MASTER session is not supported", SAM.cpp, commit 83f9e109).
   * A bridge we cannot identify gets the spec's name from 3.3 on.
   */
  readonly primaryStyle: 'MASTER' | 'PRIMARY' | null;
  /** STYLE= values SESSION ADD accepts: STREAM only in every i2pd ("TODO: implement other styles"). */
  readonly subsessionStyles: readonly ('STREAM' | 'DATAGRAM' | 'RAW')[];
  /** PING/PONG: SAM 3.2+ (i2pd 2.58+; 2.56 and older hang up on PING). */
  readonly ping: boolean;
  /** FROM_PORT/TO_PORT on SESSION CREATE, CONNECT and datagrams: SAM 3.2+. */
  readonly ports: boolean;
  /**
   * Whether this i2pd can be a router of the loopback lab: before 2.51 it drops every incoming
   * NTCP2/SSU2 connection from 127/8 whatever reservedrange says (fixed in ca9782dd, 2.51.0).
   * null when the version is unknown.
   */
  readonly loopbackLab: boolean | null;
}

export function samCapabilities(samVersion: string, routerVersion: string | null): SamCapabilities {
  const i2pd = routerVersion === null ? null : parseI2pdVersion(routerVersion);
  const sam33 = compareVersions(samVersion, '3.3') >= 0;
  const sam32 = compareVersions(samVersion, '3.2') >= 0;
  let primaryStyle: SamCapabilities['primaryStyle'];
  if (i2pd === null) primaryStyle = sam33 ? 'PRIMARY' : 'MASTER';
  else if (atLeast(i2pd, 2, 58)) primaryStyle = sam33 ? 'MASTER' : null;
  else primaryStyle = 'MASTER';
  return {
    samVersion,
    i2pd,
    primaryStyle,
    subsessionStyles: i2pd === null ? ['STREAM', 'DATAGRAM', 'RAW'] : ['STREAM'],
    ping: sam32,
    ports: sam32,
    loopbackLab: i2pd === null ? null : atLeast(i2pd, 2, 51),
  };
}

/** One line for the log: "SAM 3.1 on i2pd 2.45.1: primary MASTER, subsessions STREAM, no PING, no ports". */
export function describeCapabilities(c: SamCapabilities): string {
  const router = c.i2pd ? `i2pd ${c.i2pd.join('.')}` : 'an unidentified bridge';
  return [
    `SAM ${c.samVersion} on ${router}: primary ${c.primaryStyle ?? 'unsupported'}`,
    `subsessions ${c.subsessionStyles.join('/')}`,
    c.ping ? 'PING' : 'no PING',
    c.ports ? 'ports' : 'no ports',
  ].join(', ');
}

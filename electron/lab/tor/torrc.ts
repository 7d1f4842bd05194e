// Pure builders for the private Tor lab's torrc files (authority, relays, obfs4 bridge, key generation)
// and the lines a client tor adds to join the lab. No I/O here. Every text these return carries
// `TestingTorNetwork 1` and exactly the lab's own DirAuthority, and names no address outside 127.0.0.0/8.

/** Every lab listener binds here; the netns (or ExitPolicy reject) keeps traffic on this host. */
export const LAB_HOST = '127.0.0.1';

export class LabTorrcError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabTorrcError';
  }
}

export interface DirAuthorityInfo {
  nickname: string;
  orPort: number;
  dirPort: number;
  /** v3 identity: `fingerprint` line of tor-gencert's authority_certificate (40 hex). */
  v3ident: string;
  /** RSA identity of the authority relay: `tor --list-fingerprint` (40 hex, no spaces). */
  fingerprint: string;
}

/** The value of the DirAuthority line, e.g. `auth orport=20000 no-v2 v3ident=2E7F… 127.0.0.1:20001 C23A…`. */
export function dirAuthorityValue(a: DirAuthorityInfo): string {
  assertNickname(a.nickname);
  assertPort(a.orPort);
  assertPort(a.dirPort);
  assertFingerprint(a.v3ident, 'v3ident');
  assertFingerprint(a.fingerprint, 'fingerprint');
  return `${a.nickname} orport=${a.orPort} no-v2 v3ident=${a.v3ident} ${LAB_HOST}:${a.dirPort} ${a.fingerprint}`;
}

/** Options every lab tor shares. */
export interface NodeCommon {
  dataDir: string;
  /** From dirAuthorityValue(); the only directory authority this tor will ever know. */
  dirAuthority: string;
  /** The app's pid: tor polls it and exits once it is gone (notes §4: allow ≥15 s), so no lab tor outlives a crash. */
  owningPid?: number;
  /** Bundled geoip files; without them tor warns (a bridge wants country stats). */
  geoip?: { ipv4: string; ipv6: string } | null;
}

export interface RelayCommon extends NodeCommon {
  nickname: string;
  orPort: number;
  /** `ControlPort unix:<path>`: readable across network namespaces, unlike a TCP port in the lab netns. */
  controlSocket: string;
  /** Tor writes `UNIX_PORT=<path>` here once its listeners are open: the per-node readiness signal. */
  controlPortFile: string;
}

export interface AuthorityTorrc extends RelayCommon {
  dirPort: number;
  /** Own RSA fingerprint: only the authority is voted HSDir (relays run DirCache 0, notes §7.5). */
  fingerprint: string;
  /** false when no network namespace isolates the lab: then no node may exit (ExitPolicy reject *:*). */
  exits: boolean;
}

export interface RelayTorrc extends RelayCommon {
  exits: boolean;
}

export interface BridgeTorrc extends RelayCommon {
  /** argv of the obfs4 server transport (lyrebird), joined into the exec line. */
  transportArgv: string[];
  obfs4Port: number;
}

export interface KeygenTorrc {
  dataDir: string;
  nickname: string;
  orPort: number;
}

function head(o: NodeCommon): string[] {
  return [
    'TestingTorNetwork 1',
    `DataDirectory ${quoteValue(o.dataDir)}`,
    `PidFile ${quoteValue(`${o.dataDir}/tor.pid`)}`,
    `Log notice file ${quoteValue(`${o.dataDir}/notice.log`)}`,
    // stdout goes to the supervisor's scoped logger; notice.log stays for post-mortems.
    'Log notice stdout',
    'SafeLogging 0',
    // ShutdownWaitLength 0: SIGTERM ends a relay at once (whole lab down in 1.3–2.1 s, notes §3).
    'ShutdownWaitLength 0',
    'RunAsDaemon 0',
    ...(o.owningPid !== undefined ? [`__OwningControllerProcess ${o.owningPid}`] : []),
    ...(o.geoip ? [`GeoIPFile ${quoteValue(o.geoip.ipv4)}`, `GeoIPv6File ${quoteValue(o.geoip.ipv6)}`] : []),
  ];
}

function relayHead(o: RelayCommon): string[] {
  assertNickname(o.nickname);
  assertPort(o.orPort);
  return [
    ...head(o),
    `Nickname ${o.nickname}`,
    'ContactInfo lab@lab.invalid',
    `Address ${LAB_HOST}`,
    `ORPort ${LAB_HOST}:${o.orPort}`,
    'SocksPort 0',
    `ControlPort ${unixSocketValue(o.controlSocket)}`,
    `ControlPortWriteToFile ${quoteValue(o.controlPortFile)}`,
    'CookieAuthentication 1',
    // Nothing outside can test our reachability in a loopback-only namespace.
    'AssumeReachable 1',
  ];
}

function exitLines(exits: boolean): string[] {
  // Notes §7.1: a 127.0.0.0/8-only policy reads as "no exits" (microdesc summaries ignore private
  // addresses), so exits accept *:*; only the netns keeps that on this host. Without one: no exits.
  return exits
    ? [
        ...['ExitRelay 1', 'ExitPolicy accept *:*', 'ExitPolicyRejectPrivate 0', 'ExitPolicyRejectLocalInterfaces 0'],
        // An exit whose consensus does not list the previous hop yet ends the stream with MISC
        // ("from unknown relay"); lab relays join within seconds of each other, so that race is common.
        'RefuseUnknownExits 0',
      ]
    : ['ExitRelay 0', 'ExitPolicy reject *:*'];
}

export function authorityTorrc(o: AuthorityTorrc): string {
  assertPort(o.dirPort);
  assertFingerprint(o.fingerprint, 'fingerprint');
  return render(
    [
      ...relayHead(o),
      ...exitLines(o.exits),
      `DirPort ${LAB_HOST}:${o.dirPort}`,
      'AuthoritativeDirectory 1',
      'V3AuthoritativeDirectory 1',
      // Notes §7.8: initial 5 s with 2+2 s delays voted in every run; 10 s is the testing-mode minimum.
      'TestingV3AuthInitialVotingInterval 5',
      'TestingV3AuthInitialVoteDelay 2',
      'TestingV3AuthInitialDistDelay 2',
      'V3AuthVotingInterval 10',
      'V3AuthVoteDelay 2',
      'V3AuthDistDelay 2',
      ...(o.exits ? ['TestingDirAuthVoteExit *'] : []),
      'TestingDirAuthVoteGuard *',
      // Only the authority is an HSDir: DirCache 0 relays refuse HS descriptors (notes §7.5).
      `TestingDirAuthVoteHSDir ${o.fingerprint}`,
      `DirAuthority ${o.dirAuthority}`,
    ],
    o.dirAuthority,
  );
}

export function relayTorrc(o: RelayTorrc): string {
  return render(
    [
      ...relayHead(o),
      ...exitLines(o.exits),
      // Notes §7.4: relays as directory caches stalled clients 61%→75% for ~10 s; fetch from the authority only.
      'DirCache 0',
      `DirAuthority ${o.dirAuthority}`,
    ],
    o.dirAuthority,
  );
}

export function bridgeTorrc(o: BridgeTorrc): string {
  assertPort(o.obfs4Port);
  return render(
    [
      ...relayHead(o),
      'BridgeRelay 1',
      'ExitRelay 0',
      'ExitPolicy reject *:*',
      // Unpublished: the bridge is not in the consensus and still works (notes §5).
      'PublishServerDescriptor 0',
      // Its own circuits hit the guard stall of notes §7.6 (bootstrap at 75%+ for 15–60 s); the
      // clients' fix works here too. (No ConfluxEnabled 0: on a relay tor warns it may be marked BadExit.)
      'UseEntryGuards 0',
      `ServerTransportPlugin obfs4 exec ${execValue(o.transportArgv)}`,
      `ServerTransportListenAddr obfs4 ${LAB_HOST}:${o.obfs4Port}`,
      'ExtORPort auto',
      // The bridge still needs the lab authority: it fetches the consensus, relays test its ORPort.
      `DirAuthority ${o.dirAuthority}`,
    ],
    o.dirAuthority,
  );
}

/**
 * For `tor --list-fingerprint` only, before the authority's fingerprint exists. TestingTorNetwork
 * refuses to start without a non-default DirAuthority, so this carries a loopback placeholder
 * (all-zero fingerprint) and DisableNetwork 1: it never listens nor dials.
 */
export function keygenTorrc(o: KeygenTorrc): string {
  assertNickname(o.nickname);
  assertPort(o.orPort);
  const placeholder = `keygen orport=${o.orPort} no-v2 ${LAB_HOST}:${o.orPort} ${'0'.repeat(40)}`;
  return render(
    [
      'TestingTorNetwork 1',
      'DisableNetwork 1',
      `DataDirectory ${quoteValue(o.dataDir)}`,
      `Nickname ${o.nickname}`,
      `Address ${LAB_HOST}`,
      `ORPort ${LAB_HOST}:${o.orPort}`,
      'SocksPort 0',
      `DirAuthority ${placeholder}`,
    ],
    placeholder,
  );
}

/**
 * What a client tor (the app's own, a test client, a service tor) adds to join the lab. It must not
 * add another DirAuthority. Ports/sockets and DataDirectory are the caller's.
 */
export function clientLabLines(dirAuthority: string): string[] {
  return [
    'TestingTorNetwork 1',
    `DirAuthority ${dirAuthority}`,
    // Fetch directory info at once instead of waiting for a user request (notes §2, run 4).
    'TestingClientMaxIntervalWithoutRequest 1',
    'ConfluxEnabled 0',
    // Notes §7.6: without it 2 of 7 runs stalled ~22 s at 75% ("All current guards excluded").
    'UseEntryGuards 0',
  ];
}

/** A client that reaches the lab only through the obfs4 bridge. No UseEntryGuards 0: bridges are its guards. */
export function bridgeClientLabLines(dirAuthority: string, transportArgv: string[], bridgeLine: string): string[] {
  if (!/^obfs4 /.test(bridgeLine) || /[\r\n]/.test(bridgeLine)) throw new LabTorrcError(`not an obfs4 bridge line: ${bridgeLine}`);
  return [
    'TestingTorNetwork 1',
    `DirAuthority ${dirAuthority}`,
    'TestingClientMaxIntervalWithoutRequest 1',
    'ConfluxEnabled 0',
    'UseBridges 1',
    `ClientTransportPlugin obfs4 exec ${execValue(transportArgv)}`,
    `Bridge ${bridgeLine}`,
  ];
}

/**
 * lyrebird writes pt_state/obfs4_bridgeline.txt as a template
 * (`Bridge obfs4 <IP ADDRESS>:<PORT> <FINGERPRINT> cert=… iat-mode=0`, after `#` comments);
 * returns the filled value without the leading `Bridge ` keyword.
 */
export function fillBridgeLine(template: string, port: number, fingerprint: string): string {
  assertPort(port);
  assertFingerprint(fingerprint, 'bridge fingerprint');
  const line = template
    .split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.startsWith('Bridge obfs4 '));
  if (!line) throw new LabTorrcError('no "Bridge obfs4" line in the bridge line file');
  const filled = line
    .replace(/^Bridge /, '')
    .replace('<IP ADDRESS>', LAB_HOST)
    .replace('<PORT>', String(port))
    .replace('<FINGERPRINT>', fingerprint);
  if (!/^obfs4 127\.0\.0\.1:\d+ [0-9A-F]{40} cert=\S+ iat-mode=\d$/.test(filled)) {
    throw new LabTorrcError(`unexpected bridge line shape: ${filled}`);
  }
  return filled;
}

/**
 * The last line of defence against a torrc that could reach the real network: TestingTorNetwork 1,
 * exactly one DirAuthority (the lab's), no FallbackDir, and no IP address outside 127.0.0.0/8.
 */
export function assertLabTorrc(text: string, dirAuthority: string): void {
  const lines = text.split('\n').map((l) => l.trim());
  if (!lines.includes('TestingTorNetwork 1')) throw new LabTorrcError('torrc lacks "TestingTorNetwork 1"');
  const dirAuths = lines.filter((l) => /^(?:Alternate)?(?:DirAuthority|BridgeAuthority|DirAuthorities)\b/i.test(l) || /^DirServer\b/i.test(l));
  if (dirAuths.length !== 1 || dirAuths[0] !== `DirAuthority ${dirAuthority}`) {
    throw new LabTorrcError(`torrc must name exactly the lab DirAuthority, found: ${dirAuths.join(' | ') || 'none'}`);
  }
  if (lines.some((l) => /^FallbackDir\b/i.test(l))) throw new LabTorrcError('torrc must not name a FallbackDir');
  for (const m of text.matchAll(/(?<![\d.])(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?![\d.])/g)) {
    if (m[1] !== '127') throw new LabTorrcError(`torrc names a non-loopback address: ${m[0]}`);
  }
  if (/\[[0-9a-f:]*:[0-9a-f:]*\]/i.test(text)) throw new LabTorrcError('torrc names an IPv6 address');
}

function render(lines: string[], dirAuthority: string): string {
  const text = `${lines.join('\n')}\n`;
  assertLabTorrc(text, dirAuthority);
  return text;
}

/** torrc values with spaces or quotes are written as C-style quoted strings; newlines would inject lines. */
export function quoteValue(value: string): string {
  if (/[\r\n\0]/.test(value)) throw new LabTorrcError(`torrc value contains a line break: ${JSON.stringify(value)}`);
  if (!/[\s"\\#]/.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function unixSocketValue(path: string): string {
  // sun_path holds 108 bytes including the NUL; tor refuses longer paths.
  if (Buffer.byteLength(path) > 100) throw new LabTorrcError(`unix socket path too long (>100 bytes): ${path}`);
  return `unix:${quoteValue(path)}`;
}

function execValue(argv: string[]): string {
  // tor splits the exec value on spaces itself, so no element may contain whitespace.
  if (argv.length === 0 || argv.some((a) => a === '' || /[\s"]/.test(a))) {
    throw new LabTorrcError(`transport plugin argv must be non-empty words without spaces: ${JSON.stringify(argv)}`);
  }
  return argv.join(' ');
}

function assertPort(port: number): void {
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new LabTorrcError(`invalid port ${port}`);
}

function assertNickname(nickname: string): void {
  if (!/^[A-Za-z0-9]{1,19}$/.test(nickname)) throw new LabTorrcError(`invalid relay nickname ${JSON.stringify(nickname)}`);
}

function assertFingerprint(fpr: string, what: string): void {
  if (!/^[0-9A-F]{40}$/.test(fpr)) throw new LabTorrcError(`invalid ${what} ${JSON.stringify(fpr)} (40 upper-case hex)`);
}

// Pure encoders: typed arguments in, one command line (with CRLF) out (control-spec §2.2, §3).
// Every argument is validated here, so nothing a caller passes can add a second command line;
// this file never sends, never reads replies, and never logs.
import { TorArgumentError } from './errors';

const CRLF = '\r\n';

// control-spec §2.1: in a QuotedString only backslash and quote need escaping, and tor parses
// controller-sent QuotedStrings properly (§2.1.1, last paragraph). CR and LF cannot be written at
// all (a backslash-n would mean the letter n), so they are refused rather than escaped.
export function quoteString(value: string): string {
  assertNoLineBreak(value, 'quoted value');
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

export function assertNoLineBreak(value: string, what: string): void {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x0d || c === 0x0a || c === 0x00) {
      throw new TorArgumentError(`${what} must not contain CR, LF or NUL`);
    }
  }
}

function checkToken(value: string, pattern: RegExp, what: string): string {
  assertNoLineBreak(value, what);
  if (!pattern.test(value)) throw new TorArgumentError(`invalid ${what}: ${JSON.stringify(value.slice(0, 80))}`);
  return value;
}

// No whitespace, no control characters, no quotes: anything tor would split or misread.
const BARE_WORD = /^[\x21\x23-\x7e]+$/;
const CONFIG_KEY = /^[A-Za-z0-9_]+$/;
const EVENT_NAME = /^[A-Za-z_]+$/;
const SIGNAL_NAME = /^[A-Za-z0-9_]+$/;
// control-spec §2.4: CircuitID / StreamID = 1*16 IDChar, IDChar = ALPHA / DIGIT.
const ID = /^[A-Za-z0-9]{1,16}$/;
// §2.4 ServerSpec = LongName / Nickname; LongName = "$" 40*HEXDIG [("~" / "=") Nickname].
const SERVER_SPEC = /^(?:\$[0-9A-Fa-f]{40}(?:[~=][A-Za-z0-9]{1,19})?|[A-Za-z0-9]{1,19})$/;
// A v3 onion address without ".onion" (rend-spec-v3: 56 base32 characters).
const SERVICE_ID = /^[a-z2-7]{56}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
// §3.27 V3Key: base32 x25519 public key, unpadded (52 characters for 32 bytes).
const V3_CLIENT_KEY = /^[A-Za-z2-7]{52}$/;
const FLAG = /^[A-Za-z0-9_]+$/;
const CLIENT_NAME = /^[A-Za-z0-9+\-_]{1,16}$/;

export function configKey(key: string): string {
  return checkToken(key, CONFIG_KEY, 'configuration key');
}

export function circuitId(id: string | number): string {
  return checkToken(String(id), ID, 'circuit id');
}

export function streamId(id: string | number): string {
  return checkToken(String(id), ID, 'stream id');
}

export function serviceId(id: string): string {
  return checkToken(id, SERVICE_ID, 'onion service id (56 base32 characters, no ".onion")');
}

// --- authentication (§3.5, §3.21, §3.24) -------------------------------------------------------

export function encodeProtocolInfo(): string {
  return `PROTOCOLINFO 1${CRLF}`;
}

export type AuthenticateArgument = { hex: Uint8Array } | { password: string } | null;

// §3.5: a hex token (COOKIE, SAFECOOKIE) or a QuotedString password; bare AUTHENTICATE for NULL.
export function encodeAuthenticate(arg: AuthenticateArgument): string {
  if (arg === null) return `AUTHENTICATE${CRLF}`;
  if ('hex' in arg) {
    if (arg.hex.length === 0) throw new TorArgumentError('authentication token must not be empty');
    return `AUTHENTICATE ${Buffer.from(arg.hex).toString('hex')}${CRLF}`;
  }
  return `AUTHENTICATE ${quoteString(arg.password)}${CRLF}`;
}

export function encodeAuthChallenge(clientNonce: Uint8Array): string {
  if (clientNonce.length === 0) throw new TorArgumentError('client nonce must not be empty');
  return `AUTHCHALLENGE SAFECOOKIE ${Buffer.from(clientNonce).toString('hex')}${CRLF}`;
}

// --- information and configuration (§3.1–3.4, §3.9) ---------------------------------------------

export function encodeGetInfo(keys: readonly string[]): string {
  if (keys.length === 0) throw new TorArgumentError('GETINFO needs at least one key');
  return `GETINFO ${keys.map((k) => checkToken(k, BARE_WORD, 'GETINFO key')).join(' ')}${CRLF}`;
}

export function encodeGetConf(keys: readonly string[]): string {
  if (keys.length === 0) throw new TorArgumentError('GETCONF needs at least one key');
  return `GETCONF ${keys.map(configKey).join(' ')}${CRLF}`;
}

export type ConfValue = string | readonly string[] | null;

// §3.1: "SETCONF" 1*(SP keyword ["=" value]). Values are always quoted (safe for spaces, e.g.
// `Bridge obfs4 …`); a list repeats the key (multi-valued options, §3.1 "ORListenAddress"); null
// sends the bare keyword, which resets the option to 0/NULL.
export function encodeSetConf(settings: Readonly<Record<string, ConfValue>>): string {
  return encodeConfAssignments('SETCONF', settings);
}

// §3.2: RESETCONF resets to the default, then applies the given String (usually none).
export function encodeResetConf(keysOrSettings: readonly string[] | Readonly<Record<string, ConfValue>>): string {
  if (Array.isArray(keysOrSettings)) {
    const keys = keysOrSettings as readonly string[];
    if (keys.length === 0) throw new TorArgumentError('RESETCONF needs at least one key');
    return `RESETCONF ${keys.map(configKey).join(' ')}${CRLF}`;
  }
  return encodeConfAssignments('RESETCONF', keysOrSettings as Readonly<Record<string, ConfValue>>);
}

function encodeConfAssignments(command: string, settings: Readonly<Record<string, ConfValue>>): string {
  const parts: string[] = [];
  for (const [key, value] of Object.entries(settings)) {
    const k = configKey(key);
    if (value === null) parts.push(k);
    else if (typeof value === 'string') parts.push(`${k}=${quoteString(value)}`);
    else {
      if (value.length === 0) parts.push(k);
      for (const v of value) parts.push(`${k}=${quoteString(v)}`);
    }
  }
  if (parts.length === 0) throw new TorArgumentError(`${command} needs at least one setting`);
  return `${command} ${parts.join(' ')}${CRLF}`;
}

// §3.7 signals, plus the POSIX aliases tor accepts.
export type TorSignal =
  | 'RELOAD' | 'SHUTDOWN' | 'DUMP' | 'DEBUG' | 'HALT' | 'HUP' | 'INT' | 'USR1' | 'USR2' | 'TERM'
  | 'NEWNYM' | 'CLEARDNSCACHE' | 'HEARTBEAT' | 'ACTIVE' | 'DORMANT';

export function encodeSignal(signal: TorSignal): string {
  return `SIGNAL ${checkToken(signal, SIGNAL_NAME, 'signal')}${CRLF}`;
}

// §3.4: events not listed are turned off; an empty list turns every event off.
export function encodeSetEvents(events: readonly string[]): string {
  const names = events.map((e) => checkToken(e, EVENT_NAME, 'event name'));
  return names.length === 0 ? `SETEVENTS${CRLF}` : `SETEVENTS ${names.join(' ')}${CRLF}`;
}

// --- onion services (§3.27–3.32) -----------------------------------------------------------------

export type OnionKeySpec =
  | { type: 'NEW'; algorithm?: 'BEST' | 'ED25519-V3' }
  | { type: 'ED25519-V3'; key: string };

export interface OnionPortMapping {
  virtualPort: number;
  // HiddenServicePort TARGET: "port", "host:port" or "unix:/path". Omitted = same port on localhost.
  target?: string;
}

export type AddOnionFlag =
  | 'DiscardPK' | 'Detach' | 'V3Auth' | 'NonAnonymous' | 'MaxStreamsCloseCircuit';

export interface AddOnionRequest {
  key: OnionKeySpec;
  ports: readonly OnionPortMapping[];
  flags?: readonly AddOnionFlag[];
  maxStreams?: number;
  // Base32 x25519 public keys of authorized clients (§3.27 ClientAuthV3). Tor requires V3Auth
  // for them to matter; we add the flag when keys are given so the service is not left open.
  clientAuthV3?: readonly string[];
}

function port(value: number, what: string): string {
  if (!Number.isInteger(value) || value < 1 || value > 65535) {
    throw new TorArgumentError(`${what} must be an integer 1..65535, got ${value}`);
  }
  return String(value);
}

// §3.27: "ADD_ONION" SP KeyType ":" KeyBlob [SP "Flags=" …] [SP "MaxStreams=" …] 1*(SP "Port=" …)
// *(SP "ClientAuthV3=" V3Key). Order follows the grammar.
export function encodeAddOnion(request: AddOnionRequest): string {
  const parts: string[] = ['ADD_ONION'];
  const key = request.key;
  if (key.type === 'NEW') {
    parts.push(`NEW:${key.algorithm ?? 'ED25519-V3'}`);
  } else {
    parts.push(`ED25519-V3:${checkToken(key.key, BASE64, 'ED25519-V3 private key (base64)')}`);
  }
  const flags = new Set<string>(request.flags ?? []);
  const clientKeys = request.clientAuthV3 ?? [];
  if (clientKeys.length > 0) flags.add('V3Auth');
  if (flags.size > 0) {
    parts.push(`Flags=${[...flags].map((f) => checkToken(f, FLAG, 'ADD_ONION flag')).join(',')}`);
  }
  if (request.maxStreams !== undefined) {
    const m = request.maxStreams;
    if (!Number.isInteger(m) || m < 0 || m > 65535) {
      throw new TorArgumentError(`MaxStreams must be an integer 0..65535, got ${m}`);
    }
    parts.push(`MaxStreams=${m}`);
  }
  if (request.ports.length === 0) throw new TorArgumentError('ADD_ONION needs at least one Port');
  for (const mapping of request.ports) {
    const virt = port(mapping.virtualPort, 'virtual port');
    if (mapping.target === undefined) {
      parts.push(`Port=${virt}`);
    } else {
      // The target is one token of the Port= argument: no spaces, no quotes, no second comma.
      const target = checkToken(mapping.target, /^[^\s",]+$/, 'port target');
      parts.push(`Port=${virt},${target}`);
    }
  }
  for (const clientKey of clientKeys) {
    parts.push(`ClientAuthV3=${checkToken(clientKey, V3_CLIENT_KEY, 'ClientAuthV3 key (52 base32 characters)')}`);
  }
  return `${parts.join(' ')}${CRLF}`;
}

export function encodeDelOnion(id: string): string {
  return `DEL_ONION ${serviceId(id)}${CRLF}`;
}

export interface OnionClientAuthAddOptions {
  clientName?: string;
  // §3.30 Flags=Permanent: tor stores the credential in ClientOnionAuthDir.
  permanent?: boolean;
}

// §3.30: HSAddress SP "x25519:" base64 [SP "ClientName=" Nickname] [SP "Flags=" …].
export function encodeOnionClientAuthAdd(
  id: string,
  privateKeyBase64: string,
  options: OnionClientAuthAddOptions = {},
): string {
  const parts = [
    'ONION_CLIENT_AUTH_ADD',
    serviceId(id),
    `x25519:${checkToken(privateKeyBase64, BASE64, 'x25519 private key (base64)')}`,
  ];
  if (options.clientName !== undefined) {
    parts.push(`ClientName=${checkToken(options.clientName, CLIENT_NAME, 'client name')}`);
  }
  if (options.permanent) parts.push('Flags=Permanent');
  return `${parts.join(' ')}${CRLF}`;
}

export function encodeOnionClientAuthRemove(id: string): string {
  return `ONION_CLIENT_AUTH_REMOVE ${serviceId(id)}${CRLF}`;
}

export function encodeOnionClientAuthView(id?: string): string {
  return id === undefined ? `ONION_CLIENT_AUTH_VIEW${CRLF}` : `ONION_CLIENT_AUTH_VIEW ${serviceId(id)}${CRLF}`;
}

// --- circuits and streams (§3.10, §3.13, §3.17) -----------------------------------------------

export type CircuitPurposeRequest = 'general' | 'controller';

// §3.10: circuit 0 asks tor to build a new circuit; a path is a comma-separated ServerSpec list.
export function encodeExtendCircuit(
  id: string | number,
  path: readonly string[] = [],
  purpose?: CircuitPurposeRequest,
): string {
  const parts = ['EXTENDCIRCUIT', circuitId(id)];
  if (path.length > 0) {
    parts.push(path.map((p) => checkToken(p, SERVER_SPEC, 'relay (ServerSpec)')).join(','));
  }
  if (purpose !== undefined) {
    parts.push(`purpose=${checkToken(purpose, /^(?:general|controller)$/, 'circuit purpose')}`);
  }
  return `${parts.join(' ')}${CRLF}`;
}

// §3.13: circuit 0 hands the stream back to tor; HOP picks an earlier hop as the exit (1-based).
export function encodeAttachStream(stream: string | number, circuit: string | number, hop?: number): string {
  const parts = ['ATTACHSTREAM', streamId(stream), circuitId(circuit)];
  if (hop !== undefined) {
    if (!Number.isInteger(hop) || hop < 1 || hop > 255) throw new TorArgumentError(`HOP must be 1..255, got ${hop}`);
    parts.push(`HOP=${hop}`);
  }
  return `${parts.join(' ')}${CRLF}`;
}

export function encodeCloseCircuit(id: string | number, options: { ifUnused?: boolean } = {}): string {
  return `CLOSECIRCUIT ${circuitId(id)}${options.ifUnused ? ' IfUnused' : ''}${CRLF}`;
}

// --- connection ownership and lifetime (§3.18, §3.23, §3.33) -----------------------------------

export function encodeTakeOwnership(): string {
  return `TAKEOWNERSHIP${CRLF}`;
}

export function encodeDropOwnership(): string {
  return `DROPOWNERSHIP${CRLF}`;
}

export function encodeQuit(): string {
  return `QUIT${CRLF}`;
}

// What a protocol trace may show of an outgoing command. AUTHENTICATE's argument is the cookie,
// its HMAC or a password; ADD_ONION / ONION_CLIENT_AUTH_ADD carry private keys (style rule 12).
export function redactCommand(line: string): string {
  const text = line.endsWith(CRLF) ? line.slice(0, -2) : line;
  const space = text.indexOf(' ');
  const verb = (space === -1 ? text : text.slice(0, space)).toUpperCase();
  if (verb === 'AUTHENTICATE') return space === -1 ? text : 'AUTHENTICATE [redacted]';
  if (verb === 'ADD_ONION') return text.replace(/^(ADD_ONION )ED25519-V3:\S+/i, '$1ED25519-V3:[redacted]');
  if (verb === 'ONION_CLIENT_AUTH_ADD') return text.replace(/ x25519:\S+/i, ' x25519:[redacted]');
  if (verb === 'SETCONF' || verb === 'RESETCONF') {
    return text.replace(/(HashedControlPassword=)("(?:[^"\\]|\\.)*"|\S+)/gi, '$1[redacted]');
  }
  return text;
}

// The stand-in's on-disk layout, copied from nym-client (nym.md §4.4): <home>/.nym/clients/<id>/
// {config/config.toml, data/*.pem, data/*.sqlite}. Home is $NYM_HOME_DIR, else the OS home.
// Lab state nym keeps in SQLite lives in one JSON file; the .sqlite files are empty placeholders.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const NYM_CLIENT_VERSION = '1.1.76';

export interface ClientPaths {
  readonly root: string;
  readonly configDir: string;
  readonly configFile: string;
  readonly dataDir: string;
  readonly privateIdentity: string;
  readonly publicIdentity: string;
  readonly privateEncryption: string;
  readonly publicEncryption: string;
  readonly ackKey: string;
  readonly gatewayRegistrations: string;
  readonly credentialsDatabase: string;
  readonly replyStore: string;
  /** Lab-only: gateway registration and sender tags (nym keeps these in the SQLite files). */
  readonly labState: string;
}

export function nymHome(env: NodeJS.ProcessEnv): string {
  return env['NYM_HOME_DIR'] || homedir();
}

export function clientPaths(home: string, id: string): ClientPaths {
  const root = join(home, '.nym', 'clients', id);
  const configDir = join(root, 'config');
  const dataDir = join(root, 'data');
  return {
    root,
    configDir,
    configFile: join(configDir, 'config.toml'),
    dataDir,
    privateIdentity: join(dataDir, 'private_identity.pem'),
    publicIdentity: join(dataDir, 'public_identity.pem'),
    privateEncryption: join(dataDir, 'private_encryption.pem'),
    publicEncryption: join(dataDir, 'public_encryption.pem'),
    ackKey: join(dataDir, 'ack_key.pem'),
    gatewayRegistrations: join(dataDir, 'gateways_registrations.sqlite'),
    credentialsDatabase: join(dataDir, 'credentials_database.db'),
    replyStore: join(dataDir, 'persistent_reply_store.sqlite'),
    labState: join(dataDir, 'lab_standin_state.json'),
  };
}

export interface StandinConfig {
  readonly version: string;
  readonly id: string;
  readonly socketType: 'WebSocket' | 'None';
  readonly host: string;
  readonly port: number;
}

function atomicWrite(path: string, content: string | Uint8Array, mode = 0o600): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, content, { mode });
  renameSync(tmp, path);
}

/** Same sections and keys as clients/native/src/client/config/template.rs, trimmed to what matters. */
export function writeConfig(paths: ClientPaths, config: StandinConfig): void {
  mkdirSync(paths.configDir, { recursive: true });
  const q = (s: string): string => `'${s}'`;
  atomicWrite(
    paths.configFile,
    `# This is a TOML config file.
# For more information, see https://github.com/toml-lang/toml
# Written by the Underpass lab stand-in for nym-client; it joins a loopback lab mixnet only.

##### main base client config options #####

[client]
# Version of the client for which this configuration was created.
version = ${q(config.version)}

# Human readable ID of this particular client.
id = ${q(config.id)}

# Indicates whether this client is running in a disabled credentials mode, thus attempting
# to claim bandwidth without presenting bandwidth credentials.
disabled_credentials_mode = true

# Addresses to nyxd validators via which the client can communicate with the chain.
nyxd_urls = []

# Addresses to APIs running on validator from which the client gets the view of the network.
nym_api_urls = []

[storage_paths]
keys.private_identity_key_file = ${q(paths.privateIdentity)}
keys.public_identity_key_file = ${q(paths.publicIdentity)}
keys.private_encryption_key_file = ${q(paths.privateEncryption)}
keys.public_encryption_key_file = ${q(paths.publicEncryption)}
keys.ack_key_file = ${q(paths.ackKey)}
credentials_database = ${q(paths.credentialsDatabase)}
reply_surb_database = ${q(paths.replyStore)}
gateway_registrations = ${q(paths.gatewayRegistrations)}

##### socket config options #####

[socket]
# allowed values are 'WebSocket' or 'None'
socket_type = ${q(config.socketType)}

# if applicable (for the case of 'WebSocket'), the port on which the client
# will be listening for incoming requests
listening_port = ${config.port}

# if applicable (for the case of 'WebSocket'), the ip address on which the client
# will be listening for incoming requests
host = ${q(config.host)}

##### logging configuration options #####

[logging]

##### debug configuration options #####

[debug]
`,
    0o644,
  );
}

export class ConfigLoadError extends Error {}

/** Reads back the keys we write (a flat TOML subset: sections, key = 'string' | number | bool). */
export function readConfig(paths: ClientPaths): StandinConfig {
  let text: string;
  try {
    text = readFileSync(paths.configFile, 'utf8');
  } catch (error) {
    throw new ConfigLoadError((error as Error).message);
  }
  const values = new Map<string, string>();
  let section = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[([^\]]+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? '';
      continue;
    }
    const kv = /^([A-Za-z0-9_.]+)\s*=\s*(.+)$/.exec(line);
    if (!kv) throw new ConfigLoadError(`TOML parse error at: ${line}`);
    values.set(`${section}.${kv[1]}`, (kv[2] ?? '').replace(/^'(.*)'$|^"(.*)"$/, '$1$2'));
  }
  const get = (key: string): string => {
    const value = values.get(key);
    if (value === undefined) throw new ConfigLoadError(`missing field \`${key.split('.').pop() ?? key}\``);
    return value;
  };
  const socketType = get('socket.socket_type');
  const port = Number(get('socket.listening_port'));
  if (socketType !== 'WebSocket' && socketType !== 'None') throw new ConfigLoadError(`unknown variant \`${socketType}\``);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigLoadError('invalid listening_port');
  return { version: get('client.version'), id: get('client.id'), socketType, host: get('socket.host'), port };
}

// --- keys (PEM, raw key bytes as nym's pemstore writes them) -----------------------------------------
function pem(type: string, bytes: Uint8Array): string {
  const b64 = Buffer.from(bytes).toString('base64').replace(/(.{64})/g, '$1\n').trimEnd();
  return `-----BEGIN ${type}-----\n${b64}\n-----END ${type}-----\n`;
}

export function readPem(path: string, type: string): Uint8Array {
  const text = readFileSync(path, 'utf8');
  const match = new RegExp(`-----BEGIN ${type}-----([\\s\\S]*?)-----END ${type}-----`).exec(text);
  if (!match) throw new ConfigLoadError(`${path} is not a ${type} PEM`);
  return new Uint8Array(Buffer.from((match[1] ?? '').replace(/\s+/g, ''), 'base64'));
}

export interface StandinKeys {
  readonly identityPrivate: Uint8Array;
  readonly identityPublic: Uint8Array;
  readonly encryptionPrivate: Uint8Array;
  readonly encryptionPublic: Uint8Array;
  readonly ackKey: Uint8Array;
}

export function writeKeysAndStores(paths: ClientPaths, keys: StandinKeys): void {
  mkdirSync(paths.dataDir, { recursive: true });
  atomicWrite(paths.privateIdentity, pem('ED25519 PRIVATE KEY', keys.identityPrivate));
  atomicWrite(paths.publicIdentity, pem('ED25519 PUBLIC KEY', keys.identityPublic), 0o644);
  atomicWrite(paths.privateEncryption, pem('X25519 PRIVATE KEY', keys.encryptionPrivate));
  atomicWrite(paths.publicEncryption, pem('X25519 PUBLIC KEY', keys.encryptionPublic), 0o644);
  atomicWrite(paths.ackKey, pem('AES-128-CTR KEY', keys.ackKey));
  // A zero-byte file is a valid empty SQLite database, so tools that open these still work.
  for (const store of [paths.gatewayRegistrations, paths.credentialsDatabase, paths.replyStore]) {
    if (!existsSync(store)) writeFileSync(store, new Uint8Array(0), { mode: 0o600 });
  }
}

export function readPublicKeys(paths: ClientPaths): { identity: Uint8Array; encryption: Uint8Array } {
  return {
    identity: readPem(paths.publicIdentity, 'ED25519 PUBLIC KEY'),
    encryption: readPem(paths.publicEncryption, 'X25519 PUBLIC KEY'),
  };
}

// --- lab state ------------------------------------------------------------------------------------------
export interface StandinState {
  gateway: { identity: string; listener: string; registeredAt: string };
  /** recipient address → our base58 sender tag for it (one stable tag per recipient, nym.md §3.3). */
  senderTags: Record<string, string>;
}

export function readState(paths: ClientPaths): StandinState {
  const parsed = JSON.parse(readFileSync(paths.labState, 'utf8')) as Partial<StandinState>;
  if (!parsed.gateway || typeof parsed.gateway.identity !== 'string') throw new ConfigLoadError('no gateway registration');
  return { gateway: parsed.gateway, senderTags: parsed.senderTags ?? {} };
}

export function writeState(paths: ClientPaths, state: StandinState): void {
  atomicWrite(paths.labState, `${JSON.stringify(state, null, 2)}\n`);
}

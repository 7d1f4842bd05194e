// Stand-in CLI parsing (nym.md §4.1–4.3) and its on-disk layout (§4.4), without the lab.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from './nym-standin';
import { clientPaths, nymHome, readConfig, readPublicKeys, writeConfig, writeKeysAndStores } from './standin-files';

const dir = mkdtempSync(join(tmpdir(), 'underpass-standin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('nym-client stand-in argv', () => {
  it('parses init and run flags, including -c before the subcommand and --flag=value', () => {
    const init = parseArgs(['-c', 'env.txt', '--no-banner', 'init', '--id', 'me', '-p', '2000', '--host=127.0.0.1', '-o', 'json', '--disable-socket', 'false', '--no-cover']);
    expect(init).not.toBe('help');
    if (typeof init === 'string') return;
    expect(init.command).toBe('init');
    expect(init.configEnvFile).toBe('env.txt');
    expect(Object.fromEntries(init.flags)).toEqual({
      '--id': 'me',
      '--port': '2000',
      '--host': '127.0.0.1',
      '--output': 'json',
      '--disable-socket': 'false',
      '--no-cover': true,
    });
    const run = parseArgs(['run', '--id', 'me', '--gateway', 'ignored', '--fastmode']);
    expect(typeof run === 'string' ? run : run.command).toBe('run');
  });

  it('rejects what clap rejects (exit 2 in the program)', () => {
    expect(() => parseArgs([])).toThrow(/requires a subcommand/);
    expect(() => parseArgs(['start'])).toThrow(/unrecognized subcommand 'start'/);
    expect(() => parseArgs(['run'])).toThrow(/--id <ID>/);
    expect(() => parseArgs(['run', '--id', 'x', '--output', 'json'])).toThrow(/unexpected argument '--output'/);
    expect(() => parseArgs(['init', '--id', 'x', '--gateway', 'g', '--latency-based-selection'])).toThrow(/cannot be used with/);
    expect(() => parseArgs(['init', '--id'])).toThrow(/a value is required/);
    expect(parseArgs(['--help'])).toBe('help');
    expect(parseArgs(['-V'])).toBe('version');
  });
});

describe('stand-in files', () => {
  it('uses $NYM_HOME_DIR/.nym/clients/<id>/{config,data}', () => {
    expect(nymHome({ NYM_HOME_DIR: '/x' })).toBe('/x');
    const paths = clientPaths('/x', 'alice');
    expect(paths.configFile).toBe('/x/.nym/clients/alice/config/config.toml');
    expect(paths.privateIdentity).toBe('/x/.nym/clients/alice/data/private_identity.pem');
    expect(paths.replyStore).toBe('/x/.nym/clients/alice/data/persistent_reply_store.sqlite');
  });

  it('writes a config.toml with the socket section and reads it back', () => {
    const paths = clientPaths(dir, 'alice');
    writeConfig(paths, { version: '1.1.76', id: 'alice', socketType: 'WebSocket', host: '127.0.0.1', port: 1977 });
    const text = readFileSync(paths.configFile, 'utf8');
    expect(text).toMatch(/\[socket\]\n# allowed values are 'WebSocket' or 'None'\nsocket_type = 'WebSocket'/);
    expect(readConfig(paths)).toEqual({ version: '1.1.76', id: 'alice', socketType: 'WebSocket', host: '127.0.0.1', port: 1977 });
  });

  it('stores keys as PEM (private ones 0600) and empty SQLite placeholders', () => {
    const paths = clientPaths(dir, 'bob');
    const key = (n: number): Uint8Array => new Uint8Array(32).fill(n);
    writeKeysAndStores(paths, { identityPrivate: key(1), identityPublic: key(2), encryptionPrivate: key(3), encryptionPublic: key(4), ackKey: new Uint8Array(16) });
    expect(readFileSync(paths.publicIdentity, 'utf8')).toMatch(/^-----BEGIN ED25519 PUBLIC KEY-----\n[A-Za-z0-9+/=]+\n-----END ED25519 PUBLIC KEY-----\n$/);
    expect(statSync(paths.privateIdentity).mode & 0o777).toBe(0o600);
    expect(statSync(paths.replyStore).size).toBe(0);
    expect(readPublicKeys(paths)).toEqual({ identity: key(2), encryption: key(4) });
  });
});

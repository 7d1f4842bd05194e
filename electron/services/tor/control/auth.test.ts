// Auth method choice, cookie validation, and SAFECOOKIE/COOKIE/password/NULL exchanges against a
// loopback tor. No real tor and no real cookie files outside a temp dir.
import { createHmac } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { authenticate, chooseAuthMethods, readCookie, safeCookieHashes, type AuthOptions } from './auth';
import { TorConnection } from './connection';
import { TorAuthError } from './errors';
import type { ProtocolInfo } from './replies/protocolinfo';
import { fixtureText } from './__fixtures__/fixtures';
import { startFakeTor, type FakeTor } from './__fixtures__/loopback-tor';

// Independent vector (computed with Python's hmac): cookie 00..1f, client nonce 20..3f,
// server nonce 40..5f.
const COOKIE = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const CLIENT_NONCE = Buffer.from(Array.from({ length: 32 }, (_, i) => 32 + i));
const SERVER_NONCE = Buffer.from(Array.from({ length: 32 }, (_, i) => 64 + i));
const SERVER_HASH = '3c8780ab52365c0d080750447e5f64dabc00428c6c434579c2043e18c1f85389';
const CLIENT_HASH = 'b47642df2d5abb84f69e6d02d41bed6b44aee33e69562528a82166fc98bc0b1e';

const info = (authMethods: string[], cookieFiles: string[] = ['/c']): ProtocolInfo => ({ protocolVersion: 1, authMethods, cookieFiles });

describe('chooseAuthMethods', () => {
  it('prefers SAFECOOKIE, then COOKIE, then HASHEDPASSWORD (only with a password), then NULL', () => {
    expect(chooseAuthMethods(info(['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD']), {})).toEqual(['SAFECOOKIE', 'COOKIE']);
    expect(chooseAuthMethods(info(['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD']), { password: 'p' })).toEqual(['SAFECOOKIE', 'COOKIE', 'HASHEDPASSWORD']);
    expect(chooseAuthMethods(info(['HASHEDPASSWORD']), {})).toEqual([]);
    expect(chooseAuthMethods(info(['NULL'], []), {})).toEqual(['NULL']);
    expect(chooseAuthMethods(info(['SAFECOOKIE', 'FUTURE'], []), {})).toEqual([]);
    expect(chooseAuthMethods(info(['SAFECOOKIE'], []), { cookieFile: '/x' })).toEqual(['SAFECOOKIE']);
  });
});

describe('cookie handling', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'underpass-auth-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads a 32-byte cookie and refuses other lengths or a missing file (control-spec §3.21)', async () => {
    const good = join(dir, 'good');
    const short = join(dir, 'short');
    const long = join(dir, 'long');
    await writeFile(good, COOKIE);
    await writeFile(short, COOKIE.subarray(0, 31));
    await writeFile(long, Buffer.concat([COOKIE, Buffer.from([0])]));
    expect((await readCookie(good)).equals(COOKIE)).toBe(true);
    await expect(readCookie(short)).rejects.toThrow(/31 bytes, expected 32/);
    await expect(readCookie(long)).rejects.toThrow(/33 bytes, expected 32/);
    await expect(readCookie(join(dir, 'missing'))).rejects.toBeInstanceOf(TorAuthError);
  });

  it('computes the SAFECOOKIE hashes of control-spec §3.24', () => {
    const { serverHash, clientHash } = safeCookieHashes(COOKIE, CLIENT_NONCE, SERVER_NONCE);
    expect(serverHash.toString('hex')).toBe(SERVER_HASH);
    expect(clientHash.toString('hex')).toBe(CLIENT_HASH);
  });
});

describe('authenticate against a loopback tor', () => {
  let fake: FakeTor | undefined;
  let conn: TorConnection | undefined;
  afterEach(async () => {
    await conn?.close();
    await fake?.close();
    conn = undefined;
    fake = undefined;
  });

  // PROTOCOLINFO exactly as tor-lab's tor sent it, with the methods line swapped if asked.
  function protocolInfo(methods?: string): string {
    const wire = fixtureText('protocolinfo-cookie.txt');
    return methods ? wire.replace('METHODS=COOKIE,SAFECOOKIE', `METHODS=${methods}`) : wire;
  }

  // A tor that knows `serverCookie`; `tamper` breaks its SERVERHASH.
  function safeCookieTor(serverCookie: Buffer, tamper = false) {
    return (line: string): string | undefined => {
      if (line === 'PROTOCOLINFO 1') return protocolInfo();
      if (line.startsWith('AUTHCHALLENGE SAFECOOKIE ')) {
        const clientNonce = Buffer.from(line.slice('AUTHCHALLENGE SAFECOOKIE '.length), 'hex');
        const message = Buffer.concat([serverCookie, clientNonce, SERVER_NONCE]);
        const hash = createHmac('sha256', 'Tor safe cookie authentication server-to-controller hash').update(message).digest();
        if (tamper) hash[0] = (hash[0] ?? 0) ^ 1;
        return `250 AUTHCHALLENGE SERVERHASH=${hash.toString('hex').toUpperCase()} SERVERNONCE=${SERVER_NONCE.toString('hex').toUpperCase()}\r\n`;
      }
      if (line.startsWith('AUTHENTICATE ')) {
        const message = Buffer.concat([serverCookie, CLIENT_NONCE, SERVER_NONCE]);
        const expected = createHmac('sha256', 'Tor safe cookie authentication controller-to-server hash').update(message).digest('hex');
        return line === `AUTHENTICATE ${expected}` ? '250 OK\r\n' : fixtureText('authenticate-515.txt');
      }
      return '510 Unrecognized command\r\n';
    };
  }

  async function connect(handler: Parameters<typeof startFakeTor>[0]): Promise<TorConnection> {
    fake = await startFakeTor(handler);
    conn = await TorConnection.connect({ host: '127.0.0.1', port: fake.port }, { commandTimeoutMs: 2_000 });
    return conn;
  }

  const cookieOptions = (cookie: Buffer, extra: AuthOptions = {}): AuthOptions => ({
    readFile: async (path) => {
      expect(path).toBe('$LAB/client/control_auth_cookie');
      return cookie;
    },
    randomBytes: () => CLIENT_NONCE,
    ...extra,
  });

  it('SAFECOOKIE: verifies tor\'s hash, then sends the controller hash', async () => {
    const c = await connect(safeCookieTor(COOKIE));
    const result = await authenticate(c, cookieOptions(COOKIE));
    expect(result.method).toBe('SAFECOOKIE');
    expect(result.protocolInfo.torVersion).toBe('0.4.9.11');
    expect(fake?.peers[0]?.received).toEqual([
      'PROTOCOLINFO 1',
      `AUTHCHALLENGE SAFECOOKIE ${CLIENT_NONCE.toString('hex')}`,
      `AUTHENTICATE ${CLIENT_HASH}`,
    ]);
  });

  it('SAFECOOKIE: a wrong SERVERHASH is a TorAuthError and no AUTHENTICATE is sent', async () => {
    const c = await connect(safeCookieTor(COOKIE, true));
    const err = await authenticate(c, cookieOptions(COOKIE)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TorAuthError);
    expect((err as TorAuthError).message).toMatch(/server hash does not match/);
    expect(fake?.peers[0]?.received.some((l) => l.startsWith('AUTHENTICATE'))).toBe(false);
  });

  it('SAFECOOKIE: a tor holding a different cookie cannot prove itself', async () => {
    const other = Buffer.alloc(32, 7);
    const c = await connect(safeCookieTor(other));
    await expect(authenticate(c, cookieOptions(COOKIE))).rejects.toBeInstanceOf(TorAuthError);
  });

  it('COOKIE: sends the cookie as hex when SAFECOOKIE is not offered', async () => {
    const c = await connect((line) => (line === 'PROTOCOLINFO 1' ? protocolInfo('COOKIE') : '250 OK\r\n'));
    const result = await authenticate(c, cookieOptions(COOKIE));
    expect(result.method).toBe('COOKIE');
    expect(fake?.peers[0]?.received[1]).toBe(`AUTHENTICATE ${COOKIE.toString('hex')}`);
  });

  it('HASHEDPASSWORD: tor\'s 515 for a wrong password becomes TorAuthError with status 515', async () => {
    const c = await connect((line) => {
      if (line === 'PROTOCOLINFO 1') return fixtureText('protocolinfo-password.txt');
      return line === 'AUTHENTICATE "labpw"' ? '250 OK\r\n' : fixtureText('authenticate-515.txt');
    });
    const err = await authenticate(c, { password: 'wrong', readFile: async () => Buffer.alloc(3) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TorAuthError);
    expect(err).toMatchObject({ status: 515 });
    expect((err as Error).message).toContain('Password did not match HashedControlPassword');
    expect(fake?.peers[0]?.received).toEqual(['PROTOCOLINFO 1', 'AUTHENTICATE "wrong"']);
  });

  it('an unusable cookie (wrong length) falls back to the password before anything is sent', async () => {
    const c = await connect((line) => {
      if (line === 'PROTOCOLINFO 1') return fixtureText('protocolinfo-password.txt');
      return line === 'AUTHENTICATE "labpw"' ? '250 OK\r\n' : fixtureText('authenticate-515.txt');
    });
    const result = await authenticate(c, { password: 'labpw', readFile: async () => Buffer.alloc(31) });
    expect(result.method).toBe('HASHEDPASSWORD');
    expect(fake?.peers[0]?.received).toEqual(['PROTOCOLINFO 1', 'AUTHENTICATE "labpw"']);
  });

  it('no usable method: TorAuthError naming the reason, nothing sent after PROTOCOLINFO', async () => {
    const c = await connect((line) => (line === 'PROTOCOLINFO 1' ? protocolInfo('HASHEDPASSWORD') : '250 OK\r\n'));
    await expect(authenticate(c, {})).rejects.toThrow(/HASHEDPASSWORD but no password/);
    expect(fake?.peers[0]?.received).toEqual(['PROTOCOLINFO 1']);
  });

  it('NULL: a bare AUTHENTICATE (control-spec §3.5)', async () => {
    const c = await connect((line) => (line === 'PROTOCOLINFO 1' ? '250-PROTOCOLINFO 1\r\n250-AUTH METHODS=NULL\r\n250-VERSION Tor="0.4.9.11"\r\n250 OK\r\n' : '250 OK\r\n'));
    expect((await authenticate(c, {})).method).toBe('NULL');
    expect(fake?.peers[0]?.received).toEqual(['PROTOCOLINFO 1', 'AUTHENTICATE']);
  });
});

// Picks and runs an authentication method from PROTOCOLINFO (control-spec §3.5, §3.21, §3.24, §5.1).
// Its only I/O is reading the cookie file, through an injectable reader; it never logs secrets
// and never retries after tor has rejected an AUTHENTICATE (tor closes the connection then, §3.5).
import { createHmac, randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
import { readFile as nodeReadFile } from 'node:fs/promises';
import { encodeAuthChallenge, encodeAuthenticate, encodeProtocolInfo, type AuthenticateArgument } from './commands';
import { TorAuthError, TorOperationFailed } from './errors';
import { replyMessage, type Reply } from './framing';
import { parseAuthChallenge } from './replies/authchallenge';
import { isSuccess } from './replies/common';
import { parseProtocolInfo, type AuthMethod, type ProtocolInfo } from './replies/protocolinfo';

export interface CommandSender {
  send(command: string): Promise<Reply>;
}

export interface AuthOptions {
  password?: string;
  // Overrides PROTOCOLINFO's COOKIEFILE (e.g. tor's DataDirectory is mounted elsewhere for us).
  cookieFile?: string;
  readFile?: (path: string) => Promise<Uint8Array>;
  randomBytes?: (size: number) => Uint8Array;
}

export interface AuthResult {
  method: AuthMethod;
  protocolInfo: ProtocolInfo;
}

// control-spec §3.24: the two fixed HMAC keys.
const SERVER_TO_CONTROLLER = 'Tor safe cookie authentication server-to-controller hash';
const CONTROLLER_TO_SERVER = 'Tor safe cookie authentication controller-to-server hash';
// §3.21: "All authentication cookies are 32 bytes long. Controllers MUST NOT use the contents
// of a non-32-byte-long file as an authentication cookie."
export const COOKIE_LENGTH = 32;

// SAFECOOKIE first (proves tor knows the cookie before we reveal anything, §3.24; COOKIE is
// deprecated for disclosure reasons, §3.21), then COOKIE, then a password, then NULL.
const PREFERENCE: readonly AuthMethod[] = ['SAFECOOKIE', 'COOKIE', 'HASHEDPASSWORD', 'NULL'];

export function chooseAuthMethods(info: ProtocolInfo, options: Pick<AuthOptions, 'password' | 'cookieFile'>): AuthMethod[] {
  const hasCookie = options.cookieFile !== undefined || info.cookieFiles.length > 0;
  return PREFERENCE.filter((method) => {
    if (!info.authMethods.includes(method)) return false;
    if (method === 'SAFECOOKIE' || method === 'COOKIE') return hasCookie;
    if (method === 'HASHEDPASSWORD') return options.password !== undefined;
    return true;
  });
}

export async function readCookie(path: string, readFile: (path: string) => Promise<Uint8Array> = nodeReadFile): Promise<Buffer> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (err) {
    throw new TorAuthError(`cannot read tor's control cookie ${path}: ${(err as Error).message}`, undefined, { cause: err });
  }
  if (bytes.length !== COOKIE_LENGTH) {
    throw new TorAuthError(`tor's control cookie ${path} is ${bytes.length} bytes, expected ${COOKIE_LENGTH}`);
  }
  return Buffer.from(bytes);
}

export function safeCookieHashes(
  cookie: Uint8Array,
  clientNonce: Uint8Array,
  serverNonce: Uint8Array,
): { serverHash: Buffer; clientHash: Buffer } {
  const message = Buffer.concat([cookie, clientNonce, serverNonce]);
  return {
    serverHash: createHmac('sha256', SERVER_TO_CONTROLLER).update(message).digest(),
    clientHash: createHmac('sha256', CONTROLLER_TO_SERVER).update(message).digest(),
  };
}

export async function authenticate(conn: CommandSender, options: AuthOptions = {}, known?: ProtocolInfo): Promise<AuthResult> {
  const protocolInfo = known ?? parseProtocolInfo(await conn.send(encodeProtocolInfo()));
  const candidates = chooseAuthMethods(protocolInfo, options);
  const cookiePath = options.cookieFile ?? protocolInfo.cookieFiles[0];
  const problems: string[] = [];
  let cookie: Buffer | undefined;
  let cookieError: TorAuthError | undefined;

  for (const method of candidates) {
    if (method === 'SAFECOOKIE' || method === 'COOKIE') {
      // Nothing has been sent yet, so a cookie we cannot read just moves us to the next method.
      if (!cookie && !cookieError) {
        try {
          cookie = await readCookie(cookiePath as string, options.readFile);
        } catch (err) {
          cookieError = err as TorAuthError;
          problems.push(cookieError.message);
        }
      }
      if (!cookie) continue;
      if (method === 'SAFECOOKIE') {
        const clientHash = await safeCookieChallenge(conn, cookie, options.randomBytes ?? nodeRandomBytes);
        await sendAuthenticate(conn, { hex: clientHash }, method);
      } else {
        await sendAuthenticate(conn, { hex: cookie }, method);
      }
      return { method, protocolInfo };
    }
    if (method === 'HASHEDPASSWORD') {
      await sendAuthenticate(conn, { password: options.password as string }, method);
      return { method, protocolInfo };
    }
    await sendAuthenticate(conn, null, method);
    return { method, protocolInfo };
  }

  if (protocolInfo.authMethods.includes('HASHEDPASSWORD') && options.password === undefined) {
    problems.push('tor accepts HASHEDPASSWORD but no password was given');
  }
  throw new TorAuthError(
    `no usable authentication method (tor offers ${protocolInfo.authMethods.join(',') || 'none'})${problems.length ? `: ${problems.join('; ')}` : ''}`,
    undefined,
    cookieError ? { cause: cookieError } : undefined,
  );
}

async function safeCookieChallenge(conn: CommandSender, cookie: Buffer, random: (size: number) => Uint8Array): Promise<Buffer> {
  const clientNonce = Buffer.from(random(32));
  const reply = await conn.send(encodeAuthChallenge(clientNonce));
  if (!isSuccess(reply.status)) {
    throw new TorAuthError(`AUTHCHALLENGE refused: ${reply.status} ${replyMessage(reply)}`, reply.status);
  }
  const challenge = parseAuthChallenge(reply);
  const { serverHash, clientHash } = safeCookieHashes(cookie, clientNonce, challenge.serverNonce);
  // §3.24: the server proves it knows the cookie; a mismatch means whatever listens on this port
  // is not the tor that wrote the cookie, so we must not answer it.
  if (!timingSafeEqual(serverHash, challenge.serverHash)) {
    throw new TorAuthError("tor's SAFECOOKIE server hash does not match the cookie (wrong cookie file, or not our tor)");
  }
  return clientHash;
}

async function sendAuthenticate(conn: CommandSender, arg: AuthenticateArgument, method: AuthMethod): Promise<void> {
  const reply = await conn.send(encodeAuthenticate(arg));
  if (!isSuccess(reply.status)) {
    throw new TorAuthError(`${method} authentication failed: ${reply.status} ${replyMessage(reply)}`, reply.status, {
      cause: new TorOperationFailed(reply.status, replyMessage(reply), 'AUTHENTICATE'),
    });
  }
}

// AUTHCHALLENGE reply → server hash and nonce for SAFECOOKIE (control-spec §3.24).
// Pure; verifying the hash is auth.ts's job.
//
//   250 AUTHCHALLENGE SERVERHASH=0C2F…(64 hex) SERVERNONCE=8A1B…(64 hex)
import { TorProtocolError } from '../errors';
import type { Reply } from '../framing';
import { splitArgs } from '../keywords';
import { expectSuccess } from './common';

export interface AuthChallenge {
  serverHash: Buffer;
  serverNonce: Buffer;
}

const HEX64 = /^[0-9A-Fa-f]{64}$/;

export function parseAuthChallenge(reply: Reply): AuthChallenge {
  expectSuccess(reply, 'AUTHCHALLENGE');
  const line = reply.lines[reply.lines.length - 1];
  const args = splitArgs(line?.text ?? '');
  if (args.positional[0] !== 'AUTHCHALLENGE') {
    throw new TorProtocolError(`AUTHCHALLENGE reply does not start with AUTHCHALLENGE: ${JSON.stringify(line?.text)}`);
  }
  const hash = args.keywords.SERVERHASH;
  const nonce = args.keywords.SERVERNONCE;
  // §3.24: ServerHash = 64*64HEXDIG, ServerNonce = 64*64HEXDIG (32 bytes each).
  if (hash === undefined || !HEX64.test(hash)) throw new TorProtocolError('AUTHCHALLENGE reply has no valid SERVERHASH');
  if (nonce === undefined || !HEX64.test(nonce)) throw new TorProtocolError('AUTHCHALLENGE reply has no valid SERVERNONCE');
  return { serverHash: Buffer.from(hash, 'hex'), serverNonce: Buffer.from(nonce, 'hex') };
}

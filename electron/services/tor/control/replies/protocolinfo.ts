// PROTOCOLINFO reply → auth methods, cookie file, tor version (control-spec §3.21).
// Pure; choosing a method is auth.ts's job.
//
//   250-PROTOCOLINFO 1
//   250-AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/var/lib/tor/control_auth_cookie"
//   250-VERSION Tor="0.4.9.11"
//   250 OK
import { TorProtocolError } from '../errors';
import type { Reply } from '../framing';
import { splitList, tokenize } from '../keywords';
import { bodyLines, toInt } from './common';

export type AuthMethod = 'NULL' | 'HASHEDPASSWORD' | 'COOKIE' | 'SAFECOOKIE';

export interface ProtocolInfo {
  protocolVersion: number;
  // Methods tor named, including ones this controller does not know (kept for diagnostics).
  authMethods: string[];
  // §3.21 allows several COOKIEFILE= arguments; for SAFECOOKIE they all hold the same cookie.
  cookieFiles: string[];
  torVersion?: string;
}

export function parseProtocolInfo(reply: Reply): ProtocolInfo {
  const lines = bodyLines(reply, 'PROTOCOLINFO');
  let protocolVersion: number | undefined;
  const authMethods: string[] = [];
  const cookieFiles: string[] = [];
  let torVersion: string | undefined;
  for (const line of lines) {
    const tokens = tokenize(line.text);
    const head = tokens[0];
    if (!head || head.key !== null) continue;
    // §3.21: InfoLines may come in any order; unknown keywords and extra data are ignored.
    switch (head.value) {
      case 'PROTOCOLINFO': {
        const v = tokens[1];
        if (!v || v.key !== null) throw new TorProtocolError('PROTOCOLINFO line without a version');
        protocolVersion = toInt(v.value, 'PROTOCOLINFO version');
        break;
      }
      case 'AUTH':
        for (const t of tokens) {
          if (t.key === 'METHODS') authMethods.push(...splitList(t.value));
          else if (t.key === 'COOKIEFILE') cookieFiles.push(t.value);
        }
        break;
      case 'VERSION':
        for (const t of tokens) if (t.key === 'Tor') torVersion = t.value;
        break;
      default:
        break;
    }
  }
  if (protocolVersion === undefined) throw new TorProtocolError('PROTOCOLINFO reply has no PROTOCOLINFO line');
  const info: ProtocolInfo = { protocolVersion, authMethods, cookieFiles };
  if (torVersion !== undefined) info.torVersion = torVersion;
  return info;
}

// Tests for the protocolinfo parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorOperationFailed, TorProtocolError } from '../errors';
import { fixtureReply, replyFromText } from '../__fixtures__/fixtures';
import { parseProtocolInfo } from './protocolinfo';

describe('parseProtocolInfo', () => {
  it('reads methods, cookie file and version from the cookie-auth tor', () => {
    expect(parseProtocolInfo(fixtureReply('protocolinfo-cookie.txt'))).toEqual({
      protocolVersion: 1,
      authMethods: ['COOKIE', 'SAFECOOKIE'],
      cookieFiles: ['$LAB/client/control_auth_cookie'],
      torVersion: '0.4.9.11',
    });
  });

  it('reads HASHEDPASSWORD from the password tor', () => {
    expect(parseProtocolInfo(fixtureReply('protocolinfo-password.txt')).authMethods).toEqual(['COOKIE', 'SAFECOOKIE', 'HASHEDPASSWORD']);
  });

  it('handles escapes in COOKIEFILE, NULL auth, unknown lines and any line order (control-spec §3.21)', () => {
    const info = parseProtocolInfo(
      replyFromText(
        '250-PROTOCOLINFO 1\r\n250-VERSION Tor="0.4.9.11" EXTRA=1\r\n250-FUTURE thing\r\n' +
          '250-AUTH METHODS=NULL,COOKIE COOKIEFILE="C:\\\\Tor\\\\Data\\\\control_auth_cookie" COOKIEFILE="/b"\r\n250 OK\r\n',
      ),
    );
    expect(info).toEqual({
      protocolVersion: 1,
      authMethods: ['NULL', 'COOKIE'],
      cookieFiles: ['C:\\Tor\\Data\\control_auth_cookie', '/b'],
      torVersion: '0.4.9.11',
    });
  });

  it('raises the error reply as TorOperationFailed and a reply without PROTOCOLINFO as TorProtocolError', () => {
    expect(() => parseProtocolInfo(replyFromText('513 No such version "2"\r\n'))).toThrow(TorOperationFailed);
    expect(() => parseProtocolInfo(replyFromText('250-AUTH METHODS=NULL\r\n250 OK\r\n'))).toThrow(TorProtocolError);
    expect(() => parseProtocolInfo(replyFromText('250 PROTOCOLINFO 1\r\n'))).toThrow(/does not end with "OK"/);
  });
});

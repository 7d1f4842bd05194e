// Tests for the authchallenge parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorOperationFailed, TorProtocolError } from '../errors';
import { replyFromText } from '../__fixtures__/fixtures';
import { parseAuthChallenge } from './authchallenge';

const HASH = '3c8780ab52365c0d080750447e5f64dabc00428c6c434579c2043e18c1f85389';
const NONCE = '404142434445464748494a4b4c4d4e4f505152535455565758595a5b5c5d5e5f';

describe('parseAuthChallenge', () => {
  it('decodes SERVERHASH and SERVERNONCE (control-spec §3.24)', () => {
    const c = parseAuthChallenge(replyFromText(`250 AUTHCHALLENGE SERVERHASH=${HASH} SERVERNONCE=${NONCE}\r\n`));
    expect(c.serverHash.toString('hex')).toBe(HASH);
    expect(c.serverNonce.toString('hex')).toBe(NONCE);
  });

  it('rejects short hashes, missing fields, and error replies', () => {
    expect(() => parseAuthChallenge(replyFromText(`250 AUTHCHALLENGE SERVERHASH=abcd SERVERNONCE=${NONCE}\r\n`))).toThrow(TorProtocolError);
    expect(() => parseAuthChallenge(replyFromText(`250 AUTHCHALLENGE SERVERHASH=${HASH}\r\n`))).toThrow(TorProtocolError);
    expect(() => parseAuthChallenge(replyFromText(`250 OK\r\n`))).toThrow(TorProtocolError);
    expect(() => parseAuthChallenge(replyFromText('513 Invalid base16 client nonce\r\n'))).toThrow(TorOperationFailed);
  });
});

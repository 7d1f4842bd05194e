// Tests for the onion-client-auth-view parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorOperationFailed, TorProtocolError } from '../errors';
import { fixtureReply, replyFromText } from '../__fixtures__/fixtures';
import { parseOnionClientAuthView } from './onion-client-auth-view';

const SID = 'pk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad';

describe('parseOnionClientAuthView', () => {
  it('lists the credential registered in the tor-lab run', () => {
    expect(parseOnionClientAuthView(fixtureReply('onion-client-auth-view.txt'))).toEqual({
      clients: [{ serviceId: SID, keyType: 'x25519', privateKey: 'QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI=', flags: [] }],
    });
  });

  it('reads the asked address, ClientName and Flags (control-spec §3.32)', () => {
    const view = parseOnionClientAuthView(
      replyFromText(`250-ONION_CLIENT_AUTH_VIEW ${SID}\r\n250-CLIENT ${SID} x25519:QPi5= ClientName=alice Flags=Permanent\r\n250 OK\r\n`),
    );
    expect(view).toEqual({
      serviceId: SID,
      clients: [{ serviceId: SID, keyType: 'x25519', privateKey: 'QPi5=', clientName: 'alice', flags: ['Permanent'] }],
    });
  });

  it('512 syntax error keeps its code; a CLIENT line without a key is malformed', () => {
    expect(() => parseOnionClientAuthView(replyFromText('512 Invalid v3 address "abc"\r\n'))).toThrow(TorOperationFailed);
    expect(() => parseOnionClientAuthView(replyFromText(`250-ONION_CLIENT_AUTH_VIEW\r\n250-CLIENT ${SID}\r\n250 OK\r\n`))).toThrow(TorProtocolError);
  });
});

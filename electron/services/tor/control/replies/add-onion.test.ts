// Tests for the add-onion parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorOperationFailed, TorProtocolError } from '../errors';
import { fixtureReply, replyFromText } from '../__fixtures__/fixtures';
import { parseAddOnion } from './add-onion';

describe('parseAddOnion', () => {
  it('ServiceID, PrivateKey and ClientAuthV3 from the tor-lab ClientAuthV3 run', () => {
    expect(parseAddOnion(fixtureReply('add-onion-client-auth-v3.txt'))).toEqual({
      serviceId: 'pk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad',
      privateKey: {
        keyType: 'ED25519-V3',
        key: 'KOeCWEtJeP5wn5waeuZ4HkWuSGjC/trT3XvxkXHx22AMOrhnZC7JAgfj3wUqiRE5uanzHe8saXR8tVCNvnykGw==',
      },
      clientAuthV3: ['7TVBVSPZLIAK4EZGJFV4FV6IK4RYQ4FHK5Q5FJQWGRUO3MIDIJEQ'],
      clientAuth: [],
    });
  });

  it('only a ServiceID with Flags=Detach,DiscardPK', () => {
    expect(parseAddOnion(fixtureReply('add-onion-detach.txt'))).toEqual({
      serviceId: 'zzpq4752vk6h4fsg7ygt3vambk4npoec3fx3kns5nghq2rmrt754gsid',
      clientAuthV3: [],
      clientAuth: [],
    });
  });

  it('512 anonymity-mode mismatch keeps its code; a reply without ServiceID is malformed', () => {
    expect(() => parseAddOnion(replyFromText('512 Tor is in anonymous hidden service mode\r\n'))).toThrow(TorOperationFailed);
    expect(() => parseAddOnion(replyFromText('250 OK\r\n'))).toThrow(TorProtocolError);
    expect(() => parseAddOnion(replyFromText('250-PrivateKey=nocolon\r\n250-ServiceID=x\r\n250 OK\r\n'))).toThrow(TorProtocolError);
  });
});

// Tests for the orconn-status parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from '../errors';
import { fixtureReply } from '../__fixtures__/fixtures';
import { parseGetInfo } from './getinfo';
import { parseOrConnStatus } from './orconn-status';

describe('parseOrConnStatus', () => {
  it('reads LongName + status lines (control-spec §3.9 orconn-status)', () => {
    const value = parseGetInfo(fixtureReply('getinfo-orconn-status.txt'))['orconn-status'] ?? '';
    expect(parseOrConnStatus(value)).toEqual([
      {
        target: '$E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth',
        relay: { fingerprint: 'E90F8CD176C60FD081C7ADFDA3E48726DF9E682A', nickname: 'auth' },
        address: undefined,
        port: undefined,
        status: 'CONNECTED',
      },
      {
        target: '$CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96~relay1',
        relay: { fingerprint: 'CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96', nickname: 'relay1' },
        address: undefined,
        port: undefined,
        status: 'CONNECTED',
      },
    ]);
  });

  it('an address:port target has no relay; a lone word is malformed', () => {
    expect(parseOrConnStatus('127.0.0.1:45012 NEW')[0]).toMatchObject({ relay: undefined, address: '127.0.0.1', port: 45012 });
    expect(() => parseOrConnStatus('$E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth')).toThrow(TorProtocolError);
  });
});

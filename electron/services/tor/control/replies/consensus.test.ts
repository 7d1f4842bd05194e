// Tests for the consensus parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from '../errors';
import { fixtureReply } from '../__fixtures__/fixtures';
import { parseRouterStatusEntries } from './consensus';
import { parseGetInfo } from './getinfo';

describe('parseRouterStatusEntries', () => {
  it('turns GETINFO ns/all into relays with fingerprint, address, ports, flags, bandwidth', () => {
    const relays = parseRouterStatusEntries(parseGetInfo(fixtureReply('getinfo-ns-all.txt'))['ns/all'] ?? '');
    expect(relays.map((r) => [r.nickname, r.fingerprint, r.orPort])).toEqual([
      ['auth', 'E90F8CD176C60FD081C7ADFDA3E48726DF9E682A', 20000],
      ['relay2', '30D3DC1C77F79103F089E8DF6FBEE94440383C5A', 20012],
      ['relay3', 'B702B1B091FB1CCE8172D9BAC8FDBC49F0750240', 20013],
      ['relay1', 'CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96', 20011],
    ]);
    expect(relays[0]).toEqual({
      nickname: 'auth',
      fingerprint: 'E90F8CD176C60FD081C7ADFDA3E48726DF9E682A',
      descriptorDigest: 'AAAAAAAAAAAAAAAAAAAAAAAAAAA',
      published: '2026-11-25 22:40:01',
      address: '127.0.0.1',
      orPort: 20000,
      dirPort: 20001,
      orAddresses: [],
      flags: ['Authority', 'Exit', 'Fast', 'Guard', 'HSDir', 'Running', 'Stable', 'V2Dir', 'Valid'],
      bandwidth: 0,
      unmeasured: false,
    });
  });

  it('reads the microdesc-consensus flavor (no digest) with a/v/pr/w/m lines and skips headers and footer', () => {
    const text = [
      'network-status-version 3 microdesc',
      'valid-after 2026-11-25 22:40:00',
      'r relay1 zOriHCvM2xvFJjviGoV+eLTwHJY 2026-11-25 22:40:04 127.0.0.1 20011 0',
      'a [2001:db8::1]:20011',
      's Exit Fast Guard Running Stable Valid',
      'v Tor 0.4.9.11',
      'pr Cons=1-2 Desc=1-2 Link=1-5',
      'w Bandwidth=20 Unmeasured=1 FutureKey=3',
      'm jy8RCyeUqyDn0l4e7yvX4VaNBcYmKANt9FeKhuCZ+Wk',
      'directory-footer',
      'bandwidth-weights Wbd=0',
    ].join('\n');
    expect(parseRouterStatusEntries(text)).toEqual([
      {
        nickname: 'relay1',
        fingerprint: 'CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96',
        published: '2026-11-25 22:40:04',
        address: '127.0.0.1',
        orPort: 20011,
        dirPort: 0,
        orAddresses: ['[2001:db8::1]:20011'],
        flags: ['Exit', 'Fast', 'Guard', 'Running', 'Stable', 'Valid'],
        version: 'Tor 0.4.9.11',
        protocols: 'Cons=1-2 Desc=1-2 Link=1-5',
        bandwidth: 20,
        unmeasured: true,
        microdescDigest: 'jy8RCyeUqyDn0l4e7yvX4VaNBcYmKANt9FeKhuCZ+Wk',
      },
    ]);
  });

  it('rejects an "r" line with the wrong field count or a bad identity', () => {
    expect(() => parseRouterStatusEntries('r relay1 zOriHCvM2xvFJjviGoV+eLTwHJY 127.0.0.1')).toThrow(TorProtocolError);
    expect(() => parseRouterStatusEntries('r relay1 short 2026-11-25 22:40:04 127.0.0.1 20011 0')).toThrow(/identity/);
    expect(() => parseRouterStatusEntries('r relay1 zOriHCvM2xvFJjviGoV+eLTwHJY 2026-11-25 22:40:04 127.0.0.1 port 0')).toThrow(/ORPort/);
    expect(parseRouterStatusEntries('')).toEqual([]);
  });
});

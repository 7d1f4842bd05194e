// Tests for the circuit-status parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from '../errors';
import { fixtureReply } from '../__fixtures__/fixtures';
import { parseCircuitStatus } from './circuit-status';
import { parseGetInfo } from './getinfo';

const AUTH = { fingerprint: 'E90F8CD176C60FD081C7ADFDA3E48726DF9E682A', nickname: 'auth' };
const RELAY1 = { fingerprint: 'CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96', nickname: 'relay1' };
const RELAY2 = { fingerprint: '30D3DC1C77F79103F089E8DF6FBEE94440383C5A', nickname: 'relay2' };
const RELAY3 = { fingerprint: 'B702B1B091FB1CCE8172D9BAC8FDBC49F0750240', nickname: 'relay3' };

describe('parseCircuitStatus', () => {
  const circuits = parseCircuitStatus(parseGetInfo(fixtureReply('getinfo-circuit-status.txt'))['circuit-status'] ?? '');

  it('lists every circuit of the tor-lab download with its path', () => {
    expect(circuits.map((c) => [c.id, c.status, c.path.map((h) => h.nickname).join(',')])).toEqual([
      ['1', 'BUILT', 'auth'],
      ['2', 'BUILT', 'auth,relay1,relay3'],
      ['7', 'BUILT', 'auth,relay3,relay1'],
      ['8', 'BUILT', 'auth,relay2,relay3,auth'],
      ['9', 'BUILT', 'auth,relay3,relay1,relay2'],
      ['10', 'BUILT', 'auth,relay1,relay2,relay3'],
    ]);
  });

  it('types the keyword arguments', () => {
    expect(circuits[0]).toEqual({
      id: '1',
      status: 'BUILT',
      path: [AUTH],
      buildFlags: ['ONEHOP_TUNNEL', 'IS_INTERNAL', 'NEED_CAPACITY'],
      purpose: 'GENERAL',
      timeCreated: '2026-11-25T22:42:52.906118',
    });
    expect(circuits[5]?.path).toEqual([AUTH, RELAY1, RELAY2, RELAY3]);
  });

  it('tolerates the cut lines of the transcript (a bare trailing word, a cut purpose)', () => {
    expect(circuits[1]).toMatchObject({ purpose: 'CONFLUX_LINKED', timeCreated: '2026-11-25T22:42:53.905688' });
    expect(circuits[4]?.purpose).toBe('HS_CLIENT_');
  });

  it('an empty value is no circuits; a line without status is malformed', () => {
    expect(parseCircuitStatus('')).toEqual([]);
    expect(() => parseCircuitStatus('5')).toThrow(TorProtocolError);
  });
});

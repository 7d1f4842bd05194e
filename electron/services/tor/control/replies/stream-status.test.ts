// Tests for the stream-status parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from '../errors';
import { fixtureReply } from '../__fixtures__/fixtures';
import { parseGetInfo } from './getinfo';
import { parseStreamStatus, splitTarget } from './stream-status';

describe('parseStreamStatus', () => {
  it('reads the single-line stream-status of the tor-lab download', () => {
    const value = parseGetInfo(fixtureReply('getinfo-stream-status.txt'))['stream-status'] ?? '';
    expect(parseStreamStatus(value)).toEqual([
      { id: '80', status: 'SUCCEEDED', circuitId: '2', target: '127.0.0.1:8080', targetAddress: '127.0.0.1', targetPort: 8080, isoFields: [] },
    ]);
  });

  it('reads several lines, IPv6 and hostname targets, (Tor_internal)', () => {
    const streams = parseStreamStatus('81 NEW 0 [::1]:443\n82 SENTCONNECT 7 example.onion:80\n83 SUCCEEDED 9 (Tor_internal):0');
    expect(streams.map((s) => [s.targetAddress, s.targetPort])).toEqual([
      ['[::1]', 443],
      ['example.onion', 80],
      ['(Tor_internal)', 0],
    ]);
  });

  it('a line without a target is malformed; a target without a port keeps its text', () => {
    expect(() => parseStreamStatus('80 SUCCEEDED 2')).toThrow(TorProtocolError);
    expect(splitTarget('weird')).toEqual({ address: 'weird', port: undefined });
    expect(splitTarget('host:99999')).toEqual({ address: 'host:99999', port: undefined });
  });
});

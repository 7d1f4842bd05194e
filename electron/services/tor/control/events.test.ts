// parseEvent on the tor-lab event transcript and one composed line per remaining event kind.
// Pure: frames come from fixtures.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from './errors';
import { parseEvent, type TorEvent } from './events';
import { frameAll } from './framing';
import { fixtureBytes, fixtureReplies, replyFromText } from './__fixtures__/fixtures';

const AUTH = { fingerprint: 'E90F8CD176C60FD081C7ADFDA3E48726DF9E682A', nickname: 'auth' };
const RELAY1 = { fingerprint: 'CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96', nickname: 'relay1' };
const RELAY3 = { fingerprint: 'B702B1B091FB1CCE8172D9BAC8FDBC49F0750240', nickname: 'relay3' };

function eventsOf(name: string): TorEvent[] {
  return fixtureReplies(name).map(parseEvent);
}

function one(wire: string): TorEvent {
  return parseEvent(replyFromText(wire));
}

describe('parseEvent on the tor-lab client transcript', () => {
  const events = eventsOf('events-client.txt');

  it('types every event of the download transcript', () => {
    expect(events.map((e) => e.type)).toEqual([
      'BW', 'STATUS_CLIENT', 'STREAM', 'STREAM', 'STREAM', 'STREAM',
      'CIRC', 'BW', 'CIRC', 'BW', 'CIRC', 'BW', 'CIRC', 'BW',
      'CIRC', 'CIRC', 'CIRC', 'CIRC', 'CIRC', 'CIRC', 'CIRC', 'CIRC', 'CIRC', 'BW',
    ]);
  });

  it('BW: read and written totals', () => {
    expect(events[0]).toEqual({ type: 'BW', read: 0, written: 0, byType: {} });
    expect(events[7]).toEqual({ type: 'BW', read: 8357476, written: 8071058, byType: {} });
  });

  it('STATUS_CLIENT WARN DANGEROUS_SOCKS with its arguments', () => {
    expect(events[1]).toMatchObject({
      type: 'STATUS_CLIENT',
      severity: 'WARN',
      action: 'DANGEROUS_SOCKS',
      args: { PROTOCOL: 'SOCKS5', ADDRESS: '127.0.0.1:8080' },
    });
    expect(events[1]).not.toHaveProperty('bootstrap');
  });

  it('STREAM NEW: target, source address, purpose, isolation fields', () => {
    expect(events[2]).toEqual({
      type: 'STREAM',
      id: '80',
      status: 'NEW',
      circuitId: '0',
      target: '127.0.0.1:8080',
      targetAddress: '127.0.0.1',
      targetPort: 8080,
      sourceAddr: '127.0.0.1:39442',
      purpose: 'USER',
      clientProtocol: 'SOCKS5',
      nymEpoch: 0,
      sessionGroup: -4,
      isoFields: ['SOCKS_USERNAME', 'SOCKS_PASSWORD', 'CLIENTADDR', 'SESSION_GROUP', 'NYM_EPOCH'],
    });
    expect(events[4]).toMatchObject({ type: 'STREAM', status: 'REMAP', source: 'EXIT', circuitId: '2' });
    expect(events[5]).toMatchObject({ type: 'STREAM', status: 'SUCCEEDED' });
  });

  it('CIRC FAILED without a path: flags, purpose, time, reason', () => {
    expect(events[6]).toEqual({
      type: 'CIRC',
      id: '57',
      status: 'FAILED',
      path: [],
      buildFlags: ['NEED_CAPACITY', 'NEED_UPTIME'],
      purpose: 'CONFLUX_UNLINKED',
      timeCreated: '2026-11-25T22:43:26.929401',
      reason: 'NOPATH',
    });
  });

  it('CIRC LAUNCHED → EXTENDED → BUILT grows the path hop by hop', () => {
    const c61 = events.filter((e) => e.type === 'CIRC' && e.id === '61');
    expect(c61.map((e) => (e.type === 'CIRC' ? [e.status, e.path.length] : []))).toEqual([
      ['LAUNCHED', 0],
      ['EXTENDED', 1],
      ['EXTENDED', 2],
      ['EXTENDED', 3],
      ['BUILT', 3],
    ]);
    const built = c61[4];
    expect(built?.type === 'CIRC' && built.path).toEqual([AUTH, RELAY1, RELAY3]);
    expect(built?.type === 'CIRC' && built.confluxId).toBe('32B902F3A9B9D6E3739CFD9');
  });
});

describe('parseEvent on the remaining event kinds', () => {
  const events = eventsOf('events-composed.txt');
  const byType = (type: string): TorEvent[] => events.filter((e) => e.type === type);

  it('STATUS_CLIENT BOOTSTRAP gives progress, tag and summary', () => {
    expect(byType('STATUS_CLIENT')[0]).toEqual({
      type: 'STATUS_CLIENT',
      severity: 'NOTICE',
      action: 'BOOTSTRAP',
      args: {
        PROGRESS: '75',
        TAG: 'enough_dirinfo',
        SUMMARY: 'Loaded enough directory info to build circuits',
      },
      bootstrap: {
        severity: 'NOTICE',
        progress: 75,
        tag: 'enough_dirinfo',
        summary: 'Loaded enough directory info to build circuits',
      },
    });
  });

  it('STATUS_CLIENT WARN BOOTSTRAP gives warning, reason, count, recommendation and host', () => {
    const warn = byType('STATUS_CLIENT')[1];
    expect(warn?.type === 'STATUS_CLIENT' && warn.bootstrap).toEqual({
      severity: 'WARN',
      progress: 5,
      tag: 'conn',
      summary: 'Connecting to a relay',
      warning: 'Connection refused',
      reason: 'CONNECTREFUSED',
      count: 3,
      recommendation: 'ignore',
      host: 'E90F8CD176C60FD081C7ADFDA3E48726DF9E682A',
      hostAddr: '127.0.0.1:20000',
    });
  });

  it('STATUS_GENERAL and STATUS_SERVER', () => {
    expect(byType('STATUS_GENERAL')[0]).toMatchObject({ severity: 'NOTICE', action: 'CLOCK_JUMPED', args: { TIME: '120' } });
    expect(byType('STATUS_SERVER')[0]).toMatchObject({ action: 'CHECKING_REACHABILITY', args: { ORADDRESS: '127.0.0.1:20011' } });
    // §4.1.10: tor before 0.2.0.22-rc wrote STATUS_SEVER.
    expect(one('650 STATUS_SEVER NOTICE GOOD_SERVER_DESCRIPTOR\r\n').type).toBe('STATUS_SERVER');
  });

  it('HS_DESC with an HSDir LongName, descriptor id and index; FAILED with UNKNOWN HSDir and reason', () => {
    const [requested, failed] = byType('HS_DESC');
    expect(requested).toEqual({
      type: 'HS_DESC',
      action: 'REQUESTED',
      address: 'pk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad',
      authType: 'NO_AUTH',
      hsDir: '$30D3DC1C77F79103F089E8DF6FBEE94440383C5A~relay2',
      hsDirRelay: { fingerprint: '30D3DC1C77F79103F089E8DF6FBEE94440383C5A', nickname: 'relay2' },
      descriptorId: 'Xq3mzwX4jdRbYwxWqZAqW5QdzqUuLRyrmrB1d0Ph7Yc',
      hsDirIndex: '0F2CC0DE59B4B31C6C1B8ECE2D2A9E1B1D5ACFB9D0A37C5E0E7F3BB98D1A4F20',
    });
    expect(failed).toMatchObject({ action: 'FAILED', hsDir: 'UNKNOWN', hsDirRelay: undefined, reason: 'QUERY_NO_HSDIR' });
  });

  it('ORCONN to a known relay and an incoming NEW connection by address', () => {
    const [closed, incoming] = byType('ORCONN');
    expect(closed).toMatchObject({ relay: RELAY1, status: 'CLOSED', reason: 'DONE', circuitCount: 2, connectionId: '17' });
    expect(incoming).toMatchObject({ relay: undefined, address: '127.0.0.1', port: 45012, status: 'NEW', connectionId: '18' });
  });

  it('CIRC_BW and STREAM_BW (written before read, §4.1.13)', () => {
    expect(byType('CIRC_BW')[0]).toEqual({
      type: 'CIRC_BW',
      id: '2',
      read: 509,
      written: 1018,
      time: '2026-11-25T22:43:31.000123',
      deliveredRead: 498,
      overheadRead: 0,
      deliveredWritten: 996,
      overheadWritten: 0,
      slowStart: false,
      congestionWindow: 124,
      rttMs: 31,
      minRttMs: 12,
    });
    expect(byType('STREAM_BW')[0]).toEqual({ type: 'STREAM_BW', id: '80', written: 62, read: 8302010, time: '2026-11-25T22:43:31.000456' });
  });

  it('log events, single-line and the 650+ data form with dot-unescaping', () => {
    expect(byType('NOTICE')[0]).toEqual({ type: 'NOTICE', message: 'Bootstrapped 100% (done): Done' });
    expect(byType('WARN')[0]).toEqual({
      type: 'WARN',
      message: 'Problem bootstrapping. Stuck at 75% (enough_dirinfo):\n.dot-stuffed second line',
    });
    expect(one('650 DEBUG \r\n')).toEqual({ type: 'DEBUG', message: '' });
  });

  it('NETWORK_LIVENESS and CONF_CHANGED (650- multi-line, a bare key means unset)', () => {
    expect(byType('NETWORK_LIVENESS')[0]).toEqual({ type: 'NETWORK_LIVENESS', status: 'UP' });
    expect(byType('CONF_CHANGED')[0]).toEqual({
      type: 'CONF_CHANGED',
      changes: [
        { key: 'SocksPort', value: '127.0.0.1:20100' },
        { key: '__OwningControllerProcess', value: null },
      ],
    });
  });

  it('anything else is UNKNOWN with its name and raw text', () => {
    expect(byType('UNKNOWN')).toEqual([
      { type: 'UNKNOWN', name: 'GUARD', raw: 'GUARD ENTRY $B3A79CA7CE5A641C58802528E82CC9D8925C4A18~bridge UP' },
    ]);
    expect(one('650+NS\r\nr auth x\r\n.\r\n650 OK\r\n')).toEqual({ type: 'UNKNOWN', name: 'NS', raw: 'NS\nr auth x\nOK' });
  });
});

describe('parseEvent tolerance and malformed events', () => {
  it('accepts extra arguments and extra lines in an event (control-spec §4.1 example)', () => {
    const e = one('650-CIRC 1000 EXTENDED $E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth 0xBEEF\r\n650-EXTRAMAGIC=99\r\n650 ANONYMITY=high\r\n');
    expect(e).toMatchObject({ type: 'CIRC', id: '1000', status: 'EXTENDED', path: [AUTH] });
  });

  it('accepts the legacy "$FP=Nick" path form', () => {
    const e = one('650 CIRC 3 BUILT $E90F8CD176C60FD081C7ADFDA3E48726DF9E682A=auth\r\n');
    expect(e).toMatchObject({ path: [AUTH] });
  });

  it('throws TorProtocolError for events missing required fields or with non-numeric counts', () => {
    expect(() => one('650 CIRC 5\r\n')).toThrow(TorProtocolError);
    expect(() => one('650 BW 12 lots\r\n')).toThrow(TorProtocolError);
    expect(() => one('650 STREAM 1 NEW 0\r\n')).toThrow(TorProtocolError);
    expect(() => one('650 CIRC 5 BUILT moria1,moria2\r\n')).toThrow(/bad relay in circuit path/);
    expect(() => one('650 STATUS_CLIENT NOTICE BOOTSTRAP TAG=done\r\n')).toThrow(/PROGRESS/);
  });
});

// Speed is measured by `npm run bench` (tor.parse_vs_stem), never asserted in a test.
describe('parseEvent at volume', () => {
  it('frames and parses 50k transcript events, every one of them', () => {
    const sample = fixtureBytes('events-client.txt');
    const copies = Math.ceil(50_000 / 24);
    const wire = Buffer.concat(Array.from({ length: copies }, () => sample));
    let n = 0;
    for (const frame of frameAll(wire)) {
      expect(parseEvent(frame.reply).type).not.toBe('UNKNOWN');
      n++;
    }
    expect(n).toBe(copies * 24);
  });
});

import { describe, expect, it } from 'vitest';
import { I2pControlError, netStatusName, parseAuthenticate, parseRouterInfo, parseRpcEnvelope } from './replies';

// Captured from the bundled i2pd 2.59 in the lab (values trimmed to the keys the app asks for).
const ROUTER_INFO = {
  'i2p.router.net.bw.inbound.15s': 0.0,
  'i2p.router.net.bw.inbound.1s': 1234.5,
  'i2p.router.net.bw.outbound.15s': 0.0,
  'i2p.router.net.bw.outbound.1s': 99.0,
  'i2p.router.net.status': 2,
  'i2p.router.net.tunnels.participating': 3,
  'i2p.router.net.tunnels.successrate': 10,
  'i2p.router.net.total.received.bytes': 100.0,
  'i2p.router.net.total.sent.bytes': 200.0,
  'i2p.router.netdb.activepeers': 1,
  'i2p.router.netdb.knownpeers': 2,
  'i2p.router.status': '1',
  'i2p.router.uptime': 4000,
  'i2p.router.version': '2.59.0',
};

describe('I2PControl replies', () => {
  it('unwraps result and turns error members into typed errors', () => {
    expect(parseRpcEnvelope('{"id":1,"result":{"API":1,"Token":"17"},"jsonrpc":"2.0"}')).toEqual({ API: 1, Token: '17' });
    const e = (() => {
      try {
        parseRpcEnvelope('{"id":1,"error":{"code":-32601,"message":"Method not found"},"jsonrpc":"2.0"}');
      } catch (err) {
        return err;
      }
      return null;
    })();
    expect(e).toBeInstanceOf(I2pControlError);
    expect(e).toMatchObject({ kind: 'RPC', rpcCode: -32601 });
    expect(() => parseRpcEnvelope('<html>')).toThrow(/no JSON/);
    expect(() => parseRpcEnvelope('{"id":1}')).toThrow(I2pControlError);
  });
  it('a wrong password answers {} without error: AUTH', () => {
    expect(parseAuthenticate({ API: 1, Token: '1795646386' })).toBe('1795646386');
    expect(() => parseAuthenticate({})).toThrow(/refused the password/);
  });
  it('parses RouterInfo, status as a string', () => {
    const r = parseRouterInfo(ROUTER_INFO);
    expect(r).toMatchObject({ ready: true, uptimeMs: 4000, version: '2.59.0', netStatus: 'unknown', activePeers: 1, knownPeers: 2, bwIn1s: 1234.5 });
    expect(() => parseRouterInfo({ ...ROUTER_INFO, 'i2p.router.uptime': 'soon' })).toThrow(I2pControlError);
  });
  it('maps net.status codes by version (they shifted in 2.46)', () => {
    expect(netStatusName(1, '2.45.1')).toBe('testing');
    // The table changed in 2.49.0, not earlier: 2.48 still has Testing at 1, Firewalled at 2.
    expect(netStatusName(1, '2.48.0')).toBe('testing');
    expect(netStatusName(2, '2.48.0')).toBe('firewalled');
    expect(netStatusName(1, '2.49.0')).toBe('firewalled');
    expect(netStatusName(2, '2.56.0')).toBe('unknown');
    expect(netStatusName(1, '2.59.0')).toBe('firewalled');
    expect(netStatusName(3, '2.45.1')).toBe('unknown');
    expect(netStatusName(0, '2.59.0')).toBe('ok');
    expect(netStatusName(99, '2.59.0')).toBe('unknown');
  });
});

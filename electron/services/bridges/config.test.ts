// The tor configuration generated for a choice: one plugin line per binary, and no transport whose
// binary is missing.
import { describe, expect, it } from 'vitest';
import { parseBridgeLines } from './bridge-line';
import { BridgeConfigError, bridgeTorConfig } from './config';
import { pluginPathProblem, resolveTransports, type PluggableTransport, type TransportAvailability } from './transports';
import type { ResolvedBinary } from '../../supervisor/binaries';
import { BinaryNotFoundError } from '../../supervisor/binaries';

const FPR = 'CDF2E852BF539B82BD10E27E9115A31734E378C2';
const CERT = 'qUVQ0srL1JI/vO6V6m/24anYXiJD3QP2HgzUKQtQ7GRqqUvs7P+tG43RtAqdhLOALP7DJQ';
const bin = (name: string, dir = '/app/bin'): ResolvedBinary => ({ name, source: 'bundled', file: `${dir}/${name}`, command: `${dir}/${name}`, argsPrefix: [], env: {}, version: null });
const bridges = (text: string) => parseBridgeLines(text).map((r) => r.bridge).filter((b) => b !== null);

describe('bridgeTorConfig', () => {
  const lyre = { binary: bin('lyrebird'), problem: null };
  const avail = new Map<PluggableTransport, TransportAvailability>([
    ['obfs4', { transport: 'obfs4', ...lyre }],
    ['meek_lite', { transport: 'meek_lite', ...lyre }],
    ['webtunnel', { transport: 'webtunnel', binary: bin('webtunnel-client'), problem: null }],
    ['snowflake', { transport: 'snowflake', binary: null, problem: 'snowflake-client not found' }],
  ]);

  it('groups transports served by one binary into one ClientTransportPlugin', () => {
    const c = bridgeTorConfig(
      bridges(`obfs4 192.0.2.1:443 ${FPR} cert=${CERT} iat-mode=0\nmeek_lite 192.0.2.2:80 url=https://x.example/\nwebtunnel [2001:db8::1]:443 ${FPR} url=https://y.example/p\n192.0.2.9:9001`),
      avail,
    );
    expect(c.ClientTransportPlugin).toEqual(['obfs4,meek_lite exec /app/bin/lyrebird', 'webtunnel exec /app/bin/webtunnel-client']);
    expect(c.Bridge).toHaveLength(4);
  });

  it('vanilla bridges need no plugin', () => {
    expect(bridgeTorConfig(bridges('192.0.2.9:9001'), avail).ClientTransportPlugin).toEqual([]);
  });

  it('refuses a transport whose binary is missing', () => {
    expect(() => bridgeTorConfig(bridges('snowflake 192.0.2.3:80 url=https://b.example/'), avail)).toThrow(BridgeConfigError);
    expect(() => bridgeTorConfig(bridges('snowflake 192.0.2.3:80 url=https://b.example/'), avail)).toThrow(/snowflake-client not found/);
  });

  it('refuses an empty list', () => {
    expect(() => bridgeTorConfig([], avail)).toThrow(/no bridges/);
  });
});

describe('resolveTransports', () => {
  it('marks a transport unavailable when its binary does not resolve, and resolves each binary once', async () => {
    const calls: string[] = [];
    const m = await resolveTransports(async (name) => {
      calls.push(name);
      if (name === 'snowflake-client') throw new BinaryNotFoundError(name, ['bundled: (no manifest)']);
      return bin(name);
    });
    expect(calls.sort()).toEqual(['lyrebird', 'snowflake-client', 'webtunnel-client']);
    expect(m.get('obfs4')?.problem).toBeNull();
    expect(m.get('snowflake')?.binary).toBeNull();
    expect(m.get('snowflake')?.problem).toMatch(/snowflake-client not found/);
  });

  it('flags paths tor cannot express', () => {
    expect(pluginPathProblem(bin('lyrebird', '/My Apps/bin'))).toMatch(/spaces/);
    expect(pluginPathProblem(bin('lyrebird'))).toBeNull();
  });
});

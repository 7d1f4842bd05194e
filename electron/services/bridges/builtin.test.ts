// Shape of the built-in bridge data file: dated source, every line valid for its transport, and
// the configuration generated from each choice. Nothing here dials these public addresses.
import { describe, expect, it } from 'vitest';
import { BUILTIN, BUILTIN_INFO, builtinLines } from './builtin';
import { parseBridgeLine } from './bridge-line';
import { bridgeTorConfig, bridgeTorrcLines } from './config';
import type { PluggableTransport, TransportAvailability } from './transports';
import type { ResolvedBinary } from '../../supervisor/binaries';

const bin = (name: string): ResolvedBinary => ({ name, source: 'bundled', file: `/app/bin/${name}`, command: `/app/bin/${name}`, argsPrefix: [], env: {}, version: null });
const ALL = new Map<PluggableTransport, TransportAvailability>([
  ['obfs4', { transport: 'obfs4', binary: bin('lyrebird'), problem: null }],
  ['meek_lite', { transport: 'meek_lite', binary: bin('lyrebird'), problem: null }],
  ['webtunnel', { transport: 'webtunnel', binary: bin('webtunnel-client'), problem: null }],
  ['snowflake', { transport: 'snowflake', binary: bin('snowflake-client'), problem: null }],
]);

describe('builtin-bridges.json', () => {
  it('records where and when it was taken', () => {
    expect(BUILTIN.source.url).toMatch(/^https:\/\/gitlab\.torproject\.org\/tpo\/applications\/tor-browser-build\/.*pt_config\.json$/);
    expect(BUILTIN.source.retrievedAt).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    expect(BUILTIN.source.commit).toMatch(/^[0-9a-f]{40}$/);
  });

  it('has obfs4, snowflake and meek lines, each valid for its transport', () => {
    expect(BUILTIN.bridges.obfs4.length).toBeGreaterThanOrEqual(5);
    expect(BUILTIN.bridges.snowflake.length).toBeGreaterThanOrEqual(1);
    expect(BUILTIN.bridges.meek.length).toBeGreaterThanOrEqual(1);
    for (const info of BUILTIN_INFO) {
      for (const line of builtinLines(info.id)) {
        const r = parseBridgeLine(line);
        expect(r.errors, line).toEqual([]);
        expect(r.bridge?.transport).toBe(info.transport);
        // Canonical form equals the shipped text, so what tor gets is exactly what Tor Browser ships.
        expect(r.bridge?.line).toBe(line);
      }
    }
  });

  it('has no duplicate lines and one explanation sentence per choice', () => {
    const all = Object.values(BUILTIN.bridges).flat();
    expect(new Set(all).size).toBe(all.length);
    for (const info of BUILTIN_INFO) {
      expect(info.explanation.split(/\.\s/)).toHaveLength(1);
      expect(info.explanation.endsWith('.')).toBe(true);
    }
  });

  it.each(['obfs4', 'snowflake', 'meek'] as const)('generates the tor configuration for %s', (id) => {
    const bridges = builtinLines(id).map((l) => parseBridgeLine(l).bridge).filter((b) => b !== null);
    const conf = bridgeTorConfig(bridges, ALL);
    expect(conf.UseBridges).toBe('1');
    expect(conf.Bridge).toEqual(builtinLines(id));
    const expectedPlugin = { obfs4: 'obfs4 exec /app/bin/lyrebird', snowflake: 'snowflake exec /app/bin/snowflake-client', meek: 'meek_lite exec /app/bin/lyrebird' }[id];
    expect(conf.ClientTransportPlugin).toEqual([expectedPlugin]);
    const lines = bridgeTorrcLines(conf);
    expect(lines[0]).toBe('UseBridges 1');
    expect(lines).toContain(`ClientTransportPlugin ${expectedPlugin}`);
    expect(lines.filter((l) => l.startsWith('Bridge '))).toHaveLength(builtinLines(id).length);
  });
});

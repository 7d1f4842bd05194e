// Table-driven checks of the bridge-line parser: every transport, IPv4/IPv6, the Bridge prefix,
// many lines at once, and each kind of field error.
import { describe, expect, it } from 'vitest';
import { describeErrors, parseBridgeLine, parseBridgeLines, validBridgesOrErrors } from './bridge-line';

const FPR = 'CDF2E852BF539B82BD10E27E9115A31734E378C2';
const CERT = 'qUVQ0srL1JI/vO6V6m/24anYXiJD3QP2HgzUKQtQ7GRqqUvs7P+tG43RtAqdhLOALP7DJQ';
const OBFS4 = `obfs4 192.0.2.1:443 ${FPR} cert=${CERT} iat-mode=0`;

describe('parseBridgeLine: valid lines', () => {
  const cases: [string, string, Partial<{ transport: string; address: string; port: number; fingerprint: string | null; line: string }>][] = [
    ['obfs4', OBFS4, { transport: 'obfs4', address: '192.0.2.1', port: 443, fingerprint: FPR, line: OBFS4 }],
    ['Bridge prefix', `Bridge ${OBFS4}`, { transport: 'obfs4', line: OBFS4 }],
    ['lower-case prefix and extra spaces', `  bridge   ${OBFS4.replace(/ /g, '  ')} `, { line: OBFS4 }],
    ['lower-case fingerprint is normalised', OBFS4.replace(FPR, FPR.toLowerCase()), { fingerprint: FPR, line: OBFS4 }],
    ['obfs4 on IPv6', `obfs4 [2001:db8::1]:9001 ${FPR} cert=${CERT} iat-mode=2`, { address: '2001:db8::1', port: 9001, line: `obfs4 [2001:db8::1]:9001 ${FPR} cert=${CERT} iat-mode=2` }],
    ['obfs4 without fingerprint', `obfs4 192.0.2.1:443 cert=${CERT} iat-mode=1`, { fingerprint: null }],
    ['webtunnel', `webtunnel [2001:db8::2]:443 ${FPR} url=https://example.com/secret ver=0.0.1`, { transport: 'webtunnel', port: 443 }],
    ['snowflake', `snowflake 192.0.2.3:80 ${FPR} fingerprint=${FPR} url=https://snowflake-broker.example/ fronts=a.example ice=stun:stun.example:3478 utls-imitate=hellorandomizedalpn`, { transport: 'snowflake' }],
    ['meek_lite', 'meek_lite 192.0.2.20:80 url=https://cdn.example.org front=www.example.net utls=HelloRandomizedALPN', { transport: 'meek_lite', fingerprint: null }],
    ['meek alias', `meek 192.0.2.20:80 ${FPR} url=https://cdn.example.org front=www.example.net`, { transport: 'meek_lite', line: `meek_lite 192.0.2.20:80 ${FPR} url=https://cdn.example.org front=www.example.net` }],
    ['vanilla with fingerprint', `192.0.2.9:9001 ${FPR}`, { transport: 'vanilla', line: `192.0.2.9:9001 ${FPR}` }],
    ['vanilla with $fingerprint', `Bridge 192.0.2.9:9001 $${FPR}`, { transport: 'vanilla', fingerprint: FPR }],
    ['vanilla IPv6 without fingerprint', '[::1]:1', { transport: 'vanilla', address: '::1', port: 1, fingerprint: null }],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    const r = parseBridgeLine(input);
    expect(r.errors).toEqual([]);
    expect(r.bridge).toMatchObject(expected);
  });
});

describe('parseBridgeLine: invalid lines give field-level errors', () => {
  const cases: [string, string, { field: string; arg?: string | null; match: RegExp }][] = [
    ['port 0', OBFS4.replace(':443', ':0'), { field: 'port', match: /out of range/ }],
    ['port too big', OBFS4.replace(':443', ':65536'), { field: 'port', match: /out of range/ }],
    ['port not a number', OBFS4.replace(':443', ':https'), { field: 'port', match: /not a port number/ }],
    ['port missing', OBFS4.replace(':443', ''), { field: 'port', match: /missing/ }],
    ['short fingerprint', OBFS4.replace(FPR, FPR.slice(1)), { field: 'fingerprint', match: /40 hex digits \(got 39\)/ }],
    ['fingerprint not hex', OBFS4.replace(FPR, 'Z'.repeat(40)), { field: 'fingerprint', match: /not a fingerprint/ }],
    ['missing cert', OBFS4.replace(` cert=${CERT}`, ''), { field: 'args', arg: 'cert', match: /obfs4 needs cert=/ }],
    ['missing iat-mode', OBFS4.replace(' iat-mode=0', ''), { field: 'args', arg: 'iat-mode', match: /needs iat-mode=/ }],
    ['bad iat-mode', OBFS4.replace('iat-mode=0', 'iat-mode=3'), { field: 'args', arg: 'iat-mode', match: /0, 1 or 2/ }],
    ['truncated cert', OBFS4.replace(CERT, CERT.slice(0, 60)), { field: 'args', arg: 'cert', match: /70 base64 characters \(got 60\)/ }],
    ['webtunnel without url', `webtunnel 192.0.2.1:443 ${FPR} ver=0.0.1`, { field: 'args', arg: 'url', match: /webtunnel needs url=/ }],
    ['webtunnel url not a URL', `webtunnel 192.0.2.1:443 ${FPR} url=nope`, { field: 'args', arg: 'url', match: /must be a URL/ }],
    ['meek without url', 'meek_lite 192.0.2.20:80 front=x', { field: 'args', arg: 'url', match: /needs url=/ }],
    ['unknown transport', `obfs5 192.0.2.1:443 ${FPR}`, { field: 'transport', match: /unknown transport "obfs5"/ }],
    ['garbage', 'hello world, please connect me', { field: 'transport', match: /unknown transport "hello"/ }],
    ['punctuation garbage', '!!! ???', { field: 'line', match: /not a bridge line/ }],
    ['hostname instead of IP', `obfs4 bridge.example.org:443 ${FPR} cert=${CERT} iat-mode=0`, { field: 'address', match: /not an IPv4 address/ }],
    ['bad IPv4', `obfs4 300.1.1.1:443 ${FPR} cert=${CERT} iat-mode=0`, { field: 'address', match: /not an IPv4/ }],
    ['IPv6 without brackets', `2001:db8::1:443 ${FPR}`, { field: 'address', match: /IPv6|IPv4/ }],
    ['bad IPv6', `obfs4 [2001:zz::1]:443 ${FPR} cert=${CERT} iat-mode=0`, { field: 'address', match: /not an IPv6/ }],
    ['transport without address', 'obfs4', { field: 'address', match: /missing/ }],
    ['stray word', `${OBFS4} extra`, { field: 'args', match: /"extra" is not a key=value/ }],
    ['duplicate arg', `${OBFS4} iat-mode=1`, { field: 'args', arg: 'iat-mode', match: /given twice/ }],
    ['empty value', OBFS4.replace('iat-mode=0', 'iat-mode='), { field: 'args', arg: 'iat-mode', match: /no value/ }],
    ['vanilla with args', `192.0.2.9:9001 ${FPR} cert=x`, { field: 'args', match: /takes no key=value/ }],
    ['only the prefix', 'Bridge', { field: 'line', match: /empty/ }],
    ['control characters', `obfs4 192.0.2.1:443\u0007`, { field: 'line', match: /control characters/ }],
  ];
  it.each(cases)('%s', (_name, input, expected) => {
    const r = parseBridgeLine(input);
    expect(r.bridge).toBeNull();
    const e = r.errors.find((x) => x.field === expected.field && (expected.arg === undefined || x.arg === expected.arg));
    expect(e, JSON.stringify(r.errors)).toBeDefined();
    expect(e?.message).toMatch(expected.match);
  });

  it('reports every problem of a line, not just the first', () => {
    const r = parseBridgeLine(`obfs4 192.0.2.1:0 ${FPR.slice(2)} iat-mode=7`);
    expect(r.errors.map((e) => `${e.field}:${e.arg ?? ''}`).sort()).toEqual(['args:cert', 'args:iat-mode', 'fingerprint:', 'port:']);
  });
});

describe('parseBridgeLines', () => {
  it('parses many lines, skipping blanks and comments, keeping line numbers', () => {
    const text = [`# my bridges`, `Bridge ${OBFS4}`, '', `192.0.2.9:9001 ${FPR}`, 'obfs4 192.0.2.1:443 short'].join('\r\n');
    const results = parseBridgeLines(text);
    expect(results.map((r) => r.lineNumber)).toEqual([2, 4, 5]);
    expect(results.map((r) => r.bridge !== null)).toEqual([true, true, false]);
    const { bridges, invalid } = validBridgesOrErrors(results);
    expect(bridges).toEqual([]); // nothing is applied when any line is invalid
    expect(invalid).toHaveLength(1);
    expect(describeErrors(results)).toMatch(/^line 5: fingerprint "short" is not a fingerprint/);
  });

  it('returns every bridge when all lines are valid', () => {
    const { bridges, invalid } = validBridgesOrErrors(parseBridgeLines(`${OBFS4}\nBridge 192.0.2.9:9001`));
    expect(invalid).toEqual([]);
    expect(bridges.map((b) => b.line)).toEqual([OBFS4, '192.0.2.9:9001']);
  });
});

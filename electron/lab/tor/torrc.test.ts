// Unit tests for the lab torrc builders and their guard: every lab text has TestingTorNetwork 1,
// exactly the lab DirAuthority, and no address that could leave the host.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import {
  LabTorrcError,
  assertLabTorrc,
  authorityTorrc,
  bridgeClientLabLines,
  bridgeTorrc,
  clientLabLines,
  dirAuthorityValue,
  fillBridgeLine,
  keygenTorrc,
  quoteValue,
  relayTorrc,
} from './torrc';

const AUTH_FPR = '6B6461325A18347A56AF537BEE86775A0039E165';
const DIR_AUTH = dirAuthorityValue({ nickname: 'auth', orPort: 22106, dirPort: 22107, v3ident: 'C120D5D0FE7675B9D8435FCB4DA05ED4D277D797', fingerprint: AUTH_FPR });
const node = (nickname: string, orPort: number) => ({
  dataDir: `/tmp/lab/${nickname}`,
  dirAuthority: DIR_AUTH,
  owningPid: 4242,
  nickname,
  orPort,
  controlSocket: `/tmp/lab/${nickname}/control.sock`,
  controlPortFile: `/tmp/lab/${nickname}/control-port`,
});

const texts: Record<string, string> = {
  authority: authorityTorrc({ ...node('auth', 22106), dirPort: 22107, fingerprint: AUTH_FPR, exits: true }),
  authorityNoExit: authorityTorrc({ ...node('auth', 22106), dirPort: 22107, fingerprint: AUTH_FPR, exits: false }),
  relay: relayTorrc({ ...node('relay1', 22108), exits: true }),
  relayNoExit: relayTorrc({ ...node('relay1', 22108), exits: false }),
  bridge: bridgeTorrc({ ...node('bridge', 22111), transportArgv: ['/opt/underpass/bin/lyrebird'], obfs4Port: 22112 }),
  keygen: keygenTorrc({ dataDir: '/tmp/lab/relay1', nickname: 'relay1', orPort: 22108 }),
  client: ['DataDirectory /tmp/lab/client', 'SocksPort unix:/tmp/lab/client/socks.sock', ...clientLabLines(DIR_AUTH)].join('\n'),
  bridgeClient: [
    'DataDirectory /tmp/lab/bridgeclient',
    ...bridgeClientLabLines(DIR_AUTH, ['/opt/underpass/bin/lyrebird'], `obfs4 127.0.0.1:22112 ${AUTH_FPR} cert=abc iat-mode=0`),
  ].join('\n'),
};

// Names and addresses of tor's compiled-in authorities and fallback dirs (a sample): none may appear.
const PUBLIC_AUTHORITIES = [
  'moria1',
  'tor26',
  'dizum',
  'gabelmoo',
  'dannenberg',
  'maatuska',
  'longclaw',
  'bastet',
  'faravahar',
  'Serge',
  '128.31.0.',
  '217.196.147.77',
  '45.66.35.11',
  '131.188.40.189',
  '193.23.244.244',
  '171.25.193.9',
  '199.58.81.140',
  '204.13.164.118',
  '216.218.219.41',
  '66.111.2.131',
];

describe('lab torrc builders', () => {
  it.each(Object.entries(texts))('%s has TestingTorNetwork 1 and only a loopback DirAuthority', (_name, text) => {
    const lines = text.split('\n');
    expect(lines).toContain('TestingTorNetwork 1');
    const dirAuths = lines.filter((l) => /DirAuthority|DirServer|FallbackDir|BridgeAuthority/i.test(l));
    expect(dirAuths).toHaveLength(1);
    expect(dirAuths[0]).toMatch(/^DirAuthority \w+ orport=\d+ no-v2 (v3ident=[0-9A-F]{40} )?127\.0\.0\.1:\d+ [0-9A-F]{40}$/);
    for (const ip of text.match(/\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b/g) ?? []) expect(ip.startsWith('127.')).toBe(true);
    for (const name of PUBLIC_AUTHORITIES) expect(text.toLowerCase()).not.toContain(name.toLowerCase());
  });

  it.each(Object.entries(texts).filter(([n]) => n !== 'keygen'))('%s carries exactly the lab DirAuthority', (_name, text) => {
    expect(() => assertLabTorrc(text, DIR_AUTH)).not.toThrow();
  });

  it('formats the DirAuthority line as the notes verified', () => {
    expect(DIR_AUTH).toBe(`auth orport=22106 no-v2 v3ident=C120D5D0FE7675B9D8435FCB4DA05ED4D277D797 127.0.0.1:22107 ${AUTH_FPR}`);
  });

  it('authority: votes, HSDir only for itself, control by unix socket', () => {
    const lines = texts.authority!.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'AuthoritativeDirectory 1',
        'V3AuthoritativeDirectory 1',
        'TestingV3AuthInitialVotingInterval 5',
        'V3AuthVotingInterval 10',
        'TestingDirAuthVoteGuard *',
        'TestingDirAuthVoteExit *',
        `TestingDirAuthVoteHSDir ${AUTH_FPR}`,
        'DirPort 127.0.0.1:22107',
        'ORPort 127.0.0.1:22106',
        'ControlPort unix:/tmp/lab/auth/control.sock',
        'ShutdownWaitLength 0',
        '__OwningControllerProcess 4242',
        'SocksPort 0',
      ]),
    );
  });

  it('exits accept *:* only when isolated; otherwise every node rejects all exits', () => {
    expect(texts.relay).toContain('ExitPolicy accept *:*');
    expect(texts.relay).toContain('ExitPolicyRejectPrivate 0');
    for (const t of [texts.relayNoExit!, texts.authorityNoExit!, texts.bridge!]) {
      expect(t).toContain('ExitPolicy reject *:*');
      expect(t).not.toContain('accept');
      expect(t).not.toContain('TestingDirAuthVoteExit');
    }
    expect(texts.relay).toContain('DirCache 0');
  });

  it('bridge: unpublished obfs4 through the given transport binary', () => {
    const lines = texts.bridge!.split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        'BridgeRelay 1',
        'PublishServerDescriptor 0',
        'ServerTransportPlugin obfs4 exec /opt/underpass/bin/lyrebird',
        'ServerTransportListenAddr obfs4 127.0.0.1:22112',
        'ExtORPort auto',
      ]),
    );
  });

  it('keygen torrc never touches the network', () => {
    expect(texts.keygen).toContain('DisableNetwork 1');
    expect(texts.keygen).toMatch(/DirAuthority keygen orport=22108 no-v2 127\.0\.0\.1:22108 0{40}/);
  });

  it('client lines carry the notes tweaks; the bridge client keeps its guards', () => {
    expect(clientLabLines(DIR_AUTH)).toEqual([
      'TestingTorNetwork 1',
      `DirAuthority ${DIR_AUTH}`,
      'TestingClientMaxIntervalWithoutRequest 1',
      'ConfluxEnabled 0',
      'UseEntryGuards 0',
    ]);
    expect(texts.bridgeClient).toContain('UseBridges 1');
    expect(texts.bridgeClient).toContain('ClientTransportPlugin obfs4 exec /opt/underpass/bin/lyrebird');
    expect(texts.bridgeClient).not.toContain('UseEntryGuards');
  });
});

describe('assertLabTorrc', () => {
  const good = `TestingTorNetwork 1\nDirAuthority ${DIR_AUTH}\n`;
  it('refuses a torrc without TestingTorNetwork', () => {
    expect(() => assertLabTorrc(`DirAuthority ${DIR_AUTH}\n`, DIR_AUTH)).toThrow(LabTorrcError);
  });
  it('refuses a torrc without DirAuthority (tor would use the public authorities)', () => {
    expect(() => assertLabTorrc('TestingTorNetwork 1\n', DIR_AUTH)).toThrow(/exactly the lab DirAuthority/);
  });
  it('refuses a second or a foreign authority', () => {
    expect(() => assertLabTorrc(`${good}DirAuthority moria1 orport=9201 v3ident=D586D18309DED4CD6D57C18FDB97EFA96D330566 128.31.0.39:9231 F533 C81C\n`, DIR_AUTH)).toThrow(
      LabTorrcError,
    );
    expect(() => assertLabTorrc(`${good}AlternateDirAuthority x 127.0.0.1:1 ${AUTH_FPR}\n`, DIR_AUTH)).toThrow(LabTorrcError);
  });
  it('refuses FallbackDir and public addresses', () => {
    expect(() => assertLabTorrc(`${good}FallbackDir 127.0.0.1:1 orport=2 id=${AUTH_FPR}\n`, DIR_AUTH)).toThrow(/FallbackDir/);
    expect(() => assertLabTorrc(`${good}Bridge obfs4 192.0.2.1:443 ${AUTH_FPR}\n`, DIR_AUTH)).toThrow(/non-loopback/);
    expect(() => assertLabTorrc(`${good}ORPort [2001:db8::1]:9001\n`, DIR_AUTH)).toThrow(/IPv6/);
  });
});

describe('values and the bridge line', () => {
  it('quotes paths with spaces and refuses line breaks', () => {
    expect(quoteValue('/tmp/a b/c')).toBe('"/tmp/a b/c"');
    expect(quoteValue('/tmp/plain')).toBe('/tmp/plain');
    expect(() => quoteValue('/tmp/x\nDirAuthority evil')).toThrow(LabTorrcError);
  });

  it('refuses transport paths tor would split', () => {
    expect(() => bridgeTorrc({ ...node('bridge', 22111), transportArgv: ['/opt/My Apps/lyrebird'], obfs4Port: 22112 })).toThrow(LabTorrcError);
  });

  it('fills lyrebird obfs4_bridgeline.txt with the address, port and fingerprint', () => {
    const template = readFileSync(new URL('./__fixtures__/obfs4_bridgeline.txt', import.meta.url), 'utf8');
    expect(fillBridgeLine(template, 22112, AUTH_FPR)).toBe(
      `obfs4 127.0.0.1:22112 ${AUTH_FPR} cert=pVlrGzzxUtMyWm91uVCWfCoxlInIksu5FHgtKgOhjQ1NEsAwb9/DS+sB3j0P1WWYKrG8ew iat-mode=0`,
    );
    expect(() => fillBridgeLine('# nothing here\n', 1, AUTH_FPR)).toThrow(LabTorrcError);
  });
});

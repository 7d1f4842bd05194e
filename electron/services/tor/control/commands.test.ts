// Encoders against the exact command lines of the tor-lab transcripts, and CR/LF injection refusal.
// Pure: no socket.
import { describe, expect, it } from 'vitest';
import {
  encodeAddOnion,
  encodeAttachStream,
  encodeAuthChallenge,
  encodeAuthenticate,
  encodeCloseCircuit,
  encodeDelOnion,
  encodeDropOwnership,
  encodeExtendCircuit,
  encodeGetConf,
  encodeGetInfo,
  encodeOnionClientAuthAdd,
  encodeOnionClientAuthRemove,
  encodeOnionClientAuthView,
  encodeProtocolInfo,
  encodeQuit,
  encodeResetConf,
  encodeSetConf,
  encodeSetEvents,
  encodeSignal,
  encodeTakeOwnership,
  quoteString,
  redactCommand,
  type TorSignal,
} from './commands';
import { TorArgumentError } from './errors';

const SID = 'pk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad';
const COOKIE_HEX = '3dedd801ebe923a0fdd3f00eb72606e18b4d183278cc5d487a049c9b05de2646';

describe('encoders reproduce the tor-lab transcript lines byte for byte', () => {
  it('authentication', () => {
    expect(encodeProtocolInfo()).toBe('PROTOCOLINFO 1\r\n');
    expect(encodeAuthenticate({ hex: Buffer.from(COOKIE_HEX, 'hex') })).toBe(`AUTHENTICATE ${COOKIE_HEX}\r\n`);
    expect(encodeAuthenticate({ password: 'labpw' })).toBe('AUTHENTICATE "labpw"\r\n');
    expect(encodeAuthenticate(null)).toBe('AUTHENTICATE\r\n');
    expect(encodeAuthChallenge(Buffer.alloc(32, 0xab))).toBe(`AUTHCHALLENGE SAFECOOKIE ${'ab'.repeat(32)}\r\n`);
  });

  it('events, info, config, ownership', () => {
    expect(encodeSetEvents(['CIRC', 'STREAM', 'BW', 'ORCONN', 'HS_DESC', 'STATUS_CLIENT'])).toBe(
      'SETEVENTS CIRC STREAM BW ORCONN HS_DESC STATUS_CLIENT\r\n',
    );
    expect(encodeSetEvents([])).toBe('SETEVENTS\r\n');
    expect(encodeGetInfo(['circuit-status'])).toBe('GETINFO circuit-status\r\n');
    expect(encodeGetInfo(['onions/detached', 'status/bootstrap-phase', 'ns/id/$E90F8CD176C60FD081C7ADFDA3E48726DF9E682A'])).toBe(
      'GETINFO onions/detached status/bootstrap-phase ns/id/$E90F8CD176C60FD081C7ADFDA3E48726DF9E682A\r\n',
    );
    expect(encodeGetConf(['__OwningControllerProcess'])).toBe('GETCONF __OwningControllerProcess\r\n');
    expect(encodeTakeOwnership()).toBe('TAKEOWNERSHIP\r\n');
    expect(encodeDropOwnership()).toBe('DROPOWNERSHIP\r\n');
    expect(encodeQuit()).toBe('QUIT\r\n');
  });

  it('ADD_ONION with ClientAuthV3, with Detach,DiscardPK, and with a persistent key', () => {
    expect(
      encodeAddOnion({
        key: { type: 'NEW', algorithm: 'ED25519-V3' },
        flags: ['V3Auth'],
        ports: [{ virtualPort: 80, target: '127.0.0.1:8080' }],
        clientAuthV3: ['7TVBVSPZLIAK4EZGJFV4FV6IK4RYQ4FHK5Q5FJQWGRUO3MIDIJEQ'],
      }),
    ).toBe('ADD_ONION NEW:ED25519-V3 Flags=V3Auth Port=80,127.0.0.1:8080 ClientAuthV3=7TVBVSPZLIAK4EZGJFV4FV6IK4RYQ4FHK5Q5FJQWGRUO3MIDIJEQ\r\n');
    expect(
      encodeAddOnion({ key: { type: 'NEW' }, flags: ['Detach', 'DiscardPK'], ports: [{ virtualPort: 80, target: '127.0.0.1:8080' }] }),
    ).toBe('ADD_ONION NEW:ED25519-V3 Flags=Detach,DiscardPK Port=80,127.0.0.1:8080\r\n');
    const key = 'KOeCWEtJeP5wn5waeuZ4HkWuSGjC/trT3XvxkXHx22AMOrhnZC7JAgfj3wUqiRE5uanzHe8saXR8tVCNvnykGw==';
    expect(encodeAddOnion({ key: { type: 'ED25519-V3', key }, ports: [{ virtualPort: 80, target: '127.0.0.1:8080' }] })).toBe(
      `ADD_ONION ED25519-V3:${key} Port=80,127.0.0.1:8080\r\n`,
    );
  });

  it('ADD_ONION adds V3Auth when client keys are given, and encodes MaxStreams and several ports', () => {
    expect(
      encodeAddOnion({
        key: { type: 'NEW', algorithm: 'BEST' },
        maxStreams: 10,
        flags: ['MaxStreamsCloseCircuit'],
        ports: [{ virtualPort: 22 }, { virtualPort: 80, target: '8080' }, { virtualPort: 443, target: 'unix:/run/app.sock' }],
        clientAuthV3: ['7TVBVSPZLIAK4EZGJFV4FV6IK4RYQ4FHK5Q5FJQWGRUO3MIDIJEQ'],
      }),
    ).toBe(
      'ADD_ONION NEW:BEST Flags=MaxStreamsCloseCircuit,V3Auth MaxStreams=10 Port=22 Port=80,8080 Port=443,unix:/run/app.sock ClientAuthV3=7TVBVSPZLIAK4EZGJFV4FV6IK4RYQ4FHK5Q5FJQWGRUO3MIDIJEQ\r\n',
    );
  });

  it('onion client auth and DEL_ONION', () => {
    expect(encodeOnionClientAuthAdd(SID, 'QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI=')).toBe(
      `ONION_CLIENT_AUTH_ADD ${SID} x25519:QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI=\r\n`,
    );
    expect(encodeOnionClientAuthAdd(SID, 'QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI=', { clientName: 'alice', permanent: true })).toBe(
      `ONION_CLIENT_AUTH_ADD ${SID} x25519:QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI= ClientName=alice Flags=Permanent\r\n`,
    );
    expect(encodeOnionClientAuthRemove(SID)).toBe(`ONION_CLIENT_AUTH_REMOVE ${SID}\r\n`);
    expect(encodeOnionClientAuthView()).toBe('ONION_CLIENT_AUTH_VIEW\r\n');
    expect(encodeOnionClientAuthView(SID)).toBe(`ONION_CLIENT_AUTH_VIEW ${SID}\r\n`);
    expect(encodeDelOnion('zzpq4752vk6h4fsg7ygt3vambk4npoec3fx3kns5nghq2rmrt754gsid')).toBe(
      'DEL_ONION zzpq4752vk6h4fsg7ygt3vambk4npoec3fx3kns5nghq2rmrt754gsid\r\n',
    );
  });

  it('circuits and streams (control-spec §3.10, §3.13, §3.17)', () => {
    expect(encodeExtendCircuit(0)).toBe('EXTENDCIRCUIT 0\r\n');
    expect(
      encodeExtendCircuit(0, ['$E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth', '$CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96', 'relay3'], 'controller'),
    ).toBe('EXTENDCIRCUIT 0 $E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth,$CCEAE21C2BCCDB1BC5263BE21A857E78B4F01C96,relay3 purpose=controller\r\n');
    expect(encodeAttachStream('80', '2')).toBe('ATTACHSTREAM 80 2\r\n');
    expect(encodeAttachStream(80, 0, 2)).toBe('ATTACHSTREAM 80 0 HOP=2\r\n');
    expect(encodeCloseCircuit('61')).toBe('CLOSECIRCUIT 61\r\n');
    expect(encodeCloseCircuit('61', { ifUnused: true })).toBe('CLOSECIRCUIT 61 IfUnused\r\n');
    expect(encodeSignal('NEWNYM')).toBe('SIGNAL NEWNYM\r\n');
  });

  it('SETCONF quotes every value, repeats list keys, and resets with a bare key', () => {
    expect(
      encodeSetConf({
        UseBridges: '1',
        Bridge: ['obfs4 127.0.0.1:20201 B3A79CA7CE5A641C58802528E82CC9D8925C4A18 cert=TYVY iat-mode=0', 'snowflake 192.0.2.3:1'],
        ContactInfo: 'say "hi" \\o/',
        ExitPolicy: null,
      }),
    ).toBe(
      'SETCONF UseBridges="1" Bridge="obfs4 127.0.0.1:20201 B3A79CA7CE5A641C58802528E82CC9D8925C4A18 cert=TYVY iat-mode=0" Bridge="snowflake 192.0.2.3:1" ContactInfo="say \\"hi\\" \\\\o/" ExitPolicy\r\n',
    );
    expect(encodeResetConf(['__OwningControllerProcess'])).toBe('RESETCONF __OwningControllerProcess\r\n');
    expect(encodeResetConf({ SocksPort: '9050' })).toBe('RESETCONF SocksPort="9050"\r\n');
  });

  it('quoteString escapes only backslash and quote (control-spec §2.1)', () => {
    expect(quoteString('a"b\\c d')).toBe('"a\\"b\\\\c d"');
  });
});

describe('encoders refuse anything that could inject a second command', () => {
  const injections: [string, () => string][] = [
    ['password', () => encodeAuthenticate({ password: 'x"\r\nSIGNAL HALT' })],
    ['getinfo key', () => encodeGetInfo(['version\r\nSIGNAL HALT'])],
    ['getinfo key with space', () => encodeGetInfo(['version SIGNAL'])],
    ['getconf key', () => encodeGetConf(['SocksPort\nSIGNAL'])],
    ['setconf key', () => encodeSetConf({ 'SocksPort\r\nSIGNAL HALT': '1' })],
    ['setconf value', () => encodeSetConf({ ContactInfo: 'x\r\nSIGNAL HALT' })],
    ['setconf list value', () => encodeSetConf({ Bridge: ['ok', 'bad\n'] })],
    ['resetconf key', () => encodeResetConf(['a b'])],
    ['signal', () => encodeSignal('NEWNYM\r\nSIGNAL HALT' as TorSignal)],
    ['event', () => encodeSetEvents(['CIRC\r\n'])],
    ['onion key', () => encodeAddOnion({ key: { type: 'ED25519-V3', key: 'abc\r\nSIGNAL' }, ports: [{ virtualPort: 80 }] })],
    ['onion target', () => encodeAddOnion({ key: { type: 'NEW' }, ports: [{ virtualPort: 80, target: '127.0.0.1:80\r\nQUIT' }] })],
    ['onion target with space', () => encodeAddOnion({ key: { type: 'NEW' }, ports: [{ virtualPort: 80, target: 'a b' }] })],
    ['client auth key', () => encodeAddOnion({ key: { type: 'NEW' }, ports: [{ virtualPort: 80 }], clientAuthV3: ['x\n'] })],
    ['service id', () => encodeDelOnion(`${SID}\r\nSIGNAL HALT`)],
    ['service id with .onion', () => encodeDelOnion(`${SID}.onion`)],
    ['client auth private key', () => encodeOnionClientAuthAdd(SID, 'QPi5\r\nSIGNAL')],
    ['client name', () => encodeOnionClientAuthAdd(SID, 'QPi5', { clientName: 'a\nb' })],
    ['circuit id', () => encodeCloseCircuit('1\r\nSIGNAL HALT')],
    ['stream id', () => encodeAttachStream('1 2', '3')],
    ['path', () => encodeExtendCircuit(0, ['$E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth\r\nQUIT'])],
    ['purpose', () => encodeExtendCircuit(0, [], 'general\r\n' as 'general')],
  ];
  it.each(injections)('%s', (_name, encode) => {
    expect(encode).toThrow(TorArgumentError);
  });

  it('rejects out-of-range numbers and empty lists', () => {
    expect(() => encodeAddOnion({ key: { type: 'NEW' }, ports: [{ virtualPort: 0 }] })).toThrow(TorArgumentError);
    expect(() => encodeAddOnion({ key: { type: 'NEW' }, ports: [{ virtualPort: 65536 }] })).toThrow(TorArgumentError);
    expect(() => encodeAddOnion({ key: { type: 'NEW' }, ports: [] })).toThrow(TorArgumentError);
    expect(() => encodeAddOnion({ key: { type: 'NEW' }, ports: [{ virtualPort: 80 }], maxStreams: 70000 })).toThrow(TorArgumentError);
    expect(() => encodeAttachStream('1', '2', 0)).toThrow(TorArgumentError);
    expect(() => encodeGetInfo([])).toThrow(TorArgumentError);
    expect(() => encodeSetConf({})).toThrow(TorArgumentError);
  });
});

describe('redactCommand', () => {
  it('never shows AUTHENTICATE arguments or private keys', () => {
    expect(redactCommand(`AUTHENTICATE ${COOKIE_HEX}\r\n`)).toBe('AUTHENTICATE [redacted]');
    expect(redactCommand('AUTHENTICATE "labpw"\r\n')).toBe('AUTHENTICATE [redacted]');
    expect(redactCommand('authenticate "labpw"\r\n')).toBe('AUTHENTICATE [redacted]');
    expect(redactCommand('AUTHENTICATE\r\n')).toBe('AUTHENTICATE');
    expect(redactCommand('ADD_ONION ED25519-V3:KOeCWEtJ+/== Port=80\r\n')).toBe('ADD_ONION ED25519-V3:[redacted] Port=80');
    expect(redactCommand(`ONION_CLIENT_AUTH_ADD ${SID} x25519:QPi5q7MN2Z4t= ClientName=a\r\n`)).toBe(
      `ONION_CLIENT_AUTH_ADD ${SID} x25519:[redacted] ClientName=a`,
    );
    expect(redactCommand('SETCONF HashedControlPassword="16:ABC" SocksPort="9050"\r\n')).toBe(
      'SETCONF HashedControlPassword=[redacted] SocksPort="9050"',
    );
    expect(redactCommand('GETINFO version\r\n')).toBe('GETINFO version');
  });
});

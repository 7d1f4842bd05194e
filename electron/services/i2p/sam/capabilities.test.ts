// Version adaptation: the capability table per i2pd version, then the negotiation end to end against
// bridges that answer byte for byte like i2pd 2.45.1, 2.56 and 2.59 (SAM.h reply strings; HELLO
// and MASTER rules from SAM.cpp at those tags and the lab notes' transcripts).
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { describeCapabilities, parseI2pdVersion, samCapabilities } from './capabilities';
import { SamConnection } from './connection';
import { parseSessionStatus } from './replies';
import { makeKeys } from './__fixtures__/fake-sam';

describe('parseI2pdVersion', () => {
  it('reads --version output and I2PControl version strings', () => {
    expect(parseI2pdVersion('i2pd version 2.45.1 (0.9.57)')).toEqual([2, 45, 1]);
    expect(parseI2pdVersion('i2pd version 2.59.0 (0.9.68)\nBoost version 1.83.0')).toEqual([2, 59, 0]);
    expect(parseI2pdVersion('2.56.0')).toEqual([2, 56, 0]);
    expect(parseI2pdVersion('2.58')).toEqual([2, 58, 0]);
    expect(parseI2pdVersion('Tor version 0.4.9.14.')).toBeNull();
    expect(parseI2pdVersion('')).toBeNull();
  });
});

describe('samCapabilities', () => {
  it.each([
    // sam, router, primary, ping, loopback lab
    ['3.1', 'i2pd version 2.45.1 (0.9.57)', 'MASTER', false, false],
    ['3.1', '2.56.0', 'MASTER', false, true],
    ['3.3', '2.58.0', 'MASTER', true, true],
    ['3.3', '2.59.0', 'MASTER', true, true],
    // 2.58+ declines MASTER when the HELLO settled below 3.3 (a user capping maxVersion).
    ['3.1', '2.59.0', null, false, true],
    // An unidentified bridge: the spec's name from 3.3, the old one before.
    ['3.3', null, 'PRIMARY', true, null],
    ['3.1', null, 'MASTER', false, null],
  ] as const)('SAM %s on %s → primary %s, PING %s, loopback lab %s', (sam, router, primary, ping, lab) => {
    const c = samCapabilities(sam, router);
    expect(c.primaryStyle).toBe(primary);
    expect(c.ping).toBe(ping);
    expect(c.ports).toBe(ping);
    expect(c.loopbackLab).toBe(lab);
    if (router !== null) expect(c.subsessionStyles).toEqual(['STREAM']);
  });

  it('describes itself in one log line', () => {
    expect(describeCapabilities(samCapabilities('3.1', '2.45.1'))).toBe('SAM 3.1 on i2pd 2.45.1: primary MASTER, subsessions STREAM, no PING, no ports');
    expect(describeCapabilities(samCapabilities('3.1', '2.59.0'))).toContain('primary unsupported');
  });
});

// ── i2pd-like bridges ────────────────────────────────────────────────────────

interface Profile {
  version: string;
  /** Highest SAM version, in tenths. */
  max: 31 | 33;
  /** 2.58+: the socket remembers the negotiated version and declines MASTER below 3.3. */
  tracksVersion: boolean;
}
const I2PD_2_45: Profile = { version: '2.45.1', max: 31, tracksVersion: false };
const I2PD_2_56: Profile = { version: '2.56.0', max: 31, tracksVersion: false };
const I2PD_2_59: Profile = { version: '2.59.0', max: 33, tracksVersion: true };

const servers: net.Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await new Promise((r) => s.close(r));
});

const tenths = (v: string | undefined) => (v && /^\d\.\d$/.test(v) ? Number(v.replace('.', '')) : 0);

/** HELLO and SESSION CREATE as the given i2pd answers them; everything it writes is recorded. */
async function bridge(p: Profile): Promise<{ port: number; written: string[] }> {
  const written: string[] = [];
  const key = makeKeys(7, 4).priv;
  const server = net.createServer((socket) => {
    let buffer = '';
    let version = 0;
    const reply = (text: string, close = false) => {
      written.push(text);
      if (close) socket.end(text);
      else socket.write(text);
    };
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8');
      for (let eol = buffer.indexOf('\n'); eol !== -1; eol = buffer.indexOf('\n')) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 1);
        const params = new Map(line.split(' ').slice(2).map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)] as const));
        if (line.startsWith('HELLO VERSION')) {
          const min = tenths(params.get('MIN')) || 30;
          const max = tenths(params.get('MAX')) || p.max;
          // SAM.cpp HandleHandshakeReceived: MAX if spoken, else MIN if spoken, else NOVERSION.
          version = max <= p.max && max >= 30 ? max : min >= 30 && min <= p.max ? min : 0;
          if (version === 0) reply('HELLO REPLY RESULT=NOVERSION\n', true);
          else reply(`HELLO REPLY RESULT=OK VERSION=${Math.floor(version / 10)}.${version % 10}\n`);
        } else if (line.startsWith('SESSION CREATE')) {
          const style = params.get('STYLE');
          if (style === 'MASTER' && p.tracksVersion && version < 33) reply('SESSION STATUS RESULT=I2P_ERROR MESSAGE="MASTER session is not supported"\n', true);
          else if (style === 'MASTER' || style === 'STREAM') reply(`SESSION STATUS RESULT=OK DESTINATION=${key}\n`);
          else reply('SESSION STATUS RESULT=I2P_ERROR MESSAGE="Unknown STYLE"\n', true);
        } else socket.destroy(); // "SAM: Unexpected message"
      }
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  servers.push(server);
  return { port: (server.address() as net.AddressInfo).port, written };
}

async function createPrimary(port: number, style: string, maxVersion?: string) {
  const connection = await SamConnection.open({ host: '127.0.0.1', port, ...(maxVersion ? { maxVersion } : {}) });
  try {
    const line = await connection.request(
      ['SESSION', 'CREATE'],
      [
        ['STYLE', style],
        ['ID', 'primary'],
        ['DESTINATION', 'TRANSIENT'],
        ['SIGNATURE_TYPE', 7],
      ],
      { timeoutMs: 2000, label: 'SESSION CREATE' },
    );
    return { version: connection.version, status: parseSessionStatus(line) };
  } finally {
    connection.close();
  }
}

describe('negotiation against i2pd-like bridges (byte-exact replies)', () => {
  it.each([
    ['2.45.1', '3.1', I2PD_2_45],
    ['2.56.0', '3.1', I2PD_2_56],
    ['2.59.0', '3.3', I2PD_2_59],
  ] as const)('i2pd %s: HELLO MIN=3.1 MAX=3.3 settles on %s; the chosen primary style is accepted, PRIMARY is not', async (_name, expected, p) => {
    const b = await bridge(p);
    const probe = await SamConnection.open({ host: '127.0.0.1', port: b.port });
    const caps = samCapabilities(probe.version, p.version);
    probe.close();
    expect(caps.samVersion).toBe(expected);
    expect(b.written[0]).toBe(`HELLO REPLY RESULT=OK VERSION=${expected}\n`);
    expect(caps.primaryStyle).toBe('MASTER');
    const ok = await createPrimary(b.port, caps.primaryStyle ?? '');
    expect(ok.status).toMatchObject({ ok: true });
    const spec = await createPrimary(b.port, 'PRIMARY');
    expect(spec.status).toMatchObject({ result: 'I2P_ERROR', message: 'Unknown STYLE' });
    expect(b.written.at(-1)).toBe('SESSION STATUS RESULT=I2P_ERROR MESSAGE="Unknown STYLE"\n');
  });

  it('2.59 capped at SAM 3.1: capabilities say no primary session, and the bridge indeed declines MASTER', async () => {
    const b = await bridge(I2PD_2_59);
    const capped = await createPrimary(b.port, 'MASTER', '3.1');
    expect(capped.version).toBe('3.1');
    expect(samCapabilities(capped.version, I2PD_2_59.version).primaryStyle).toBeNull();
    expect(capped.status).toMatchObject({ result: 'I2P_ERROR', message: 'MASTER session is not supported' });
    expect(b.written.at(-1)).toBe('SESSION STATUS RESULT=I2P_ERROR MESSAGE="MASTER session is not supported"\n');
  });

  it('a 2.56 bridge asked for 3.2+ only answers NOVERSION and hangs up', async () => {
    const b = await bridge(I2PD_2_56);
    await expect(SamConnection.open({ host: '127.0.0.1', port: b.port, minVersion: '3.2', maxVersion: '3.3' })).rejects.toMatchObject({ code: 'NOVERSION' });
    expect(b.written).toEqual(['HELLO REPLY RESULT=NOVERSION\n']);
  });
});

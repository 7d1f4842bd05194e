import { describe, expect, it } from 'vitest';
import { classifyI2pdLine, i2pdArgs, I2pdConfError, renderI2pdConf, type I2pdConfOptions } from './i2pd-conf';

const base: I2pdConfOptions = {
  host: '127.0.0.2',
  ntcp2Port: 19001,
  publishNtcp2: true,
  samPort: 17666,
  samUdpPort: 0,
  i2pcontrol: { port: 18651, password: 'abcdefgh12' },
  netid: 77,
  floodfill: true,
  reservedRange: false,
  bandwidth: 'X',
  notransit: false,
  exploratoryLength: 1,
  logLevel: 'info',
};

describe('renderI2pdConf', () => {
  it('binds every listener to loopback and switches off reseed, NTP, UPnP and subscriptions', () => {
    const text = renderI2pdConf(base);
    const addresses = [...text.matchAll(/^address4? = (.*)$/gm)].map((m) => m[1]);
    expect(addresses.length).toBeGreaterThan(5);
    expect(addresses.every((a) => a?.startsWith('127.'))).toBe(true);
    expect(text).toMatch(/^\[reseed\]\nverify = false\nurls =\nyggurls =/m);
    expect(text).toMatch(/^\[upnp\]\nenabled = false/m);
    expect(text).toMatch(/^\[nettime\]\nenabled = false/m);
    expect(text).toMatch(/^\[addressbook\]\nenabled = true\ndefaulturl =\nsubscriptions =/m);
    expect(text).toMatch(/^\[http\]\nenabled = false/m);
    expect(text).toContain('netid = 77');
    expect(text).toContain('reservedrange = false');
    expect(text).toContain('password = abcdefgh12');
  });
  it('refuses non-loopback hosts, bad ports and injected values', () => {
    expect(() => renderI2pdConf({ ...base, host: '10.0.0.1' })).toThrow(I2pdConfError);
    expect(() => renderI2pdConf({ ...base, host: '127.0.0.1\nurls = x' })).toThrow(I2pdConfError);
    expect(() => renderI2pdConf({ ...base, samPort: 70000 })).toThrow(I2pdConfError);
    expect(() => renderI2pdConf({ ...base, i2pcontrol: { port: 1, password: 'a b\nc' } })).toThrow(I2pdConfError);
    expect(() => renderI2pdConf({ ...base, netid: 1 })).toThrow(I2pdConfError);
  });
  it('i2pdArgs always names the app’s own files', () => {
    const args = i2pdArgs({ dataDir: '/d', conf: '/d/i2pd.conf', tunconf: '/d/tunnels.conf', tunnelsDir: '/d/tunnels.d', certsDir: '/d/certificates', pidFile: '/d/i2pd.pid' });
    for (const flag of ['--datadir=', '--conf=', '--tunconf=', '--tunnelsdir=']) expect(args.some((a) => a.startsWith(flag))).toBe(true);
  });
  it('classifies coloured log lines', () => {
    expect(classifyI2pdLine('00:18:50@523/\x1b[1;33mwarn\x1b[0m - Reseed: No reseed servers specified')).toEqual({ level: 'warn', text: 'Reseed: No reseed servers specified' });
    expect(classifyI2pdLine('00:18:50@523/\x1b[1;31merror\x1b[0m - x')).toEqual({ level: 'error', text: 'x' });
    expect(classifyI2pdLine('plain')).toEqual({ level: 'info', text: 'plain' });
  });
});

// Unit tests for the isolation helpers that need no namespace: /proc/net/dev parsing and argv shapes.
import { describe, it, expect } from 'vitest';
import { holderArgv, interfacesFromNetDev, nsenterPrefix, wrapWithHolder } from './isolation';

const NET_DEV_LO_ONLY = `Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:       0       0    0    0    0     0          0         0        0       0    0    0    0     0       0          0
`;
const NET_DEV_HOST = `${NET_DEV_LO_ONLY}  eth0: 123 4 0 0 0 0 0 0 567 8 0 0 0 0 0 0
`;

describe('isolation helpers', () => {
  it('lists interfaces from /proc/self/net/dev', () => {
    expect(interfacesFromNetDev(NET_DEV_LO_ONLY)).toEqual(['lo']);
    expect(interfacesFromNetDev(NET_DEV_HOST)).toEqual(['lo', 'eth0']);
  });

  it('wraps a plan in nsenter so the daemon keeps the pid (nsenter execs)', () => {
    const plan = { command: '/opt/ld.so', args: ['--library-path', '/opt/lib', '/opt/tor', '-f', 'torrc'], cwd: '/tmp' };
    expect(wrapWithHolder(plan, 1234, false)).toEqual({
      command: 'nsenter',
      args: ['-t', '1234', '-n', '--', '/opt/ld.so', '--library-path', '/opt/lib', '/opt/tor', '-f', 'torrc'],
      cwd: '/tmp',
    });
    expect(nsenterPrefix(1234, true)).toEqual(['-t', '1234', '-U', '--preserve-credentials', '-n', '--']);
    expect(() => nsenterPrefix(1, false)).toThrow();
  });

  it('builds the holder argv without interpolating the owner pid into the script', () => {
    const argv = holderArgv(true, 777);
    expect(argv.slice(0, 4)).toEqual(['--user', '--map-root-user', '--net', '--']);
    expect(argv).toContain('ip link set lo up && exec tail --pid="$1" -f /dev/null');
    expect(argv.at(-1)).toBe('777');
    expect(holderArgv(false, 777)[0]).toBe('--net');
  });
});

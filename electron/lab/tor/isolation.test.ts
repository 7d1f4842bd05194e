// Unit tests for the isolation helpers that need no namespace: /proc/net/dev parsing and argv shapes.
import { describe, it, expect } from 'vitest';
import { holderArgv, interfacesFromNetDev, labAddressRefusal, nsenterPrefix, parentPid, wrapWithHolder } from './isolation';

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

  it('adds a lab address only in a private namespace whose only interface is lo', () => {
    const lab = { netns: 'net:[2]', initNetns: 'net:[1]', ancestorNetns: ['net:[2]', 'net:[1]'], interfaces: ['lo'] };
    expect(labAddressRefusal(lab)).toBeNull();
    expect(labAddressRefusal({ ...lab, netns: 'net:[1]' })).toMatch(/host network namespace/);
    expect(labAddressRefusal({ ...lab, interfaces: ['lo', 'eth0'] })).toMatch(/interfaces besides lo \(lo, eth0\)/);
    expect(labAddressRefusal({ ...lab, interfaces: ['lo', 'dummy0'] })).not.toBeNull();
    // /proc/1/ns/net unreadable: an ancestor in another namespace shows this one was made below it.
    expect(labAddressRefusal({ ...lab, initNetns: null })).toBeNull();
    expect(labAddressRefusal({ ...lab, initNetns: null, ancestorNetns: ['net:[2]'] })).toMatch(/cannot read \/proc\/1\/ns\/net/);
    expect(labAddressRefusal({ ...lab, initNetns: null, ancestorNetns: [] })).not.toBeNull();
    // Same namespace as init and unreadable ancestors: still refused for the host check first.
    expect(labAddressRefusal({ ...lab, netns: 'net:[1]', interfaces: ['lo'] })).toMatch(/host/);
  });

  it('reads the parent pid from /proc/<pid>/status', () => {
    expect(parentPid('Name:\tnode\nState:\tS (sleeping)\nTgid:\t42\nPid:\t42\nPPid:\t7\n')).toBe(7);
    expect(parentPid('Name:\tx\n')).toBeNull();
  });
});

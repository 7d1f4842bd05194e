// The create form's rules: loopback-only targets (IPv4 127/8 as four decimal octets, ::1; no names),
// port ranges, duplicates, the mapping count, and tor's Port= target syntax.
import { describe, expect, it } from 'vitest';
import { isLoopbackHost, onionServiceFieldErrors, onionServiceProblems, onionTarget } from './onion-services';

describe('isLoopbackHost', () => {
  it('takes 127.0.0.0/8 and ::1 only', () => {
    for (const h of ['127.0.0.1', '127.255.255.255', '127.0.0.2', '::1', '[::1]']) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ['localhost', '0.0.0.0', '10.0.0.1', '128.0.0.1', '127.0.0.256', '127.0.0', '127.0.0.1.1', '0127.0.0.1', '127.0.0.01', '::', '::ffff:127.0.0.1', '127.0.0.1 ', 'example.onion', '']) {
      expect(isLoopbackHost(h), h).toBe(false);
    }
  });
});

describe('onionServiceProblems', () => {
  it('accepts a good service (default host 127.0.0.1)', () => {
    expect(onionServiceProblems({ name: 'Web', ports: [{ virtualPort: 80, targetPort: 8080 }, { virtualPort: 22, targetPort: 22, targetHost: '::1' }] })).toEqual({});
  });

  it('names each bad field', () => {
    expect(
      onionServiceProblems({
        name: '',
        ports: [
          { virtualPort: 0, targetPort: 65536 },
          { virtualPort: 80, targetPort: 1.5, targetHost: '192.168.1.2' },
          { virtualPort: 80, targetPort: Number.NaN },
        ],
      }),
    ).toEqual({
      name: 'nameRequired',
      'ports.0.virtualPort': 'portRange',
      'ports.0.targetPort': 'portRange',
      'ports.1.targetPort': 'portRange',
      'ports.1.targetHost': 'notLoopback',
      'ports.2.virtualPort': 'duplicatePort',
      'ports.2.targetPort': 'portRange',
    });
    expect(onionServiceProblems({ name: 'x'.repeat(101), ports: [] })).toEqual({ name: 'nameTooLong', ports: 'noPorts' });
    const seventeen = Array.from({ length: 17 }, (_, i) => ({ virtualPort: i + 1, targetPort: i + 1 }));
    expect(onionServiceProblems({ name: 'x', ports: seventeen })).toEqual({ ports: 'tooManyPorts' });
    expect(onionServiceFieldErrors({ name: 'x', ports: seventeen })).toEqual({ ports: 'At most 16 ports per service.' });
  });
});

describe('onionTarget', () => {
  it("writes tor's Port= target, brackets around IPv6", () => {
    expect(onionTarget({ virtualPort: 80, targetHost: '127.0.0.1', targetPort: 8080 })).toBe('127.0.0.1:8080');
    expect(onionTarget({ virtualPort: 80, targetHost: '::1', targetPort: 8080 })).toBe('[::1]:8080');
  });
});

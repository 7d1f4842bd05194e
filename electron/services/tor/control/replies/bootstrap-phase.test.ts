// Tests for the bootstrap-phase parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from '../errors';
import { fixtureReply } from '../__fixtures__/fixtures';
import { parseBootstrapPhase } from './bootstrap-phase';
import { parseGetInfo } from './getinfo';

describe('parseBootstrapPhase', () => {
  it('reads PROGRESS=100 TAG=done, the readiness signal tor-lab polls for', () => {
    const value = parseGetInfo(fixtureReply('getinfo-bootstrap-phase.txt'))['status/bootstrap-phase'] ?? '';
    expect(parseBootstrapPhase(value)).toEqual({ severity: 'NOTICE', progress: 100, tag: 'done', summary: 'Done' });
  });

  it('reads a WARN phase with its problem fields', () => {
    expect(
      parseBootstrapPhase('WARN BOOTSTRAP PROGRESS=10 TAG=conn_done SUMMARY="Connected to a relay" WARNING="No route to host" REASON=NOROUTE COUNT=10 RECOMMENDATION=warn HOST=E90F HOSTADDR="127.0.0.1:20000"'),
    ).toMatchObject({ severity: 'WARN', progress: 10, reason: 'NOROUTE', count: 10, recommendation: 'warn', host: 'E90F', hostAddr: '127.0.0.1:20000' });
  });

  it('rejects anything that is not "<SEVERITY> BOOTSTRAP …"', () => {
    expect(() => parseBootstrapPhase('NOTICE CIRCUIT_ESTABLISHED')).toThrow(TorProtocolError);
    expect(() => parseBootstrapPhase('NOTICE BOOTSTRAP PROGRESS=ten')).toThrow(TorProtocolError);
  });
});

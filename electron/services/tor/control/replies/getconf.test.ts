// Tests for the getconf parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorOperationFailed } from '../errors';
import { fixtureReply, replyFromText } from '../__fixtures__/fixtures';
import { parseGetConf } from './getconf';

describe('parseGetConf', () => {
  it('an unset option comes back as a bare keyword (tor-lab: __OwningControllerProcess)', () => {
    expect({ ...parseGetConf(fixtureReply('getconf-owning-controller.txt')) }).toEqual({ __OwningControllerProcess: [] });
  });

  it('several options, repeated values in order, quoted values unquoted (control-spec §3.3)', () => {
    const conf = parseGetConf(
      replyFromText('250-SocksPort=127.0.0.1:20100\r\n250-Bridge="obfs4 127.0.0.1:20201 B3A7 cert=x"\r\n250-Bridge=snowflake 192.0.2.3:1\r\n250 ORPort=0\r\n'),
    );
    expect({ ...conf }).toEqual({
      SocksPort: ['127.0.0.1:20100'],
      Bridge: ['obfs4 127.0.0.1:20201 B3A7 cert=x', 'snowflake 192.0.2.3:1'],
      ORPort: ['0'],
    });
  });

  it('a bare "250 OK" (no keys asked) is empty; 552 keeps its code', () => {
    expect({ ...parseGetConf(fixtureReply('ok.txt')) }).toEqual({});
    expect(() => parseGetConf(replyFromText('552 Unrecognized configuration key "Bogus"\r\n'))).toThrow(TorOperationFailed);
  });
});

// Tests for the shared reply helpers: tor's own status code kept on TorOperationFailed (552, 515, 451, 512).
import { describe, expect, it } from 'vitest';
import { TorOperationFailed, TorProtocolError } from '../errors';
import { fixtureReply, replyFromText } from '../__fixtures__/fixtures';
import { bodyLines, expectSuccess, isSuccess, toInt } from './common';

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a throw');
}

describe('expectSuccess keeps tor\'s own status code (style rule 4)', () => {
  it('552 from the tor-lab DEL_ONION of an unknown service', () => {
    const err = caught(() => expectSuccess(fixtureReply('del-onion-552.txt'), 'DEL_ONION'));
    expect(err).toBeInstanceOf(TorOperationFailed);
    expect(err).toMatchObject({ status: 552, code: '552', torMessage: 'Unknown Onion Service id', message: 'DEL_ONION: 552 Unknown Onion Service id' });
  });

  it('515 from the tor-lab wrong password, 451 and 512', () => {
    expect(caught(() => expectSuccess(fixtureReply('authenticate-515.txt'), 'AUTHENTICATE'))).toMatchObject({ status: 515 });
    expect(caught(() => expectSuccess(replyFromText('451 Resource exhausted\r\n'), 'X'))).toMatchObject({ code: '451' });
    expect(caught(() => expectSuccess(replyFromText('512 Bad arguments to ADD_ONION: Need at least 1 argument(s)\r\n'), 'ADD_ONION'))).toMatchObject({ status: 512 });
  });

  it('2yz is success, including 251 and 252', () => {
    expect([250, 251, 252, 299, 300, 451, 552, 650].map(isSuccess)).toEqual([true, true, true, true, false, false, false, false]);
    expect(() => expectSuccess(fixtureReply('onion-client-auth-add-252.txt'), 'ONION_CLIENT_AUTH_ADD')).not.toThrow();
  });

  it('bodyLines requires the closing OK; toInt is strict', () => {
    expect(() => bodyLines(replyFromText('250 EXTENDED 5\r\n'), 'X')).toThrow(TorProtocolError);
    expect(toInt('-4', 'x')).toBe(-4);
    expect(() => toInt('', 'x')).toThrow(TorProtocolError);
    expect(() => toInt('1e3', 'x')).toThrow(TorProtocolError);
    expect(() => toInt('-', 'x')).toThrow(TorProtocolError);
  });
});

// Tests for the extendcircuit parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorOperationFailed, TorProtocolError } from '../errors';
import { fixtureReply, replyFromText } from '../__fixtures__/fixtures';
import { parseExtendCircuit } from './extendcircuit';

describe('parseExtendCircuit', () => {
  it('returns the circuit id of "250 EXTENDED <id>" (control-spec §3.10)', () => {
    expect(parseExtendCircuit(fixtureReply('extendcircuit.txt'))).toBe('42');
  });

  it('552 unknown relay keeps its code; other text is malformed', () => {
    expect(() => parseExtendCircuit(replyFromText('552 No such router "nobody"\r\n'))).toThrow(TorOperationFailed);
    expect(() => parseExtendCircuit(replyFromText('250 OK\r\n'))).toThrow(TorProtocolError);
    expect(() => parseExtendCircuit(replyFromText('250 EXTENDED\r\n'))).toThrow(TorProtocolError);
  });
});

import { describe, expect, it } from 'vitest';

import {
  SamError,
  SamInvalidArgument,
  SamLineTooLong,
  SamProtocolError,
  SamResultError,
  SamSocketClosed,
  SamTimeout,
  SamUnsupported,
  redactLine,
} from './errors';

describe('error hierarchy', () => {
  it('every error is an Error and a SamError, with its own name', () => {
    const errors: Array<[SamError, string]> = [
      [new SamProtocolError('bad'), 'SamProtocolError'],
      [new SamLineTooLong(10), 'SamLineTooLong'],
      [new SamResultError('STREAM STATUS', 'CANT_REACH_PEER', 'LeaseSet not found'), 'SamResultError'],
      [new SamSocketClosed('gone'), 'SamSocketClosed'],
      [new SamTimeout('SESSION CREATE', 60_000), 'SamTimeout'],
      [new SamInvalidArgument('id', 'bad nickname'), 'SamInvalidArgument'],
      [new SamUnsupported('PING', '3.1'), 'SamUnsupported'],
    ];
    for (const [error, name] of errors) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(SamError);
      expect(error.name).toBe(name);
    }
    expect(new SamLineTooLong(10)).toBeInstanceOf(SamProtocolError);
  });

  it('SamResultError keeps the RESULT and MESSAGE verbatim', () => {
    const error = new SamResultError('STREAM STATUS', 'CANT_REACH_PEER', 'LeaseSet not found');
    expect(error).toMatchObject({ reply: 'STREAM STATUS', code: 'CANT_REACH_PEER', samMessage: 'LeaseSet not found' });
    expect(error.message).toBe('STREAM STATUS RESULT=CANT_REACH_PEER (LeaseSet not found)');
    expect(new SamResultError('SESSION STATUS', 'DUPLICATED_ID').message).toBe('SESSION STATUS RESULT=DUPLICATED_ID');
  });

  it('keeps a cause', () => {
    const cause = new Error('ECONNRESET');
    expect(new SamSocketClosed('gone', { cause }).cause).toBe(cause);
  });
});

describe('redactLine', () => {
  it('elides keys and caps the length so messages and logs never carry a private key', () => {
    const priv = 'A'.repeat(900) + '==';
    expect(redactLine(`SESSION STATUS RESULT=OK DESTINATION=${priv}`)).toBe('SESSION STATUS RESULT=OK DESTINATION=<902 chars>');
    expect(redactLine('word '.repeat(100))).toHaveLength(201);
    expect(new SamProtocolError('malformed', `DEST REPLY PRIV=${priv}`).message).not.toContain(priv);
  });
});

import { describe, expect, it } from 'vitest';

import { SamInvalidArgument, SamProtocolError } from './errors';
import { encodeLine, parseLine, quoteValue, tokenize } from './tokens';

describe('tokenize', () => {
  it('splits a transcript line and keeps where the first unquoted = is', () => {
    expect(tokenize('HELLO REPLY RESULT=OK VERSION=3.1')).toEqual([
      { text: 'HELLO', eq: -1 },
      { text: 'REPLY', eq: -1 },
      { text: 'RESULT=OK', eq: 6 },
      { text: 'VERSION=3.1', eq: 7 },
    ]);
  });

  it('unquotes values with spaces and SAM 3.2 escapes', () => {
    const tokens = tokenize('STREAM STATUS RESULT=CANT_REACH_PEER MESSAGE="LeaseSet not found"');
    expect(tokens[3]).toEqual({ text: 'MESSAGE=LeaseSet not found', eq: 7 });
    expect(tokenize('X Y K="a \\"quoted\\" \\\\ path"')[2]?.text).toBe('K=a "quoted" \\ path');
  });

  it('keeps unknown backslash sequences and backslashes outside quotes verbatim', () => {
    expect(tokenize('X Y K="a\\nb" L=c\\d')[2]?.text).toBe('K=a\\nb');
    expect(tokenize('X Y K="a\\nb" L=c\\d')[3]?.text).toBe('L=c\\d');
  });

  it('does not split on an = inside quotes', () => {
    expect(tokenize('"A=B"=C')).toEqual([{ text: 'A=B=C', eq: 3 }]);
  });

  it('accepts several spaces and tabs between tokens (SAM 3.2)', () => {
    expect(tokenize('  A \t B  ').map((t) => t.text)).toEqual(['A', 'B']);
  });

  it('rejects an unterminated quote', () => {
    expect(() => tokenize('SESSION STATUS RESULT=I2P_ERROR MESSAGE="oops')).toThrow(SamProtocolError);
  });
});

describe('parseLine', () => {
  it('splits KEY=VALUE on the first = only, so padded base64 survives', () => {
    const line = parseLine('NAMING REPLY RESULT=OK NAME=ME VALUE=abc-~AAcAAA==');
    expect(line.words).toEqual(['NAMING', 'REPLY']);
    expect(line.options.get('VALUE')).toBe('abc-~AAcAAA==');
  });

  it('treats a bare option word as an empty value and KEY= as empty', () => {
    const line = parseLine('A B FLAG K=');
    expect(line.options.get('FLAG')).toBe('');
    expect(line.options.get('K')).toBe('');
  });

  it('keeps the leading words whole even when they contain =', () => {
    const line = parseLine('AAAA== FROM_PORT=0 TO_PORT=0', 1);
    expect(line.words).toEqual(['AAAA==']);
    expect(line.options.get('TO_PORT')).toBe('0');
  });

  it('rejects duplicate keys and empty keys', () => {
    expect(() => parseLine('A B RESULT=OK RESULT=I2P_ERROR')).toThrow(/duplicate key RESULT/);
    expect(() => parseLine('A B =x')).toThrow(SamProtocolError);
  });
});

describe('encodeLine', () => {
  it('encodes the HELLO the client sends', () => {
    expect(encodeLine(['HELLO', 'VERSION'], { MIN: '3.1', MAX: '3.3' })).toBe('HELLO VERSION MIN=3.1 MAX=3.3');
  });

  it('skips undefined options and renders numbers and booleans', () => {
    expect(encodeLine(['STREAM', 'FORWARD'], [['ID', 'a'], ['PORT', 8080], ['SILENT', false], ['HOST', undefined]])).toBe(
      'STREAM FORWARD ID=a PORT=8080 SILENT=false',
    );
  });

  it.each(['a\nb', 'a\rb', 'a\0b', 'x\r\nSESSION CREATE STYLE=STREAM'])('refuses CR/LF/NUL injection in a value: %j', (value) => {
    expect(() => encodeLine(['NAMING', 'LOOKUP'], { NAME: value })).toThrow(SamInvalidArgument);
    expect(() => encodeLine(['NAMING', 'LOOKUP'], { NAME: value }, 'when-needed')).toThrow(SamInvalidArgument);
  });

  it('refuses CR/LF in words and keys, and malformed keys', () => {
    expect(() => encodeLine(['PING\n'])).toThrow(SamInvalidArgument);
    expect(() => encodeLine(['A', 'B'], { 'K\n': 'v' })).toThrow(SamInvalidArgument);
    expect(() => encodeLine(['A', 'B'], { 'K=V': 'v' })).toThrow(SamInvalidArgument);
    expect(() => encodeLine(['A', 'B'], { 'K V': 'v' })).toThrow(SamInvalidArgument);
    expect(() => encodeLine(['A B'])).toThrow(SamInvalidArgument);
    expect(() => encodeLine([])).toThrow(SamInvalidArgument);
  });

  it('refuses values needing quotes in the default mode (i2pd never unquotes)', () => {
    expect(() => encodeLine(['A', 'B'], { K: 'two words' })).toThrow(/cannot parse/);
    expect(() => encodeLine(['A', 'B'], { K: 'say "hi"' })).toThrow(SamInvalidArgument);
  });

  it('refuses a key given twice and non-finite numbers', () => {
    expect(() => encodeLine(['A', 'B'], [['K', 1], ['K', 2]])).toThrow(/twice/);
    expect(() => encodeLine(['A', 'B'], { K: Number.NaN })).toThrow(SamInvalidArgument);
  });

  it('quotes when needed and escapes quotes and backslashes', () => {
    expect(quoteValue('a "b" \\c')).toBe('"a \\"b\\" \\\\c"');
    expect(encodeLine(['A', 'B'], { MESSAGE: 'LeaseSet not found' }, 'when-needed')).toBe('A B MESSAGE="LeaseSet not found"');
  });

  const tricky = ['', 'plain', 'two words', 'tab\there', '"', '\\', '\\"', 'end\\', 'a=b==', '="="', 'ünïcødé ✓', ' lead', 'trail ', '"quoted"', 'x\\ny'];
  it.each(tricky)('round-trips %j through encode → parse with quoting', (value) => {
    const line = encodeLine(['X', 'Y'], { K: value, L: 'after' }, 'when-needed');
    const parsed = parseLine(line);
    expect(parsed.options.get('K')).toBe(value);
    expect(parsed.options.get('L')).toBe('after');
  });
});

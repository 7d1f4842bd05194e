// Tokenizer grammar: positional words, KEY=VALUE, quoted CStrings, and hostile input.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from './errors';
import { decodeQuoted, splitArgs, splitKeyValue, tokenize, unquoteIfQuoted } from './keywords';

describe('tokenize / splitArgs', () => {
  it('splits positional words, KEY=VALUE and KEY="quoted value" in one pass', () => {
    expect(tokenize('AUTH METHODS=COOKIE,SAFECOOKIE COOKIEFILE="/var/lib/tor/control auth cookie"')).toEqual([
      { key: null, value: 'AUTH', quoted: false },
      { key: 'METHODS', value: 'COOKIE,SAFECOOKIE', quoted: false },
      { key: 'COOKIEFILE', value: '/var/lib/tor/control auth cookie', quoted: true },
    ]);
  });

  it('keeps positional arguments only before the first keyword (control-spec §4.1 extensions)', () => {
    const args = splitArgs('CIRC 2 BUILT $E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth PURPOSE=GENERAL CONF');
    expect(args.positional).toEqual(['CIRC', '2', 'BUILT', '$E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth']);
    expect({ ...args.keywords }).toEqual({ PURPOSE: 'GENERAL' });
  });

  it('does not take a legacy "$FP=Nick" LongName or a base64 blob for a keyword', () => {
    const args = splitArgs('CLIENT abc x25519:QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI= $AAAA=nick ClientName=alice');
    expect(args.positional).toEqual(['CLIENT', 'abc', 'x25519:QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI=', '$AAAA=nick']);
    expect(args.keywords.ClientName).toBe('alice');
  });

  it('accepts empty values and repeated spaces', () => {
    const args = splitArgs('  STATUS_CLIENT  NOTICE   X  EMPTY=  Q=""');
    expect(args.positional).toEqual(['STATUS_CLIENT', 'NOTICE', 'X']);
    expect({ ...args.keywords }).toEqual({ EMPTY: '', Q: '' });
  });

  it('reads CString escapes tor emits (control-spec §2.1.1): \\n \\t \\r, octal bytes as UTF-8, \\" and \\\\', () => {
    const args = splitArgs('X SUMMARY="line\\none\\ttab \\"q\\" back\\\\slash caf\\303\\251 \\101"');
    expect(args.keywords.SUMMARY).toBe('line\none\ttab "q" back\\slash café A');
  });

  it('rejects an unterminated quote and text glued to a closing quote', () => {
    expect(() => splitArgs('X SUMMARY="never closed')).toThrow(TorProtocolError);
    expect(() => splitArgs('X SUMMARY="a"b')).toThrow(TorProtocolError);
  });

  it('stays linear on hostile input (no backtracking)', () => {
    const hostile = `X ${'A='.repeat(50_000)} ${'"\\'.repeat(10_000)}`;
    const started = performance.now();
    expect(() => splitArgs(hostile)).toThrow(TorProtocolError);
    expect(performance.now() - started).toBeLessThan(500);
  });
});

describe('helpers', () => {
  it('splitKeyValue splits at the first "="', () => {
    expect(splitKeyValue('PrivateKey=ED25519-V3:abc==')).toEqual({ key: 'PrivateKey', value: 'ED25519-V3:abc==' });
    expect(splitKeyValue('__OwningControllerProcess')).toEqual({ key: '__OwningControllerProcess', value: null });
  });

  it('unquoteIfQuoted handles GETCONF raw and quoted values', () => {
    expect(unquoteIfQuoted('127.0.0.1:9050')).toBe('127.0.0.1:9050');
    expect(unquoteIfQuoted('"obfs4 127.0.0.1:20201 cert=x"')).toBe('obfs4 127.0.0.1:20201 cert=x');
    expect(() => unquoteIfQuoted('"a"b')).toThrow(TorProtocolError);
  });

  it('decodeQuoted returns the slice untouched when there is no escape', () => {
    expect(decodeQuoted('"plain"', 1, 6)).toBe('plain');
  });
});

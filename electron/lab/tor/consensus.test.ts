// Unit tests for the consensus reader, from a real lab cached-microdesc-consensus (4 relays).
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { missingFromConsensus, parseMicrodescConsensus } from './consensus';

const text = readFileSync(new URL('./__fixtures__/cached-microdesc-consensus.txt', import.meta.url), 'utf8');
const expected = [
  { nickname: 'auth', fingerprint: '6B6461325A18347A56AF537BEE86775A0039E165' },
  { nickname: 'relay1', fingerprint: '23289A842ADD76084A7ED53FCF95CE545EC4687B' },
  { nickname: 'relay2', fingerprint: 'A4F7FCD79518957AF18EB3AA95BA35F3768C46C6' },
  { nickname: 'relay3', fingerprint: '04AEF7D575C1CE13BF4893888D41674D74637FC1' },
];

describe('parseMicrodescConsensus', () => {
  it('reads every r/s pair with the identity as hex', () => {
    const relays = parseMicrodescConsensus(text);
    expect(relays.map((r) => r.nickname).sort()).toEqual(['auth', 'relay1', 'relay2', 'relay3']);
    const auth = relays.find((r) => r.nickname === 'auth');
    expect(auth).toMatchObject({ fingerprint: expected[0]!.fingerprint, address: '127.0.0.1', orPort: 22106 });
    expect(auth?.flags).toEqual(expect.arrayContaining(['Authority', 'HSDir', 'Running', 'Valid']));
  });

  it('reports nobody missing when all are Running and Valid', () => {
    expect(missingFromConsensus(parseMicrodescConsensus(text), expected)).toEqual([]);
  });

  it('reports relays that are absent or lack Running', () => {
    const partial = text.replace(/^(r relay2 .*\n(?:m .*\n)?)s .*$/m, '$1s Fast Valid');
    expect(missingFromConsensus(parseMicrodescConsensus(partial), expected)).toEqual(['relay2']);
    expect(missingFromConsensus([], expected)).toEqual(['auth', 'relay1', 'relay2', 'relay3']);
  });

  it('matches by fingerprint, not nickname', () => {
    expect(missingFromConsensus(parseMicrodescConsensus(text), [{ nickname: 'auth', fingerprint: 'F'.repeat(40) }])).toEqual(['auth']);
  });

  it('ignores garbage', () => {
    expect(parseMicrodescConsensus('r\ns Running\nnonsense')).toEqual([]);
  });
});

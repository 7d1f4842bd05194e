// Tests for the entry-guards parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorProtocolError } from '../errors';
import { fixtureReply } from '../__fixtures__/fixtures';
import { parseEntryGuards } from './entry-guards';
import { parseGetInfo } from './getinfo';

describe('parseEntryGuards', () => {
  it('reads the bridge client guard of tor-lab §5', () => {
    const value = parseGetInfo(fixtureReply('getinfo-entry-guards.txt'))['entry-guards'] ?? '';
    expect(parseEntryGuards(value)).toEqual([{ fingerprint: 'B3A79CA7CE5A641C58802528E82CC9D8925C4A18', nickname: 'bridge', status: 'up' }]);
  });

  it('reads the optional ISOTime and the legacy ServerID2 forms', () => {
    expect(
      parseEntryGuards('B3A79CA7CE5A641C58802528E82CC9D8925C4A18 down 2026-11-25 22:40:01\nmoria1 unlisted'),
    ).toEqual([
      { fingerprint: 'B3A79CA7CE5A641C58802528E82CC9D8925C4A18', nickname: undefined, status: 'down', since: '2026-11-25 22:40:01' },
      { fingerprint: undefined, nickname: 'moria1', status: 'unlisted' },
    ]);
    expect(() => parseEntryGuards('$B3A79CA7CE5A641C58802528E82CC9D8925C4A18~bridge')).toThrow(TorProtocolError);
  });
});

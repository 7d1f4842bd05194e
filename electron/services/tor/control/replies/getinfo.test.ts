// Tests for the getinfo parser: fixture replies (see __fixtures__/README.md), failures, malformed input.
import { describe, expect, it } from 'vitest';
import { TorOperationFailed, TorProtocolError } from '../errors';
import { fixtureReply, replyFromText } from '../__fixtures__/fixtures';
import { parseGetInfo } from './getinfo';

describe('parseGetInfo', () => {
  it('reads a single-line value', () => {
    expect({ ...parseGetInfo(fixtureReply('getinfo-version.txt'), ['version']) }).toEqual({ version: '0.4.9.11' });
  });

  it('reads a data-block value and an empty single-line value', () => {
    expect(parseGetInfo(fixtureReply('getinfo-onions-current.txt'))['onions/current']).toBe(
      'wfsxg6zxjghxf6mlclseb7qlu4rxb74eqlf26d3jrzl6vsyzdkxiohqd\npk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad',
    );
    expect(parseGetInfo(fixtureReply('getinfo-onions-detached-empty.txt'))['onions/detached']).toBe('');
    expect(parseGetInfo(fixtureReply('getinfo-onions-detached.txt'))['onions/detached']).toBe(
      'zzpq4752vk6h4fsg7ygt3vambk4npoec3fx3kns5nghq2rmrt754gsid',
    );
  });

  it('reads several keys in one reply, values containing "="', () => {
    const values = parseGetInfo(
      replyFromText('250-version=0.4.9.11\r\n250+config-text=\r\nSocksPort 127.0.0.1:20100\r\nContactInfo a=b\r\n.\r\n250-net/listeners/socks="127.0.0.1:20100"\r\n250 OK\r\n'),
      ['version', 'config-text', 'net/listeners/socks'],
    );
    expect({ ...values }).toEqual({
      version: '0.4.9.11',
      'config-text': 'SocksPort 127.0.0.1:20100\nContactInfo a=b',
      'net/listeners/socks': '"127.0.0.1:20100"',
    });
  });

  it('keeps tor\'s code on failure (552 unrecognized key, 551 internal error)', () => {
    const err552 = (() => {
      try {
        parseGetInfo(replyFromText('552 Unrecognized key "bogus"\r\n'));
      } catch (e) {
        return e;
      }
    })();
    expect(err552).toBeInstanceOf(TorOperationFailed);
    expect(err552).toMatchObject({ status: 552, code: '552', torMessage: 'Unrecognized key "bogus"' });
    expect(() => parseGetInfo(replyFromText('551 Not running in server mode\r\n'))).toThrow(/551 Not running in server mode/);
  });

  it('rejects lines that are not key=value and keys that were not asked for', () => {
    expect(() => parseGetInfo(replyFromText('250-version\r\n250 OK\r\n'))).toThrow(TorProtocolError);
    expect(() => parseGetInfo(fixtureReply('getinfo-version.txt'), ['dormant'])).toThrow(/not asked for/);
    expect(() => parseGetInfo(fixtureReply('getinfo-version.txt'), ['version', 'dormant'])).toThrow(/lacks the key dormant/);
  });
});

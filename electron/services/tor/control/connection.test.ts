// TorConnection against loopback servers speaking the control protocol byte for byte: FIFO replies,
// events mid-command, close/timeout/garbage handling, unix sockets, trace redaction.
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TorConnection, truncateTrace, type ConnectionOptions } from './connection';
import { TorArgumentError, TorProtocolError, TorSocketClosed, TorTimeout } from './errors';
import type { Reply } from './framing';
import { fixtureBytes, fixtureText } from './__fixtures__/fixtures';
import { startFakeTor, type FakeTor, type FakeTorHandler } from './__fixtures__/loopback-tor';

let fake: FakeTor | undefined;
let conn: TorConnection | undefined;

afterEach(async () => {
  await conn?.close();
  await fake?.close();
  conn = undefined;
  fake = undefined;
});

async function connect(handler: FakeTorHandler, options: ConnectionOptions = {}): Promise<TorConnection> {
  fake = await startFakeTor(handler);
  conn = await TorConnection.connect({ host: '127.0.0.1', port: fake.port }, { commandTimeoutMs: 2_000, ...options });
  return conn;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('TorConnection request/reply', () => {
  it('sends a command and resolves with the framed reply', async () => {
    const c = await connect((line) => (line === 'GETINFO version' ? fixtureText('getinfo-version.txt') : undefined));
    const reply = await c.send('GETINFO version\r\n');
    expect(reply).toEqual({
      status: 250,
      lines: [
        { status: 250, divider: '-', text: 'version=0.4.9.11' },
        { status: 250, divider: ' ', text: 'OK' },
      ],
    });
  });

  it('matches replies to commands in FIFO order, also when tor dribbles bytes one at a time', async () => {
    const c = await connect(async (line, peer) => {
      const wire = line === 'GETINFO version' ? fixtureBytes('getinfo-version.txt') : fixtureBytes('getinfo-circuit-status.txt');
      for (const byte of wire) {
        peer.write(Buffer.from([byte]));
        if (byte === 0x0a) await sleep(1);
      }
    });
    const [a, b] = await Promise.all([c.send('GETINFO version\r\n'), c.send('GETINFO circuit-status\r\n')]);
    expect(a.lines[0]?.text).toBe('version=0.4.9.11');
    expect(b.lines[0]?.text).toBe('circuit-status=');
    expect(b.lines[0]?.data?.split('\n')).toHaveLength(6);
  });

  it('delivers 650 events that arrive while a command is pending, in order, before its reply', async () => {
    const c = await connect(async (_line, peer) => {
      peer.write(fixtureBytes('events-client.txt'));
      await sleep(20);
      peer.write(fixtureBytes('getinfo-stream-status.txt'));
    });
    const seen: string[] = [];
    let replied = false;
    c.onEvent((reply: Reply) => {
      expect(replied).toBe(false);
      seen.push(reply.lines[0]?.text.split(' ').slice(0, 2).join(' ') ?? '');
    });
    const reply = await c.send('GETINFO stream-status\r\n');
    replied = true;
    expect(reply.lines[0]?.text).toBe('stream-status=80 SUCCEEDED 2 127.0.0.1:8080');
    expect(seen).toHaveLength(24);
    expect(seen.slice(0, 3)).toEqual(['BW 0', 'STATUS_CLIENT WARN', 'STREAM 80']);
  });

  it('refuses anything but exactly one CRLF-terminated line', async () => {
    const c = await connect(() => fixtureText('getinfo-version.txt'));
    for (const bad of ['GETINFO version', 'GETINFO version\n', 'GETINFO version\r\nSIGNAL HALT\r\n', 'GETINFO ver\rsion\r\n']) {
      await expect(c.send(bad)).rejects.toBeInstanceOf(TorArgumentError);
    }
    expect(fake?.peers[0]?.received ?? []).toEqual([]);
  });

  it('keeps reading when an event listener throws', async () => {
    const errors: unknown[] = [];
    const c = await connect(
      () => `650 BW 1 2\r\n${fixtureText('getinfo-version.txt')}`,
      { onListenerError: (e) => errors.push(e) },
    );
    c.onEvent(() => {
      throw new Error('listener bug');
    });
    await expect(c.send('GETINFO version\r\n')).resolves.toMatchObject({ status: 250 });
    expect(errors).toHaveLength(1);
  });

  it('drops a reply nobody is waiting for (e.g. a duplicated 552) without shifting later replies', async () => {
    const traced: string[] = [];
    const c = await connect(
      (line) => {
        if (line.startsWith('DEL_ONION')) return fixtureText('del-onion-552.txt') + fixtureText('del-onion-552.txt');
        return fixtureText('getinfo-version.txt');
      },
      { trace: (l) => traced.push(l) },
    );
    const del = await c.send('DEL_ONION zzpq4752vk6h4fsg7ygt3vambk4npoec3fx3kns5nghq2rmrt754gsid\r\n');
    expect(del.status).toBe(552);
    await sleep(20);
    expect((await c.send('GETINFO version\r\n')).status).toBe(250);
    expect(traced).toContain('! reply with no pending command, dropped');
  });
});

describe('TorConnection failure paths', () => {
  it('rejects every pending command exactly once with TorSocketClosed when tor closes, and later sends at once', async () => {
    const c = await connect((line, peer) => {
      if (line === 'SIGNAL HALT') peer.socket.destroy();
    }, { commandTimeoutMs: 150 });
    // Command timers are faked so the close always comes first, however slow the machine; they are
    // fired by hand afterwards to prove a timed-out timer cannot settle a command a second time.
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    try {
      const outcomes: string[] = [];
      const track = (p: Promise<Reply>): Promise<void> =>
        p.then(
          () => void outcomes.push('resolved'),
          (e: unknown) => void outcomes.push(e instanceof TorSocketClosed ? 'closed' : `other:${String(e)}`),
        );
      const closes: Error[] = [];
      c.onClose((e) => closes.push(e));
      const pending = [track(c.send('GETINFO version\r\n')), track(c.send('GETCONF SocksPort\r\n')), track(c.send('SIGNAL HALT\r\n'))];
      await Promise.all(pending);
      expect(outcomes).toEqual(['closed', 'closed', 'closed']);
      vi.advanceTimersByTime(1_000);
      await Promise.resolve();
      expect(outcomes).toHaveLength(3);
      expect(closes).toHaveLength(1);
      expect(c.closed).toBe(true);
      await expect(c.send('GETINFO version\r\n')).rejects.toBeInstanceOf(TorSocketClosed);
    } finally {
      vi.useRealTimers();
    }
  });

  it('times out a command, drops its late reply, and gives the next command its own reply', async () => {
    let first = true;
    const c = await connect(async (line, peer) => {
      if (first) {
        first = false;
        return;
      }
      // The late reply to the first command, then the reply to this one.
      peer.write('250-version=LATE\r\n250 OK\r\n');
      return line === 'GETINFO dormant' ? '250-dormant=0\r\n250 OK\r\n' : undefined;
    }, { commandTimeoutMs: 100 });
    const started = Date.now();
    await expect(c.send('GETINFO version\r\n')).rejects.toBeInstanceOf(TorTimeout);
    expect(Date.now() - started).toBeGreaterThanOrEqual(90);
    const reply = await c.send('GETINFO dormant\r\n');
    expect(reply.lines[0]?.text).toBe('dormant=0');
    expect(c.closed).toBe(false);
  });

  it('closes on malformed bytes and rejects the pending command with TorProtocolError', async () => {
    const c = await connect(() => 'HTTP/1.0 501 Tor is not an HTTP Proxy\r\n');
    const err = await c.send('GETINFO version\r\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TorProtocolError);
    await sleep(10);
    expect(c.closed).toBe(true);
    await expect(c.send('GETINFO version\r\n')).rejects.toBeInstanceOf(TorSocketClosed);
  });

  it('a reply cut off by tor closing the socket rejects with TorSocketClosed caused by the framing error', async () => {
    const c = await connect((_line, peer) => {
      peer.write('250+circuit-status=\r\n1 BUILT $E90F8CD176C60FD081C7ADFDA3E48726DF9E682A~auth\r\n');
      peer.socket.end();
    });
    const err = await c.send('GETINFO circuit-status\r\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TorSocketClosed);
    expect((err as Error).message).toMatch(/inside a data block/);
    expect((err as Error).cause).toBeInstanceOf(TorSocketClosed);
    expect(((err as Error).cause as Error).cause).toBeInstanceOf(TorProtocolError);
  });

  it('close() rejects what is pending with TorSocketClosed', async () => {
    const c = await connect(() => undefined);
    const pending = c.send('GETINFO version\r\n');
    await c.close();
    await expect(pending).rejects.toThrow(/closed by the controller/);
  });

  it('refuses to connect to a closed port with TorSocketClosed', async () => {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await expect(TorConnection.connect({ host: '127.0.0.1', port })).rejects.toBeInstanceOf(TorSocketClosed);
  });
});

describe('TorConnection over a unix socket (ControlPort unix:/path)', () => {
  it('connects by path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'underpass-ctl-'));
    const path = join(dir, 'control');
    const server = createServer((socket) => {
      socket.on('data', () => socket.write(fixtureBytes('getinfo-version.txt')));
    });
    server.listen(path);
    await once(server, 'listening');
    try {
      const c = await TorConnection.connect({ path });
      expect((await c.send('GETINFO version\r\n')).lines[0]?.text).toBe('version=0.4.9.11');
      await c.close();
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('protocol trace', () => {
  it('never contains AUTHENTICATE\'s argument or a private key, and is truncated', async () => {
    const trace: string[] = [];
    const c = await connect((line) => {
      if (line.startsWith('AUTHENTICATE')) return '250 OK\r\n';
      if (line.startsWith('ADD_ONION')) return fixtureText('add-onion-client-auth-v3.txt');
      return fixtureText('getinfo-circuit-status.txt');
    }, { trace: (l) => trace.push(l) });
    const cookie = '3dedd801ebe923a0fdd3f00eb72606e18b4d183278cc5d487a049c9b05de2646';
    await c.send(`AUTHENTICATE ${cookie}\r\n`);
    await c.send('AUTHENTICATE "labpw"\r\n');
    await c.send('ADD_ONION NEW:ED25519-V3 Port=80\r\n');
    await c.send('GETINFO circuit-status\r\n');
    const all = trace.join('\n');
    expect(all).toContain('> AUTHENTICATE [redacted]');
    expect(all).not.toContain(cookie);
    expect(all).not.toContain('labpw');
    expect(all).toContain('< 250-PrivateKey=[redacted]');
    expect(all).not.toContain('KOeCWEtJ');
    const circuitTrace = trace.find((t) => t.startsWith('< 250+circuit-status=')) ?? '';
    expect(circuitTrace.split('\n').length).toBeLessThanOrEqual(11);
    expect(circuitTrace.split('\n').every((l) => l.length <= 241 + 10)).toBe(true);
  });

  it('truncateTrace caps lines and line length', () => {
    const text = Array.from({ length: 15 }, (_, i) => `${i} ${'x'.repeat(300)}`).join('\n');
    const out = truncateTrace(text).split('\n');
    expect(out).toHaveLength(11);
    expect(out[10]).toBe('… (5 more lines)');
    expect(out[0]?.length).toBe(241);
  });
});

import { once } from 'node:events';
import net from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';

import { FakeSam, I2PD_2_56, I2PD_2_58, SPEC_3_3 } from './__fixtures__/fake-sam';
import { SamConnection, compareVersions, parseVersion } from './connection';
import { SamInvalidArgument, SamLineTooLong, SamProtocolError, SamResultError, SamSocketClosed, SamTimeout, SamUnsupported } from './errors';

// Generous: a loaded CI machine can take seconds for what takes milliseconds here.
const WAIT = { timeout: 15_000 };

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fake(options: Parameters<typeof FakeSam.start>[0] = {}): Promise<FakeSam> {
  const sam = await FakeSam.start(options);
  cleanups.push(() => sam.stop());
  return sam;
}

interface Scripted {
  readonly port: number;
  /** Raw bytes received per connection. */
  readonly raw: Buffer[];
}

/** A bare TCP server whose behaviour the test scripts line by line. */
async function scripted(onLine: (socket: net.Socket, line: string, index: number) => void): Promise<Scripted> {
  const raw: Buffer[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    const slot = raw.push(Buffer.alloc(0)) - 1;
    let buffer = '';
    let index = 0;
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      raw[slot] = Buffer.concat([raw[slot] ?? Buffer.alloc(0), chunk]);
      buffer += chunk.toString('utf8');
      for (let eol = buffer.indexOf('\n'); eol !== -1; eol = buffer.indexOf('\n')) {
        const line = buffer.slice(0, eol);
        buffer = buffer.slice(eol + 1);
        onLine(socket, line, index++);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, raw };
}

const HELLO_OK = 'HELLO REPLY RESULT=OK VERSION=3.1\n';

async function open(port: number, options: Parameters<typeof SamConnection.open>[0] = {}): Promise<SamConnection> {
  const connection = await SamConnection.open({ host: '127.0.0.1', port, ...options });
  cleanups.push(() => connection.close());
  return connection;
}

function settle<T>(promise: Promise<T>): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
  return promise.then(
    (value) => ({ ok: true as const, value }),
    (error: unknown) => ({ ok: false as const, error }),
  );
}

describe('versions', () => {
  it('parses and compares SAM versions', () => {
    expect(parseVersion('3')).toEqual([3, 0]);
    expect(parseVersion('3.10')).toEqual([3, 10]);
    expect(parseVersion('x')).toBeUndefined();
    expect(compareVersions('3.1', '3.3')).toBeLessThan(0);
    expect(compareVersions('3.10', '3.3')).toBeGreaterThan(0);
    expect(compareVersions('3', '3.0')).toBe(0);
    expect(() => compareVersions('3.x', '3')).toThrow(SamInvalidArgument);
  });
});

describe('HELLO', () => {
  it('sends exactly `HELLO VERSION MIN=3.1 MAX=3.3\\n` and nothing before the reply', async () => {
    const server = await scripted((socket, line) => {
      if (line.startsWith('HELLO')) setTimeout(() => socket.write(HELLO_OK), 20);
    });
    const connection = await open(server.port);
    expect(server.raw[0]?.toString()).toBe('HELLO VERSION MIN=3.1 MAX=3.3\n');
    expect(connection.version).toBe('3.1');
  });

  it('negotiates 3.1 with i2pd 2.56 and 3.3 with i2pd 2.58', async () => {
    const old = await fake({ profile: I2PD_2_56 });
    const current = await fake({ profile: I2PD_2_58 });
    const a = await open(old.port);
    const b = await open(current.port);
    expect(a.version).toBe('3.1');
    expect(a.atLeast('3.2')).toBe(false);
    expect(b.version).toBe('3.3');
    expect(b.atLeast('3.2')).toBe(true);
  });

  it('surfaces NOVERSION as SamResultError (2.56 cannot do 3.2+) and the bridge hangs up', async () => {
    const old = await fake({ profile: I2PD_2_56 });
    const error = await SamConnection.open({ ...old.sam, minVersion: '3.2', maxVersion: '3.3' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SamResultError);
    expect(error).toMatchObject({ code: 'NOVERSION', reply: 'HELLO REPLY' });
  });

  it('refuses a version outside the requested range', async () => {
    const server = await scripted((socket) => socket.write('HELLO REPLY RESULT=OK VERSION=3.0\n'));
    await expect(SamConnection.open({ port: server.port })).rejects.toBeInstanceOf(SamProtocolError);
  });

  it('refuses an inverted range or a bad address before connecting', async () => {
    await expect(SamConnection.open({ port: 1, minVersion: '3.3', maxVersion: '3.1' })).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(SamConnection.open({ port: 70000 })).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(SamConnection.open({ host: '' })).rejects.toBeInstanceOf(SamInvalidArgument);
  });

  it('assembles a HELLO REPLY written one byte at a time', async () => {
    const server = await scripted((socket) => {
      const bytes = Buffer.from('HELLO REPLY RESULT=OK VERSION=3.3\n');
      let i = 0;
      const tick = (): void => {
        if (i < bytes.length) socket.write(bytes.subarray(i, ++i), () => setImmediate(tick));
      };
      tick();
    });
    expect((await open(server.port)).version).toBe('3.3');
  });

  it('fails with SamSocketClosed when nothing listens', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const error = await SamConnection.open({ port }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SamSocketClosed);
    expect((error as Error).message).toMatch(/cannot reach the SAM bridge.*ECONNREFUSED/);
  });

  it('times out a silent bridge with SamTimeout', async () => {
    const server = await scripted(() => undefined);
    const error = await SamConnection.open({ port: server.port, connectTimeoutMs: 80 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SamTimeout);
    expect(error).toMatchObject({ operation: 'HELLO', timeoutMs: 80 });
  });

  it('is closed by i2pd when the first line is not HELLO (no reply, SamSocketClosed)', async () => {
    const sam = await fake();
    const error = await SamConnection.open({ ...sam.sam, minVersion: '3.1', maxVersion: '3.1' }).then(async (connection) => {
      cleanups.push(() => connection.close());
      return connection.request(['hello', 'version']).catch((e: unknown) => e);
    });
    // Lower-case commands are unknown to i2pd: it terminates the socket without an answer.
    expect(error).toBeInstanceOf(SamSocketClosed);
  });
});

describe('the waiter FIFO', () => {
  it('writes the next command only after the previous reply, and matches replies in order', async () => {
    const order: string[] = [];
    const server = await scripted((socket, line, index) => {
      order.push(line);
      if (index === 0) socket.write(HELLO_OK);
      // Answer slowly so a pipelined write would show up before the reply.
      else setTimeout(() => socket.write(`TEST REPLY N=${index}\n`), 15);
    });
    const connection = await open(server.port);
    const replies = await Promise.all([connection.request(['A', 'ONE']), connection.request(['B', 'TWO']), connection.request(['C', 'THREE'])]);
    expect(replies).toEqual(['TEST REPLY N=1', 'TEST REPLY N=2', 'TEST REPLY N=3']);
    expect(order).toEqual(['HELLO VERSION MIN=3.1 MAX=3.3', 'A ONE', 'B TWO', 'C THREE']);
  });

  it('rejects every pending waiter exactly once when the bridge drops the socket', async () => {
    const server = await scripted((socket, _line, index) => {
      if (index === 0) socket.write(HELLO_OK);
      else socket.destroy();
    });
    const connection = await open(server.port);
    const onClose = vi.fn();
    connection.on('close', onClose);
    const rejections = [vi.fn(), vi.fn(), vi.fn()];
    const resolutions = vi.fn();
    const pending = ['ONE', 'TWO', 'THREE'].map((word, i) => connection.request(['CMD', word]).then(resolutions, rejections[i]));
    await Promise.all(pending);
    expect(resolutions).not.toHaveBeenCalled();
    const errors = rejections.map((fn) => {
      expect(fn).toHaveBeenCalledTimes(1);
      return fn.mock.calls[0]?.[0] as unknown;
    });
    for (const error of errors) expect(error).toBeInstanceOf(SamSocketClosed);
    expect((errors[0] as Error).message).toMatch(/closed the connection while waiting for CMD ONE/);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onClose.mock.calls[0]?.[0]).toBe(errors[0]);
    expect(connection.isOpen).toBe(false);
    await expect(connection.request(['LATE', 'CMD'])).rejects.toBeInstanceOf(SamSocketClosed);
    expect(onClose).toHaveBeenCalledTimes(1);
  });

  it('times out the head waiter, then fails the rest because the connection is dropped', async () => {
    const server = await scripted((socket, _line, index) => {
      if (index === 0) socket.write(HELLO_OK);
    });
    const connection = await open(server.port);
    const first = settle(connection.request(['SLOW', 'CMD'], [], { timeoutMs: 60 }));
    const second = settle(connection.request(['NEXT', 'CMD']));
    const [a, b] = await Promise.all([first, second]);
    expect(a.ok ? undefined : a.error).toBeInstanceOf(SamTimeout);
    expect(b.ok ? undefined : b.error).toBeInstanceOf(SamSocketClosed);
    expect(((b.ok ? undefined : b.error) as Error).cause).toBe(a.ok ? undefined : a.error);
    expect(connection.isOpen).toBe(false);
  });

  it('starts a deadline when the waiter reaches the head, not when it is queued', async () => {
    const server = await scripted((socket, line, index) => {
      if (index === 0) socket.write(HELLO_OK);
      else setTimeout(() => socket.write(`R ${line}\n`), line.startsWith('SLOW') ? 250 : 5);
    });
    const connection = await open(server.port);
    const slow = connection.request(['SLOW', 'CMD'], [], { timeoutMs: 2000 });
    // Shorter than SLOW's wait: it would fire if the clock started when QUICK was queued.
    const quick = connection.request(['QUICK', 'CMD'], [], { timeoutMs: 150 });
    await expect(slow).resolves.toBe('R SLOW CMD');
    await expect(quick).resolves.toBe('R QUICK CMD');
  });

  it('fails the waiter with SamLineTooLong when a reply exceeds the cap', async () => {
    const server = await scripted((socket, _line, index) => {
      if (index === 0) socket.write(HELLO_OK);
      else socket.write('X'.repeat(200));
    });
    const connection = await open(server.port, { maxLineBytes: 64 });
    await expect(connection.request(['A', 'B'])).rejects.toBeInstanceOf(SamLineTooLong);
    expect(connection.isOpen).toBe(false);
  });

  it('rejects an unsafe argument without writing it and stays usable', async () => {
    const server = await scripted((socket, line, index) => socket.write(index === 0 ? HELLO_OK : `R ${line}\n`));
    const connection = await open(server.port);
    await expect(connection.request(['NAMING', 'LOOKUP'], { NAME: 'x\nSESSION CREATE' })).rejects.toBeInstanceOf(SamInvalidArgument);
    await expect(connection.request(['NAMING', 'LOOKUP'], { NAME: 'ok.i2p' })).resolves.toBe('R NAMING LOOKUP NAME=ok.i2p');
    expect(server.raw[0]?.toString()).not.toContain('SESSION CREATE');
  });

  it('close() rejects pending waiters and emits close without an error', async () => {
    const server = await scripted((socket, _line, index) => {
      if (index === 0) socket.write(HELLO_OK);
    });
    const connection = await open(server.port);
    const onClose = vi.fn();
    connection.on('close', onClose);
    const pending = connection.request(['WAIT', 'FOREVER'], [], { timeoutMs: 0 });
    connection.close();
    connection.close();
    await expect(pending).rejects.toThrow(/closed by the client/);
    expect(onClose).toHaveBeenCalledTimes(1);
    expect(onClose).toHaveBeenCalledWith(undefined);
  });

  it('an AbortSignal destroys the connection', async () => {
    const server = await scripted((socket, _line, index) => {
      if (index === 0) socket.write(HELLO_OK);
    });
    const controller = new AbortController();
    const connection = await open(server.port, { signal: controller.signal });
    const pending = connection.request(['WAIT', 'FOREVER'], [], { timeoutMs: 0 });
    controller.abort(new Error('user cancelled'));
    const error = await pending.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SamSocketClosed);
    expect(((error as Error).cause as Error).message).toBe('user cancelled');
  });
});

describe('lines nobody asked for', () => {
  it('answers a bridge PING with PONG and keeps the FIFO intact', async () => {
    const server = await scripted((socket, line, index) => {
      if (index === 0) socket.write(HELLO_OK);
      else if (line === 'A B') socket.write('PING probe 1\nR A B\n');
    });
    const connection = await open(server.port);
    await expect(connection.request(['A', 'B'])).resolves.toBe('R A B');
    await vi.waitFor(() => expect(server.raw[0]?.toString()).toContain('PONG probe 1\n'), WAIT);
  });

  it('delivers DATAGRAM RECEIVED payloads, even interleaved with a reply', async () => {
    const pub = 'A'.repeat(524);
    const server = await scripted((socket, _line, index) => {
      if (index === 0) socket.write(HELLO_OK);
      else {
        socket.write(`DATAGRAM RECEIVED DESTINATION=${pub} SIZE=11\nhello`);
        // SIZE counts payload bytes only: the next line starts right after them.
        setTimeout(() => socket.write(' worldR DONE\nRAW RECEIVED SIZE=3\n\n\n\n'), 10);
      }
    });
    const connection = await open(server.port);
    const datagrams: Array<{ kind: string; payload: string }> = [];
    connection.on('datagram', (d) => datagrams.push({ kind: d.header.kind, payload: d.payload.toString() }));
    await expect(connection.request(['X', 'Y'])).resolves.toBe('R DONE');
    await vi.waitFor(() => expect(datagrams).toHaveLength(2), WAIT);
    expect(datagrams).toEqual([
      { kind: 'DATAGRAM RECEIVED', payload: 'hello world' },
      { kind: 'RAW RECEIVED', payload: '\n\n\n' },
    ]);
  });

  it('emits unsolicited lines (e.g. a bridge timeout notice before it hangs up)', async () => {
    const server = await scripted((socket) => {
      socket.write(HELLO_OK);
      setTimeout(() => socket.write('SESSION STATUS RESULT=I2P_ERROR MESSAGE="timeout"\n'), 20);
    });
    const connection = await SamConnection.open({ port: server.port });
    cleanups.push(() => connection.close());
    const [line] = (await once(connection, 'unsolicited')) as [string];
    expect(line).toBe('SESSION STATUS RESULT=I2P_ERROR MESSAGE="timeout"');
  });
});

describe('PING', () => {
  it('is refused locally on SAM 3.1 (i2pd 2.56 would hang up) and nothing is sent', async () => {
    const sam = await fake({ profile: I2PD_2_56 });
    const connection = await open(sam.port);
    await expect(connection.ping('abc')).rejects.toBeInstanceOf(SamUnsupported);
    expect(sam.received.some((line) => line.startsWith('PING'))).toBe(false);
    expect(connection.isOpen).toBe(true);
  });

  it('round-trips PING/PONG on a 3.3 bridge', async () => {
    const sam = await fake({ profile: SPEC_3_3 });
    const connection = await open(sam.port);
    await connection.ping('abc123');
    expect(sam.received).toContain('PING abc123');
    expect(connection.isOpen).toBe(true);
  });

  it('sees i2pd 2.58 close the socket right after PONG (why keepalive is off by default)', async () => {
    const sam = await fake({ profile: I2PD_2_58 });
    const connection = await open(sam.port);
    const closed = once(connection, 'close');
    await connection.ping('abc123');
    await closed;
    expect(connection.isOpen).toBe(false);
  });

  it('sends keepalive PINGs when idle on 3.2+ and stays open', async () => {
    const sam = await fake({ profile: SPEC_3_3 });
    const connection = await open(sam.port, { keepaliveMs: 25 });
    await vi.waitFor(() => expect(sam.received.filter((line) => line.startsWith('PING ')).length).toBeGreaterThanOrEqual(2), WAIT);
    expect(connection.isOpen).toBe(true);
  });

  it('does not send keepalives on 3.1 even when asked', async () => {
    const sam = await fake({ profile: I2PD_2_56 });
    const connection = await open(sam.port, { keepaliveMs: 10 });
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(sam.received.some((line) => line.startsWith('PING'))).toBe(false);
    expect(connection.isOpen).toBe(true);
  });
});

describe('detach', () => {
  it('hands over the socket with the bytes that came in the same chunk as the final reply', async () => {
    const server = await scripted((socket, line, index) => {
      if (index === 0) socket.write(HELLO_OK);
      else if (index === 1) socket.write('STREAM STATUS RESULT=OK\nfirst bytes\n');
      else socket.write(`echo:${line}\n`);
    });
    const connection = await open(server.port);
    const reply = await connection.request(['STREAM', 'CONNECT'], { ID: 'a', DESTINATION: 'b' }, { final: true });
    expect(reply).toBe('STREAM STATUS RESULT=OK');
    const socket = connection.detach();
    cleanups.push(() => void socket.destroy());
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    socket.write('ping\n');
    await vi.waitFor(() => expect(received).toBe('first bytes\necho:ping\n'), WAIT);
    expect(connection.isOpen).toBe(false);
    await expect(connection.request(['X', 'Y'])).rejects.toBeInstanceOf(SamSocketClosed);
  });

  it('refuses to detach while waiters are pending', async () => {
    const server = await scripted((socket, _line, index) => {
      if (index === 0) socket.write(HELLO_OK);
    });
    const connection = await open(server.port);
    const pending = connection.request(['WAIT', 'X'], [], { timeoutMs: 0 });
    expect(() => connection.detach()).toThrow(/pending/);
    connection.close();
    await expect(pending).rejects.toBeInstanceOf(SamSocketClosed);
  });
});

// Test helper: a loopback net.Server that answers like tor's control port, byte for byte.
// Each test scripts it with a handler; it holds no protocol logic of the client under test.
import { createServer, type Server, type Socket } from 'node:net';
import { once } from 'node:events';

export interface FakeTorPeer {
  socket: Socket;
  write(wire: string | Buffer): void;
  // Lines the client sent, without CRLF.
  received: string[];
}

// Return wire bytes to send, or nothing to stay silent (e.g. to test timeouts).
export type FakeTorHandler = (line: string, peer: FakeTorPeer) => string | Buffer | void | Promise<string | Buffer | void>;

export interface FakeTor {
  server: Server;
  port: number;
  peers: FakeTorPeer[];
  // The index-th accepted connection, once it exists.
  peer(index?: number): Promise<FakeTorPeer>;
  close(): Promise<void>;
}

export async function startFakeTor(handler: FakeTorHandler): Promise<FakeTor> {
  const peers: FakeTorPeer[] = [];
  const onPeer = new Set<() => void>();
  const server = createServer((socket) => {
    const peer: FakeTorPeer = {
      socket,
      received: [],
      write: (wire) => {
        if (!socket.destroyed) socket.write(wire);
      },
    };
    peers.push(peer);
    for (const notify of onPeer) notify();
    let buffered = '';
    let chain = Promise.resolve();
    socket.on('error', () => {});
    socket.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\r\n')) !== -1) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 2);
        peer.received.push(line);
        chain = chain.then(async () => {
          const out = await handler(line, peer);
          if (out !== undefined) peer.write(out);
        });
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('fake tor has no TCP address');
  return {
    server,
    port: address.port,
    peers,
    peer: (index = 0) =>
      new Promise((resolve) => {
        const check = (): void => {
          const p = peers[index];
          if (p) {
            onPeer.delete(check);
            resolve(p);
          }
        };
        onPeer.add(check);
        check();
      }),
    close: async () => {
      for (const p of peers) p.socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

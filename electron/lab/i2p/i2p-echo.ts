// An echo destination on one lab router: a SAM STREAM session that keeps one STREAM ACCEPT pending
// and writes every byte of each incoming stream back. ACCEPT (not FORWARD) because the router may
// live in a holder namespace that cannot connect back to a listener in the app's.
import type { Socket } from 'node:net';
import type { ScopedLogger } from '../../logging/logger';
import { SamSession, type OptionValue, type SamConnectionOptions } from '../../services/i2p/sam';

export interface I2pEcho {
  /** Full base64 destination to STREAM CONNECT to. */
  destination: string;
  b32Address: string;
  /** Which router hosts it, for the measurement's label. */
  router: string;
  /** false once the session's control socket is gone (its router stopped). */
  isOpen(): boolean;
  close(): void;
}

export interface StartI2pEchoOptions {
  sam: SamConnectionOptions;
  i2cp: Readonly<Record<string, OptionValue>>;
  router: string;
  log: ScopedLogger;
  createTimeoutMs?: number;
}

export async function startI2pEcho(opts: StartI2pEchoOptions): Promise<I2pEcho> {
  const session = await SamSession.create({ ...opts.sam, style: 'STREAM', i2cp: opts.i2cp, createTimeoutMs: opts.createTimeoutMs ?? 90_000 });
  const streams = new Set<Socket>();
  let closed = false;

  const serve = (socket: Socket) => {
    streams.add(socket);
    socket.on('error', () => socket.destroy());
    socket.on('close', () => streams.delete(socket));
    socket.pipe(socket);
  };

  // One pending ACCEPT at a time; the next is registered as soon as a peer arrives, so a second
  // measurement never finds the destination without a listener. A failed ACCEPT is retried.
  const acceptLoop = async () => {
    while (!closed && session.isOpen) {
      try {
        const pending = await session.accept();
        const stopWaiting = () => pending.cancel();
        void session.closed.then(stopWaiting);
        const { socket } = await pending.incoming;
        serve(socket);
      } catch (e) {
        if (closed || !session.isOpen) return;
        opts.log.warn(`I2P echo: accept failed, retrying: ${e instanceof Error ? e.message : String(e)}`);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };
  void acceptLoop();

  return {
    destination: session.publicDestination,
    b32Address: session.b32Address,
    router: opts.router,
    isOpen: () => !closed && session.isOpen,
    close: () => {
      closed = true;
      session.close();
      for (const s of streams) s.destroy();
    },
  };
}

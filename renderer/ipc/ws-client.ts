// The headless host's transport: the contract over a WebSocket to 127.0.0.1, authenticated with
// the per-run token as a subprotocol. Reconnects with backoff; calls made while disconnected fail
// at once with IPC_DISCONNECTED rather than hanging.
import type { ApiTransport } from '../../shared/ipc/api';
import { HostFrameSchema, WS_AUTH_PREFIX, WS_PROTOCOL } from '../../shared/ipc/wire';

export type ConnectionState = 'connecting' | 'open' | 'closed' | 'unauthorized';

interface Pending {
  resolve: (v: unknown) => void;
  reject: (e: Error) => void;
  timer: ReturnType<typeof setTimeout>;
}

export function createWsTransport(
  url: string,
  token: string,
  onState: (s: ConnectionState) => void,
  timeoutMs = 60_000,
): ApiTransport {
  let ws: WebSocket | null = null;
  let nextId = 1;
  let retry = 0;
  let opened = false;
  const pending = new Map<number, Pending>();
  const listeners = new Map<string, Set<(p: unknown) => void>>();
  let ready: Promise<void>;
  let markReady: () => void = () => undefined;

  const failAll = (why: string) => {
    for (const [id, p] of pending) {
      clearTimeout(p.timer);
      p.reject(new Error(why));
      pending.delete(id);
    }
  };

  const connect = () => {
    ready = new Promise((r) => (markReady = r));
    onState('connecting');
    opened = false;
    ws = new WebSocket(url, [WS_PROTOCOL, `${WS_AUTH_PREFIX}${token}`]);
    ws.onopen = () => {
      opened = true;
      retry = 0;
      onState('open');
      markReady();
    };
    ws.onmessage = (ev: MessageEvent) => {
      if (typeof ev.data !== 'string') return;
      let json: unknown;
      try {
        json = JSON.parse(ev.data);
      } catch {
        return;
      }
      const frame = HostFrameSchema.safeParse(json);
      if (!frame.success) return;
      if (frame.data.t === 'event') {
        for (const l of listeners.get(frame.data.channel) ?? []) l(frame.data.payload);
      } else if (frame.data.id !== null) {
        const p = pending.get(frame.data.id);
        if (p) {
          clearTimeout(p.timer);
          pending.delete(frame.data.id);
          p.resolve(frame.data.result);
        }
      }
    };
    ws.onclose = () => {
      failAll('the connection to Underpass closed');
      // A refused upgrade never opens: most likely a stale or wrong token. Do not hammer the host.
      if (!opened && retry >= 2) {
        onState('unauthorized');
        return;
      }
      onState('closed');
      retry += 1;
      setTimeout(connect, Math.min(10_000, 250 * 2 ** retry));
    };
  };
  connect();

  return {
    invoke: async (channel, args) => {
      if (ws?.readyState !== WebSocket.OPEN) await Promise.race([ready, new Promise((r) => setTimeout(r, 3000))]);
      const sock = ws;
      if (!sock || sock.readyState !== WebSocket.OPEN) throw new Error('not connected to Underpass');
      const id = nextId++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          pending.delete(id);
          reject(new Error(`${channel} did not answer within ${timeoutMs / 1000} s`));
        }, timeoutMs);
        pending.set(id, { resolve, reject, timer });
        sock.send(JSON.stringify({ t: 'invoke', id, channel, args }));
      });
    },
    subscribe: (channel, listener) => {
      let set = listeners.get(channel);
      if (!set) listeners.set(channel, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
  };
}

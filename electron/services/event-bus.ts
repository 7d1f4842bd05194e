// Typed fan-out of contract events to every connected host. Services emit through it; the hosts
// (Electron IPC, headless WebSocket) subscribe. It lives with the services so they never import
// the IPC layer or the composition root.
import type { EventPayloads } from '../../shared/ipc/api';
import { channelName, type EventName, type ServiceName } from '../../shared/ipc/contract';

export class EventBus {
  private readonly listeners = new Set<(channel: string, payload: unknown) => void>();

  emit<S extends ServiceName, E extends EventName<S>>(service: S, event: E, payload: EventPayloads[S][E]): void {
    const channel = channelName(service, event);
    for (const listener of this.listeners) listener(channel, payload);
  }

  subscribe(listener: (channel: string, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
}

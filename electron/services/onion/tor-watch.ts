// Follows the app's tor for services that publish onions on it: tells them when tor went away (their
// onions went with it), when a tor is ready (a new one means publish everything again), and when tor
// reports a descriptor uploaded (HS_DESC UPLOADED: the onion is reachable).
import type { EventBus } from '../event-bus';
import type { TorController } from '../tor/control';

/** What an onion-publishing service needs from the Tor service. */
export interface TorAccess {
  requireController(): TorController;
  status(): { ready: boolean };
}

export interface OnionTorWatchHooks {
  /** tor stopped or is restarting: every onion on it is gone. */
  down(): void;
  /** tor is ready; `fresh` = a tor this watch had not seen (first start or a restart). */
  ready(c: TorController, fresh: boolean): Promise<void>;
  /** HS_DESC UPLOADED for this service id (56 base32 characters, no ".onion"). */
  uploaded(serviceId: string): void;
}

export class OnionTorWatch {
  private controller: TorController | null = null;
  private offHsDesc: (() => void) | null = null;
  private readonly offBus: () => void;

  constructor(
    private readonly tor: TorAccess,
    bus: EventBus,
    private readonly hooks: OnionTorWatchHooks,
  ) {
    this.offBus = bus.subscribe((channel, payload) => {
      if (channel !== 'underpass:tor:onStatus') return;
      void this.update((payload as { ready?: boolean }).ready === true);
    });
  }

  get ready(): boolean {
    return this.tor.status().ready;
  }

  async update(ready: boolean): Promise<void> {
    if (!ready) {
      this.hooks.down();
      return;
    }
    let c: TorController;
    try {
      c = this.tor.requireController();
    } catch {
      return;
    }
    const fresh = c !== this.controller;
    if (fresh) {
      this.offHsDesc?.();
      this.controller = c;
      this.offHsDesc = c.on('HS_DESC', (e) => {
        if (e.action === 'UPLOADED') this.hooks.uploaded(e.address);
      });
    }
    await this.hooks.ready(c, fresh);
  }

  /**
   * The controller to add onions on now, or null while tor is not ready. A tor this watch has not
   * seen yet is taken up first (its ready hook publishes everything), and null is returned then too.
   */
  async current(): Promise<TorController | null> {
    let c: TorController;
    try {
      c = this.tor.requireController();
    } catch {
      return null;
    }
    if (c !== this.controller) {
      await this.update(true);
      return null;
    }
    return c;
  }

  dispose(): void {
    this.offBus();
    this.offHsDesc?.();
  }
}

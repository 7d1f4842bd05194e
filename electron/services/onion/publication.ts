// One onion service's life on the app's tor: its key (kept in memory for a temporary onion, in an
// owner-only file for a persistent one, so the same .onion comes back after tor or the app
// restarts), ADD_ONION on a given tor, and DEL_ONION. Never logs the key.
import type { TorController } from '../tor/control';
import type { OnionPortMapping } from '../tor/control/commands';
import { readOnionKey, writeOnionKey } from './files';

export interface OnionTarget {
  ports: readonly OnionPortMapping[];
  /** Base32 x25519 public keys of the clients allowed in (ClientAuthV3); none = open. */
  clientAuthV3?: readonly string[];
}

export class OnionPublication {
  serviceId: string | null = null;
  /** "ED25519-V3:<base64>", as ADD_ONION printed it. */
  private key: string | null = null;
  /** The tor the onion was added on; a different one (tor restarted) means add it again. */
  private on: TorController | null = null;

  /** keyFile: where a persistent onion keeps its key; null for a temporary onion. */
  constructor(private readonly keyFile: string | null) {}

  isOn(c: TorController): boolean {
    return this.on === c;
  }

  /**
   * ADD_ONION on `c` with this onion's key: the saved one (persistent), the one from earlier in
   * this run, or a new one (saved when persistent). Returns the service id; throws tor's error.
   */
  async publish(c: TorController, target: OnionTarget): Promise<string> {
    // Claimed before the first await so a second caller for the same tor returns at once.
    this.on = c;
    try {
      if (!this.key && this.keyFile) this.key = await readOnionKey(this.keyFile);
      const result = await c.addOnion({
        key: this.key ? { type: 'ED25519-V3', key: this.key.replace(/^ED25519-V3:/, '') } : { type: 'NEW', algorithm: 'ED25519-V3' },
        ports: target.ports,
        ...(target.clientAuthV3 && target.clientAuthV3.length > 0 ? { clientAuthV3: target.clientAuthV3 } : {}),
      });
      if (result.privateKey) {
        this.key = `${result.privateKey.keyType}:${result.privateKey.key}`;
        if (this.keyFile) await writeOnionKey(this.keyFile, this.key);
      }
      this.serviceId = result.serviceId;
      return result.serviceId;
    } catch (e) {
      this.on = null;
      throw e;
    }
  }

  /** tor went away, and the onion with it. */
  lost(): void {
    this.serviceId = null;
    this.on = null;
  }

  /** DEL_ONION on the tor the onion lives on, if it is still there; tor's refusal is not an error here. */
  async unpublish(): Promise<void> {
    const sid = this.serviceId;
    const c = this.on;
    this.lost();
    if (sid && c && !c.closed) await c.delOnion(sid).catch(() => undefined);
  }

  /** A temporary onion gets a new address the next time it is published. */
  forgetTemporaryKey(): void {
    if (!this.keyFile) this.key = null;
  }
}

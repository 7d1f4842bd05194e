// Test double for the slice of TorController that onion publishing uses (ADD_ONION, DEL_ONION,
// HS_DESC): the drop and onion-services unit tests share it. Addresses are stable per key, as tor's are.
import type { TorController } from '../../tor/control';
import type { AddOnionRequest } from '../../tor/control/commands';

type HsListener = (e: { type: 'HS_DESC'; action: string; address: string }) => void;

export class FakeOnionController {
  closed = false;
  added: AddOnionRequest[] = [];
  deleted: string[] = [];
  /** Set to make the next ADD_ONION fail the way tor's refusal does. */
  refuse: Error | null = null;
  private readonly listeners = new Set<HsListener>();
  private readonly ids = new Map<string, string>();

  async addOnion(req: AddOnionRequest) {
    this.added.push(req);
    if (this.refuse) throw this.refuse;
    const key = req.key.type === 'NEW' ? `KEY${this.added.length}` : req.key.key;
    if (!this.ids.has(key)) this.ids.set(key, String.fromCharCode(97 + this.ids.size).repeat(56));
    return { serviceId: this.ids.get(key)!, clientAuthV3: [], clientAuth: [], ...(req.key.type === 'NEW' ? { privateKey: { keyType: 'ED25519-V3', key } } : {}) };
  }

  async delOnion(id: string) {
    this.deleted.push(id);
  }

  on(_type: 'HS_DESC', l: HsListener) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  /** tor reports the descriptor of `address` uploaded. */
  uploaded(address: string) {
    for (const l of this.listeners) l({ type: 'HS_DESC', action: 'UPLOADED', address });
  }

  /** The same keys on a new tor give the same addresses. */
  restartFrom(prev: FakeOnionController) {
    for (const [k, v] of prev.ids) this.ids.set(k, v);
  }

  asController(): TorController {
    return this as unknown as TorController;
  }
}

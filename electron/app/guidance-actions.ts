// What Guidance can do in this build: each action and probe acts through a feature's service. Kept
// out of createCore so the composition root only wires services together.
import { GuidanceService } from '../services/guidance/guidance-service';
import { torProbe } from '../services/guidance/tor-probe';
import { i2pProbe } from '../services/guidance/i2p-probe';
import type { AppMode } from '../config/paths';
import type { ScopedLogger } from '../logging/logger';
import type { TorService } from '../services/tor/tor-service';
import type { I2pService } from '../services/i2p/i2p-service';
import type { NymService } from '../services/nym/nym-service';
import type { BridgesService } from '../services/bridges/bridges-service';
import type { DropService } from '../services/drops/drop-service';
import type { LabProvider } from '../services/lab-provider';

export interface GuidanceDeps {
  mode: AppMode;
  tor: TorService;
  i2p: I2pService;
  nym: NymService;
  bridges: BridgesService;
  drops: DropService;
  lab: LabProvider | undefined;
  log: ScopedLogger;
}

export function createGuidance({ mode, tor, i2p, nym, bridges, drops, lab, log }: GuidanceDeps): GuidanceService {
  const guidance = new GuidanceService();
  guidance.registerAction('tor.start', async () => {
    tor.start().catch((e: unknown) => log.warn(`tor did not start: ${e instanceof Error ? e.message : String(e)}`));
    return { done: true, message: 'Tor is starting.', navigate: 'tor' };
  });
  guidance.registerProbe('tor', torProbe(tor));
  // Outside the lab there is no echo destination the app controls, so I2P says so instead of guessing.
  guidance.registerProbe('i2p', i2pProbe(i2p, lab?.i2pEcho?.bind(lab) ?? null));
  guidance.registerProbe('nym', async () => {
    // The client sends itself a one-packet probe through all three mix layers every few seconds.
    const st = nym.status();
    if (st.state !== 'ready' || st.labLatencyMs === null) {
      const ready = st.state === 'ready';
      return { ok: false, network: 'nym', code: ready ? 'noProbeYet' : 'notRunning', reason: ready ? 'no probe has come back yet' : 'the Nym client is not running', at: Date.now() };
    }
    return { ok: true, network: 'nym', rttMs: st.labLatencyMs, throughputBps: null, at: Date.now(), target: 'a message to itself through the mixnet' };
  });
  guidance.registerAction('bridges.useRecommended', async () => {
    // Lab mode never dials a public bridge: it uses the lab's own obfs4 bridge.
    if (mode === 'lab') {
      await bridges.apply({ kind: 'lab' });
      return { done: true, message: 'The lab bridge is on.', navigate: 'bridges' };
    }
    const builtin = await bridges.listBuiltin();
    const choice = ['snowflake', 'obfs4'].map((id) => builtin.choices.find((c) => c.id === id && c.available)).find(Boolean);
    if (!choice) return { done: false, message: 'No built-in bridge can run on this install; paste one on the Bridges page.', navigate: 'bridges' };
    await bridges.apply({ kind: 'builtin', id: choice.id });
    return { done: true, message: `${choice.label} is on.`, navigate: 'bridges' };
  });
  guidance.registerAction('drop.createProtected', async ({ ageRecipient }) => {
    // Encryption at rest only with the journalist's own age key: one the app made would sit on the same device.
    const drop = await drops.create({ title: 'Protected drop', clientAuth: true, persistent: true, ...(ageRecipient ? { ageRecipient } : {}) });
    const atRest = drop.ageRecipient ? `, uploads encrypted at rest to ${drop.ageRecipient}` : '; no age key given, so uploads are stored unencrypted';
    return { done: true, message: `Drop "${drop.title}" created with client authorization${atRest}. Share its key with sources separately.`, navigate: 'onion' };
  });
  // These two need the user's input (a recipient, a destination): the action opens the right form.
  guidance.registerAction('nym.composeAnonymous', async () => ({ done: true, message: 'Write your message and choose "anonymous".', navigate: 'messages' }));
  guidance.registerAction('i2p.openClientTunnel', async () => ({ done: true, message: 'Give the .b32.i2p destination and a local port.', navigate: 'i2p' }));
  return guidance;
}

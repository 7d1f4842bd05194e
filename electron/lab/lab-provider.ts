// Lab mode's networks for the app: starts the private Tor network the first time tor starts and
// tells the app's tor how to join it. One lab per app run; stopped with the app.
import type { LabProvider } from '../app/core';
import type { Logger } from '../logging/logger';
import type { ProcessRegistry } from '../supervisor/registry';
import type { TorNetworkPlan } from '../services/tor/tor-service';
import { startTorLab, type TorLab } from './tor/tor-lab';
import type { NymNetworkPlan } from '../services/nym/nym-service';
import { startNymLab, type NymLab } from './nym/nym-lab';

export interface LabProviderDeps {
  registry: ProcessRegistry;
  logger: Logger;
  resourcesDir: string;
}

export interface LabOptions {
  /** Start the lab's obfs4 bridge too (the Bridges page uses it). */
  bridge?: boolean;
  /** Extra nym-lab-mixnet flags (shorter delays in tests). */
  nymMixnetArgs?: string[];
}

export function createLabProvider(options: LabOptions = {}) {
  return (deps: LabProviderDeps): LabProvider => {
    let torLab: Promise<TorLab> | null = null;
    let nymLab: Promise<NymLab> | null = null;
    const log = deps.logger.scope('lab');
    return {
      tor: async (): Promise<TorNetworkPlan> => {
        torLab ??= startTorLab({ registry: deps.registry, logger: deps.logger, resourcesDir: deps.resourcesDir, bridge: options.bridge ?? true }).then(
          (lab) => {
            log.notice(
              `Tor lab ready in ${(lab.readyAfterMs / 1000).toFixed(1)} s: ${lab.relays.length} relays, isolation ${lab.isolation}` +
                (lab.exitAvailable ? ', exit available' : ', no exit (no network namespace could be made)'),
            );
            return lab;
          },
          (e: unknown) => {
            torLab = null;
            throw e;
          },
        );
        const lab = await torLab;
        return {
          extraTorrcLines: lab.clientTorrcLines,
          wrapSpawn: (plan) => lab.wrapSpawn(plan),
          unixSockets: lab.needsUnixSockets,
          labOrigin: lab.exitAvailable ? `http://${lab.origin.host}:${lab.origin.port}/` : null,
        };
      },
      nym: async (): Promise<NymNetworkPlan> => {
        nymLab ??= startNymLab({ registry: deps.registry, logger: deps.logger, mixnetArgs: options.nymMixnetArgs ?? [] }).catch((e: unknown) => {
          nymLab = null;
          throw e;
        });
        return (await nymLab).clientPlan();
      },
      stop: async () => {
        const lab = await torLab?.catch(() => null);
        await lab?.stop();
        const nym = await nymLab?.catch(() => null);
        await nym?.stop();
      },
    };
  };
}

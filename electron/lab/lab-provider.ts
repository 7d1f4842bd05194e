// Lab mode's networks for the app: starts the private Tor network the first time tor starts and
// tells the app's tor how to join it. One lab per app run; stopped with the app.
import type { LabProvider } from '../services/lab-provider';
import type { Logger } from '../logging/logger';
import type { ProcessRegistry } from '../supervisor/registry';
import type { TorNetworkPlan } from '../services/tor/tor-service';
import { join } from 'node:path';
import type { SpawnPlan } from '../supervisor/supervised-process';
import { startTorLab, type TorLab } from './tor/tor-lab';
import { startWebtunnelBridge, webtunnelCaFile, type WebtunnelBridge } from './tor/webtunnel-bridge';
import type { I2pNetworkPlan } from '../services/i2p/i2p-service';
import { startI2pLab, type I2pLab } from './i2p/i2p-lab';
import { startI2pEcho, type I2pEcho } from './i2p/i2p-echo';
import type { I2pEchoTarget } from '../services/guidance/i2p-probe';
import type { BridgeLab } from '../services/bridges/bridges-service';
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
  /**
   * Also start the lab's webtunnel bridge (in the background, after the Tor lab) and let the app's
   * tors trust its front's certificate. Needs a private lab namespace. Default: UNDERPASS_LAB_WEBTUNNEL=1.
   */
  webtunnel?: boolean;
  /** Where the Tor lab's helper programs live when this module is bundled away from them. */
  torScriptsDir?: string;
  /** Extra nym-lab-mixnet flags (shorter delays in tests). */
  nymMixnetArgs?: string[];
  /** Where the Nym lab's scripts live when this module is bundled away from them. */
  nymScriptsDir?: string;
  /**
   * Stall the app's tor until a bridge is applied: its DirAuthority keeps the lab's identity but
   * points at a closed loopback port, so tor sits at "conn" like a censored client; through the
   * lab bridge (which knows the real authority) it bootstraps. Default: UNDERPASS_LAB_TOR_STALL=1.
   */
  stallTor?: boolean;
  /** How long the Tor lab may take to come up (default: the lab's own). */
  torTimeoutMs?: number;
  /** Hands the started Tor lab to a test or benchmark that adds its own lab clients. */
  onTorLab?: (lab: TorLab) => void;
}

/** The lab DirAuthority line with its ORPort and DirPort moved to 127.0.0.1:1, where nothing listens. */
export function unreachableDirAuthority(line: string): string {
  return line.replace(/orport=\d+/, 'orport=1').replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1');
}

export function createLabProvider(options: LabOptions = {}) {
  return (deps: LabProviderDeps): LabProvider => {
    let torLab: Promise<TorLab> | null = null;
    let webtunnel: Promise<WebtunnelBridge | null> | null = null;
    const withWebtunnel = options.webtunnel ?? process.env.UNDERPASS_LAB_WEBTUNNEL === '1';
    /** The lab's wrapSpawn, plus SSL_CERT_FILE so webtunnel-client (Go) trusts the lab front's self-signed certificate. */
    const joinLab = (lab: TorLab) => (plan: SpawnPlan) =>
      lab.wrapSpawn(withWebtunnel ? { ...plan, env: { ...(plan.env ?? process.env), SSL_CERT_FILE: webtunnelCaFile(join(lab.dir, 'webtunnel')) } } : plan);
    let i2pLab: Promise<I2pLab> | null = null;
    let nymLab: Promise<NymLab> | null = null;
    let i2pEcho: Promise<I2pEcho> | null = null;
    const log = deps.logger.scope('lab');
    return {
      labBridges: [...((options.bridge ?? true) ? (['obfs4'] as const) : []), ...(withWebtunnel ? (['webtunnel'] as const) : [])],
      tor: async (): Promise<TorNetworkPlan> => {
        torLab ??= startTorLab({
          registry: deps.registry,
          logger: deps.logger,
          resourcesDir: deps.resourcesDir,
          bridge: options.bridge ?? true,
          ...(options.torScriptsDir ? { scriptsDir: options.torScriptsDir } : {}),
          ...(options.torTimeoutMs ? { timeoutMs: options.torTimeoutMs } : {}),
        }).then(
          (lab) => {
            options.onTorLab?.(lab);
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
        if (withWebtunnel) {
          webtunnel ??= startWebtunnelBridge({ lab, registry: deps.registry, logger: deps.logger, resourcesDir: deps.resourcesDir, dir: join(lab.dir, 'webtunnel') }).then(
            (b) => {
              log.notice(`lab webtunnel bridge ready: ${b.address}:${b.port} (inside the lab namespace only)`);
              return b;
            },
            (e: unknown) => {
              log.warn(`no lab webtunnel bridge: ${e instanceof Error ? e.message : String(e)}`);
              return null;
            },
          );
        }
        const stall = options.stallTor ?? process.env.UNDERPASS_LAB_TOR_STALL === '1';
        if (stall) log.notice('the app\'s tor is stalled on purpose (closed DirAuthority port) until a bridge is applied');
        return {
          extraTorrcLines: stall ? lab.clientTorrcLines.map((l) => (l.startsWith('DirAuthority ') ? unreachableDirAuthority(l) : l)) : lab.clientTorrcLines,
          wrapSpawn: joinLab(lab),
          unixSockets: lab.needsUnixSockets,
          labOrigin: lab.exitAvailable ? `http://${lab.origin.host}:${lab.origin.port}/` : null,
        };
      },
      bridgeLab: async (): Promise<BridgeLab> => {
        if (!torLab) throw new Error('the Tor lab has not started (start tor first)');
        const lab = await torLab;
        return {
          bridgeLine: lab.bridge?.line ?? null,
          webtunnelLine: (await webtunnel)?.line ?? null,
          // A bridge client keeps its guards (notes §7.6 concerns relay guards only).
          networkLines: lab.clientTorrcLines.filter((l) => l !== 'UseEntryGuards 0'),
          wrapSpawn: joinLab(lab),
          unixSockets: lab.needsUnixSockets,
        };
      },
      nym: async (): Promise<NymNetworkPlan> => {
        nymLab ??= startNymLab({
          registry: deps.registry,
          logger: deps.logger,
          mixnetArgs: options.nymMixnetArgs ?? [],
          ...(options.nymScriptsDir ? { scriptsDir: options.nymScriptsDir } : {}),
        }).catch((e: unknown) => {
          nymLab = null;
          throw e;
        });
        return (await nymLab).clientPlan();
      },
      i2p: async (): Promise<I2pNetworkPlan> => {
        i2pLab ??= (async () => {
          // One namespace for both labs when the Tor lab is already up (its holder is shared, not owned).
          const tor = torLab ? await torLab.catch(() => null) : null;
          return startI2pLab({
            registry: deps.registry,
            logger: deps.logger,
            resourcesDir: deps.resourcesDir,
            isolation: tor ? { kind: tor.isolation, reason: `shared with the Tor lab: ${tor.isolationReason}`, holderPid: null, wrapSpawn: tor.wrapSpawn } : 'auto',
          });
        })().then(
          (lab) => {
            log.notice(`I2P lab ready in ${(lab.readyAfterMs / 1000).toFixed(1)} s: ${lab.routers.length} routers, isolation ${lab.isolation}; SAM ${lab.routers.map((r) => `${r.name}=127.0.0.1:${r.app.samPort}`).join(' ')}`);
            return lab;
          },
          (e: unknown) => {
            i2pLab = null;
            throw e;
          },
        );
        const lab = await i2pLab;
        return {
          netid: lab.netid,
          seedRouterInfos: lab.seedFiles(),
          wrapSpawn: lab.wrapSpawn,
          bridge: lab.needsBridge ? (id, ports) => lab.bridge(id, ports) : null,
          tunnelHops: 1,
          host: lab.clientHost,
        };
      },
      i2pEcho: async (): Promise<I2pEchoTarget> => {
        if (!i2pLab) throw new Error('the I2P lab has not started (start I2P first)');
        // A lab router that restarted took the echo's session with it: make a new one.
        const previous = await i2pEcho?.catch(() => null);
        if (previous && !previous.isOpen()) i2pEcho = null;
        i2pEcho ??= (async () => {
          const lab = await i2pLab;
          const router = lab.routers[0];
          if (!router) throw new Error('the I2P lab has no router');
          // Same hops as the app's sessions (1 in the 2-router lab), so both ends build alike.
          const hops = { 'inbound.length': 1, 'outbound.length': 1, 'inbound.quantity': 2, 'outbound.quantity': 2, 'i2cp.leaseSetEncType': '4,0' };
          return startI2pEcho({ sam: { host: '127.0.0.1', port: router.app.samPort }, i2cp: hops, router: router.name, log });
        })().catch((e: unknown) => {
          i2pEcho = null;
          throw e;
        });
        const echo = await i2pEcho;
        return { destination: echo.destination, label: `echo destination on lab router ${echo.router} (${echo.b32Address})` };
      },
      stop: async () => {
        (await i2pEcho?.catch(() => null))?.close();
        const i2p = await i2pLab?.catch(() => null);
        await i2p?.stop();
        await (await webtunnel)?.stop();
        const lab = await torLab?.catch(() => null);
        await lab?.stop();
        const nym = await nymLab?.catch(() => null);
        await nym?.stop();
      },
    };
  };
}

// What lab mode provides: how each network's daemon joins the private loopback networks. Only the
// composition root and the lab implement or hold it; no service imports it, so the plans' types
// can come from the services without a cycle.
import type { LabBridgeTransport } from '../../shared/domain/bridges';
import type { TorNetworkPlan } from './tor/tor-service';
import type { I2pNetworkPlan } from './i2p/i2p-service';
import type { I2pEchoTarget } from './guidance/i2p-probe';
import type { BridgeLab } from './bridges/bridges-service';
import type { NymNetworkPlan } from './nym/nym-service';

export interface LabProvider {
  tor(): Promise<TorNetworkPlan>;
  /** The lab I2P network (routers on loopback) and how the app's i2pd joins it. */
  i2p?(): Promise<I2pNetworkPlan>;
  /** An echo destination on a lab router (guidance measures I2P against it); needs the I2P lab up. */
  i2pEcho?(): Promise<I2pEchoTarget>;
  /** The lab's bridge and how a throwaway tor joins the lab (Bridges page). */
  bridgeLab?(): Promise<BridgeLab>;
  /** Which lab bridges this lab starts (known before they are up, so the UI offers only these). */
  readonly labBridges?: readonly LabBridgeTransport[];
  nym(): Promise<NymNetworkPlan>;
  stop(): Promise<void>;
}

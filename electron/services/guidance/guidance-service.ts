// Guidance in main: performs a recommendation's actions through the features that exist in this
// build, and measures the networks that are running now. Features register what they can do, so
// an action whose feature has not landed says so instead of pretending.
import type { Handlers } from '../../../shared/ipc/api';
import type { ApplyResult, GuidanceAction, GuidanceApplyArgs, Measurement } from '../../../shared/domain/guidance';
import { GUIDANCE_ACTIONS } from '../../../shared/domain/guidance';
import { ServiceError } from '../../util/service-error';

export type ActionHandler = (args: GuidanceApplyArgs) => Promise<Omit<ApplyResult, 'action'>>;
export type NetworkProbe = () => Promise<Measurement>;

const FEATURE_OF: Record<GuidanceAction, string> = {
  'tor.start': 'Tor',
  'bridges.useRecommended': 'Bridges',
  'drop.createProtected': 'Onion drops',
  'nym.composeAnonymous': 'Nym messaging',
  'i2p.openClientTunnel': 'I2P tunnels',
};

export class GuidanceService {
  private readonly actions = new Map<GuidanceAction, ActionHandler>();
  private readonly probes = new Map<'tor' | 'i2p' | 'nym', NetworkProbe>();

  registerAction(action: GuidanceAction, handler: ActionHandler): void {
    this.actions.set(action, handler);
  }

  registerProbe(network: 'tor' | 'i2p' | 'nym', probe: NetworkProbe): void {
    this.probes.set(network, probe);
  }

  /** Which actions this build can perform (the rest answer NOT_IMPLEMENTED). */
  supported(): GuidanceAction[] {
    return GUIDANCE_ACTIONS.filter((a) => this.actions.has(a));
  }

  async apply(args: GuidanceApplyArgs): Promise<ApplyResult> {
    const { action } = args;
    const handler = this.actions.get(action);
    if (!handler) throw new ServiceError('NOT_IMPLEMENTED', `${FEATURE_OF[action]} is not part of this build yet, so this step cannot be applied.`);
    return { action, ...(await handler(args)) };
  }

  async measure(): Promise<Measurement[]> {
    const out: Measurement[] = [];
    for (const network of ['tor', 'i2p', 'nym'] as const) {
      const probe = this.probes.get(network);
      if (!probe) {
        out.push({ ok: false, network, code: 'notInBuild', reason: 'not part of this build yet', at: Date.now() });
        continue;
      }
      try {
        out.push(await probe());
      } catch (e) {
        out.push({ ok: false, network, code: 'failed', reason: e instanceof Error ? e.message : String(e), at: Date.now() });
      }
    }
    return out;
  }

  handlers(): Handlers['guidance'] {
    return {
      apply: (args) => this.apply(args),
      measure: () => this.measure(),
    };
  }
}

// The words the Messages page uses for message states and mixnet settings, in one place.
import type { NymMessage, NymStatus, NymTraffic } from '../../../shared/domain/nym';

export function messageStateText(m: NymMessage): string {
  switch (m.state) {
    case 'queued':
      return m.queueLength ? `Queued in your Nym client (${m.queueLength} packet${m.queueLength === 1 ? '' : 's'} to go)` : 'Queued in your Nym client';
    case 'sent':
      return 'Sent into the mixnet. Nym gives no delivery receipt, so this does not mean it arrived.';
    case 'dropped':
      return `Dropped: ${m.error ?? 'your Nym client refused it'}`;
    case 'failed':
      return `Not sent: ${m.error ?? 'unknown error'}`;
    case 'received':
      return m.kind === 'anonymous' ? 'Received from an anonymous sender' : m.kind === 'reply' ? 'Received as an anonymous reply' : 'Received';
  }
}

export function kindText(m: NymMessage): string {
  if (m.kind === 'anonymous') return m.direction === 'out' ? `anonymous, ${m.replySurbs ?? 0} reply SURBs` : 'anonymous';
  if (m.kind === 'reply') return 'reply by sender tag';
  return 'plain';
}

export const CLIENT_STATE_TEXT: Record<NymStatus['clientState'], string> = {
  stopped: 'Not running',
  starting: 'Starting and connecting to its gateway…',
  connected: 'Connected to the mixnet',
  reconnecting: 'Reconnecting…',
  'gateway-lost': 'Lost its gateway — restarting',
  failed: 'Failed',
};

export function trafficLines(t: NymTraffic): string[] {
  const src = t.source === 'lab' ? 'lab mixnet settings' : t.source === 'config' ? "your client's config.toml" : "nym-client's defaults";
  return [
    `Sending stream: a packet about every ${t.messageSendingAverageDelayMs} ms (${t.sendingPacketsPerSecond}/s), real or cover, so an observer cannot tell when you write.`,
    t.coverTrafficEnabled
      ? `Loop cover traffic: about every ${t.loopCoverAverageDelayMs} ms (${t.coverPacketsPerSecond}/s).`
      : 'Loop cover traffic is OFF: observers can see when you send.',
    `Mixing delay: about ${t.averagePacketDelayMs} ms per mix node, three mix layers.`,
    `From ${src}.`,
  ];
}

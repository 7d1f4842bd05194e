// The words the Messages page uses for message states and mixnet settings, in one place; the
// texts themselves live under messages.* in renderer/i18n/locales.
import type { TFunction } from 'i18next';
import type { NymMessage, NymStatus, NymTraffic } from '../../../shared/domain/nym';

export function messageStateText(m: NymMessage, t: TFunction): string {
  switch (m.state) {
    case 'queued':
      return m.queueLength ? t('messages.msgState.queuedLeft', { count: m.queueLength }) : t('messages.msgState.queued');
    case 'sent':
      return t('messages.msgState.sent');
    case 'dropped':
      return t('messages.msgState.dropped', { reason: m.error ?? t('messages.msgState.droppedDefault') });
    case 'failed':
      return t('messages.msgState.failed', { reason: m.error ?? t('messages.msgState.failedDefault') });
    case 'received':
      return m.kind === 'anonymous'
        ? t('messages.msgState.receivedAnonymous')
        : m.kind === 'reply'
          ? t('messages.msgState.receivedReply')
          : t('messages.msgState.received');
  }
}

export function kindText(m: NymMessage, t: TFunction): string {
  if (m.kind === 'anonymous') return m.direction === 'out' ? t('messages.kind.anonymousOut', { surbs: m.replySurbs ?? 0 }) : t('messages.kind.anonymous');
  if (m.kind === 'reply') return t('messages.kind.reply');
  return t('messages.kind.plain');
}

export function clientStateText(state: NymStatus['clientState'], t: TFunction): string {
  return t(`messages.client.${state}`);
}

export function trafficLines(tr: NymTraffic, t: TFunction): string[] {
  const source = t(`messages.traffic.source.${tr.source}`);
  return [
    t('messages.traffic.sending', { ms: tr.messageSendingAverageDelayMs, rate: tr.sendingPacketsPerSecond }),
    tr.coverTrafficEnabled ? t('messages.traffic.loop', { ms: tr.loopCoverAverageDelayMs, rate: tr.coverPacketsPerSecond }) : t('messages.traffic.loopOff'),
    t('messages.traffic.mixing', { ms: tr.averagePacketDelayMs }),
    t('messages.traffic.from', { source }),
  ];
}

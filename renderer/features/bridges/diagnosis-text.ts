// A diagnosis title in the reader's language: the cause worded by the locale, with the specifics
// main measured (bridge address, clock offset, seconds stalled) from d.params.
import type { TFunction } from 'i18next';
import type { Diagnosis } from '../../../shared/domain/bridges';

/** The cause's title in the reader's language, with the specifics main measured. */
export function localTitle(d: Diagnosis, t: TFunction, language: string): string {
  const num = (n: number) => new Intl.NumberFormat(language).format(n);
  const key = `bridges.cause.${d.cause}`;
  const { bridge, clockSkewS, stalledS } = d.params;
  if (bridge !== null && (d.cause === 'bridge-port-closed' || d.cause === 'bridge-timeout' || d.cause === 'bridge-handshake-failed')) {
    return t(`${key}.titleAt`, { bridge });
  }
  if (clockSkewS !== null && d.cause === 'clock-skew') {
    const abs = Math.abs(clockSkewS);
    const hours = Math.floor(abs / 3600);
    const [unit, n] = hours >= 48 ? (['days', Math.round(hours / 24)] as const) : hours > 0 ? (['hours', hours] as const) : (['minutes', Math.round(abs / 60)] as const);
    const amount = t(`bridges.skew.${unit}`, { count: n, n: num(n) });
    return t(`${key}.titleBy`, { amount, direction: t(clockSkewS < 0 ? 'bridges.skew.behind' : 'bridges.skew.ahead') });
  }
  if (stalledS !== null && d.cause === 'stalled') return t(`${key}.titleFor`, { seconds: num(stalledS) });
  return t(`${key}.title`);
}

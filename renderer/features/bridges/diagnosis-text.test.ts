// A diagnosis read in Persian keeps its specifics: the bridge address, the clock offset and the
// seconds stalled come from d.params and are worded by the locale, not left in main's English.
import { afterAll, describe, expect, it } from 'vitest';
import i18n from '../../i18n';
import type { Diagnosis } from '../../../shared/domain/bridges';
import { localTitle } from './diagnosis-text';

const base: Diagnosis = {
  cause: 'none',
  title: 'English from main',
  nextStep: 'n',
  evidence: [],
  params: { bridge: null, clockSkewS: null, stalledS: null },
  stalled: true,
  progress: 5,
  tag: 'conn',
  suggestBridge: true,
  at: 1,
};

afterAll(async () => {
  await i18n.changeLanguage('en');
});

describe('localTitle', () => {
  it('words each cause with its specifics in Persian', async () => {
    await i18n.changeLanguage('fa');
    const t = i18n.t.bind(i18n);
    const port = localTitle({ ...base, cause: 'bridge-port-closed', params: { ...base.params, bridge: '127.0.0.1:9' } }, t, 'fa');
    expect(port).toContain('127.0.0.1:9');
    expect(port).toContain('درگاه پل بسته است');
    const skew = localTitle({ ...base, cause: 'clock-skew', params: { ...base.params, clockSkewS: -2 * 3600 } }, t, 'fa');
    expect(skew).toBe('ساعت رایانهٔ شما ۲ ساعت عقب است.');
    expect(localTitle({ ...base, cause: 'clock-skew', params: { ...base.params, clockSkewS: 3 * 86400 } }, t, 'fa')).toBe('ساعت رایانهٔ شما ۳ روز جلو است.');
    expect(localTitle({ ...base, cause: 'stalled', params: { ...base.params, stalledS: 45 } }, t, 'fa')).toBe('تور ۴۵ ثانیه است که پیشرفتی نکرده است.');
    // Without specifics: the plain cause text.
    expect(localTitle({ ...base, cause: 'bridge-timeout' }, t, 'fa')).toBe(i18n.t('bridges.cause.bridge-timeout.title'));
  });

  it('uses English plurals where the locale has them', async () => {
    await i18n.changeLanguage('en');
    const t = i18n.t.bind(i18n);
    expect(localTitle({ ...base, cause: 'clock-skew', params: { ...base.params, clockSkewS: 60 } }, t, 'en')).toBe("Your computer's clock is 1 minute ahead.");
    expect(localTitle({ ...base, cause: 'clock-skew', params: { ...base.params, clockSkewS: -7200 } }, t, 'en')).toBe("Your computer's clock is 2 hours behind.");
  });
});

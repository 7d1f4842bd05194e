// Both locales carry exactly the same keys, with no empty strings; every IPC error code, and every
// state the Messages and Onion sections look up by value, has a translated message.
import { describe, expect, it } from 'vitest';
import en from './locales/en.json';
import fa from './locales/fa.json';
import { ERROR_CODES } from '../../shared/errors';
import { DiagnosisCauseSchema } from '../../shared/domain/bridges';
import { GUIDANCE_ACTIONS, NEEDS, ADVERSARIES } from '../../shared/domain/guidance';
import { NymClientStateSchema, TrafficSchema } from '../../shared/domain/nym';
import { DropAcceptSchema, DropStateSchema, DropUploadSchema } from '../../shared/domain/drop';

function keys(obj: unknown, prefix = ''): string[] {
  if (obj === null || typeof obj !== 'object') return [prefix];
  return Object.entries(obj as Record<string, unknown>).flatMap(([k, v]) => keys(v, prefix ? `${prefix}.${k}` : k));
}

function get(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

describe('locales', () => {
  it('have the same keys in English and Persian', () => {
    expect(keys(fa).sort()).toEqual(keys(en).sort());
  });

  it('have no empty strings', () => {
    for (const loc of [en, fa]) for (const k of keys(loc)) expect(String(get(loc, k)).trim(), k).not.toBe('');
  });

  it('translate every error code, need, adversary and guidance action', () => {
    for (const loc of [en, fa]) {
      for (const code of ERROR_CODES) expect(get(loc, `errors.${code}`), code).toBeTruthy();
      for (const n of NEEDS) expect(get(loc, `guidance.need.${n}`)).toBeTruthy();
      for (const a of ADVERSARIES) expect(get(loc, `guidance.adversary.${a}`)).toBeTruthy();
      // Action keys contain a dot, so look them up by hand.
      const actions = get(loc, 'guidance.action') as Record<string, string>;
      for (const a of GUIDANCE_ACTIONS) expect(actions[a], a).toBeTruthy();
    }
  });

  it('translate every state the Messages and Onion sections look up by value', () => {
    const lookups = [
      ...NymClientStateSchema.options.map((v) => `messages.client.${v}`),
      ...TrafficSchema.shape.source.options.map((v) => `messages.traffic.source.${v}`),
      ...DropStateSchema.options.map((v) => `drops.state.${v}`),
      ...DropUploadSchema.shape.state.options.map((v) => `drops.upload.${v}`),
      ...DropAcceptSchema.options.flatMap((v) => [`drops.card.accept.${v}`, `drops.form.acceptOption.${v}`]),
    ];
    for (const loc of [en, fa]) for (const k of lookups) expect(get(loc, k), k).toBeTruthy();
  });

  it('translate every bootstrap diagnosis cause (title and next step)', () => {
    for (const loc of [en, fa]) {
      for (const cause of DiagnosisCauseSchema.options) {
        expect(get(loc, `bridges.cause.${cause}.title`), cause).toBeTruthy();
        expect(get(loc, `bridges.cause.${cause}.next`), cause).toBeTruthy();
      }
    }
  });

  it('uses Persian script in the Persian locale', () => {
    const sample = keys(fa).filter((k) => !k.startsWith('nav.i2p')).map((k) => String(get(fa, k)));
    const persian = sample.filter((s) => /[\u0600-\u06FF]/.test(s));
    expect(persian.length / sample.length).toBeGreaterThan(0.9);
  });
});

// ErrorNote words a failure from its stable code in the user's language, with SAM's RESULT as a
// second sentence; main's English message and the raw details appear only inside <details>.
// Rendered to static markup in node (no DOM needed).
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterAll, describe, expect, it } from 'vitest';
import en from '../i18n/locales/en.json';
import fa from '../i18n/locales/fa.json';
import i18n from '../i18n';
import { ERROR_CODES } from '../../shared/errors';
import { IpcError } from '../../shared/ipc/result';
import { ErrorNote, toErrorData } from './ErrorNote';

// The SamResultCode union (electron/services/i2p/sam/errors.ts) plus the service's UNSUPPORTED.
const SAM_RESULTS = ['CANT_REACH_PEER', 'DUPLICATED_ID', 'DUPLICATED_DEST', 'I2P_ERROR', 'INVALID_ID', 'INVALID_KEY', 'KEY_NOT_FOUND', 'PEER_NOT_FOUND', 'TIMEOUT', 'NOVERSION', 'ALREADY_ACCEPTING', 'UNSUPPORTED'] as const;

const samError = new IpcError({
  code: 'SAM_FAILED',
  message: 'the destination cannot be reached (no LeaseSet found) (LeaseSet not found)',
  details: { result: 'CANT_REACH_PEER', samMessage: 'LeaseSet not found' },
});

/** The markup with every <details> block removed: what the user reads without opening it. */
function visible(html: string): string {
  return html.replace(/<details>[\s\S]*?<\/details>/g, '');
}

afterAll(async () => {
  await i18n.changeLanguage('en');
});

describe('ErrorNote', () => {
  it('has a text for every error code and SAM result in both locales, the Persian one translated', () => {
    for (const code of ERROR_CODES) {
      expect(en.errors[code], code).toBeTruthy();
      expect(fa.errors[code], code).toBeTruthy();
      expect(fa.errors[code], code).not.toBe(en.errors[code]);
    }
    for (const r of SAM_RESULTS) {
      expect((en.errors.samResult as Record<string, string>)[r], r).toBeTruthy();
      expect((fa.errors.samResult as Record<string, string>)[r], r).toMatch(/[\u0600-\u06FF]/);
    }
  });

  it('shows Persian text by code and keeps the English message inside the disclosure', async () => {
    await i18n.changeLanguage('fa');
    const html = renderToStaticMarkup(createElement(ErrorNote, { error: samError }));
    expect(visible(html)).toContain(fa.errors.SAM_FAILED);
    expect(visible(html)).toContain(fa.errors.samResult.CANT_REACH_PEER);
    expect(visible(html)).toContain('(SAM_FAILED)');
    expect(visible(html)).not.toContain('LeaseSet not found');
    expect(html).toMatch(/<details><summary>جزئیات<\/summary>[\s\S]*LeaseSet not found[\s\S]*CANT_REACH_PEER[\s\S]*<\/details>/);
  });

  it('reads {code, message, details} objects from status DTOs the same way', async () => {
    await i18n.changeLanguage('en');
    const html = renderToStaticMarkup(createElement(ErrorNote, { error: { code: 'PROCESS_EXITED', message: 'tor exited with code 1', details: { exitCode: 1 } }, title: 'Last error:' }));
    expect(visible(html)).toContain(`Last error: ${en.errors.PROCESS_EXITED}`);
    expect(visible(html)).not.toContain('tor exited');
    expect(html).toContain('tor exited with code 1');
  });

  it('falls back to INTERNAL for anything that is not an IPC error', () => {
    expect(toErrorData(new Error('boom'))).toEqual({ code: 'INTERNAL', message: 'boom' });
    expect(toErrorData({ code: 'NOPE', message: 'x' })).toEqual({ code: 'INTERNAL', message: '' });
  });
});

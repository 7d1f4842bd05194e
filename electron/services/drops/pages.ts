// The HTML a source sees: a plain form that works with JavaScript off (Tor Browser "Safest"), no
// external resources, one inline stylesheet allowed by its hash, and the security headers every
// response carries. Pure: strings in, strings out.
import { createHash } from 'node:crypto';

export type DropAccept = 'files' | 'text' | 'both';

export interface DropPageInfo {
  title: string;
  note: string;
  accept: DropAccept;
  maxFileBytes: number;
  maxUploadBytes: number;
  maxMessageBytes: number;
}

const STYLE = `
:root{color-scheme:light dark;font-family:system-ui,sans-serif;line-height:1.5}
body{max-width:42rem;margin:2rem auto;padding:0 1rem}
h1{font-size:1.5rem}
.note{white-space:pre-wrap;border-inline-start:4px solid #888;padding-inline-start:.75rem}
label{display:block;font-weight:600;margin-block:1rem .25rem}
textarea{width:100%;min-height:10rem;box-sizing:border-box;font:inherit}
button{margin-block-start:1rem;font:inherit;padding:.5rem 1.25rem}
.hint{font-size:.9rem;opacity:.8}
.error{border:2px solid #c00;padding:.5rem .75rem}
.ok{border:2px solid #080;padding:.5rem .75rem}
`.trim();

const STYLE_HASH = createHash('sha256').update(STYLE, 'utf8').digest('base64');

/** Only the one stylesheet; forms post back to this origin; nothing may frame or script the page. */
export const CSP = [`default-src 'none'`, `style-src 'sha256-${STYLE_HASH}'`, `form-action 'self'`, `frame-ancestors 'none'`, `base-uri 'none'`].join('; ');

/**
 * The upload form alone may load the same-origin /upload.js (resumable uploads) and talk back to
 * this origin; with JavaScript off it is the same plain form.
 */
export const FORM_CSP = [`default-src 'none'`, `style-src 'sha256-${STYLE_HASH}'`, `script-src 'self'`, `connect-src 'self'`, `form-action 'self'`, `frame-ancestors 'none'`, `base-uri 'none'`].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': CSP,
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Cache-Control': 'no-store',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Permissions-Policy': 'camera=(), microphone=(), geolocation=(), interest-cohort=()',
};

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);
}

export function formatBytes(n: number): string {
  if (n >= 1024 ** 3) return `${(n / 1024 ** 3).toFixed(n % 1024 ** 3 === 0 ? 0 : 1)} GB`;
  if (n >= 1024 ** 2) return `${(n / 1024 ** 2).toFixed(n % 1024 ** 2 === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${n} bytes`;
}

function layout(title: string, body: string, script = ''): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="referrer" content="no-referrer"><title>${escapeHtml(title)}</title><style>${STYLE}</style>${script}</head>
<body><main>${body}</main></body></html>
`;
}

export function formPage(info: DropPageInfo): string {
  const files = info.accept !== 'text';
  const text = info.accept !== 'files';
  const parts: string[] = [`<h1>${escapeHtml(info.title)}</h1>`];
  if (info.note.trim()) parts.push(`<p class="note">${escapeHtml(info.note)}</p>`);
  parts.push(`<form method="post" action="/upload" enctype="multipart/form-data">`);
  if (files) {
    parts.push(
      `<label for="file">Files</label><input id="file" type="file" name="file" multiple>`,
      `<p class="hint">Up to ${formatBytes(info.maxFileBytes)} per file, ${formatBytes(info.maxUploadBytes)} in total.</p>`,
    );
  }
  if (text) {
    parts.push(
      `<label for="message">Message</label><textarea id="message" name="message" maxlength="${info.maxMessageBytes}"></textarea>`,
      `<p class="hint">Up to ${formatBytes(info.maxMessageBytes)} of text.</p>`,
    );
  }
  parts.push(`<button type="submit">Send</button></form>`);
  parts.push(`<p class="hint">Large uploads take a while over Tor. Keep this tab open until you see a confirmation.</p>`);
  // Only where files can be sent: the script adds resumable chunked uploads when JavaScript runs.
  return layout(info.title, parts.join('\n'), files ? `<script src="/upload.js" defer></script>` : '');
}

export function receivedPage(info: DropPageInfo, files: number, messages: number): string {
  const what = [files ? `${files} file${files === 1 ? '' : 's'}` : '', messages ? `${messages} message${messages === 1 ? '' : 's'}` : ''].filter(Boolean).join(' and ');
  return layout(
    info.title,
    `<h1>${escapeHtml(info.title)}</h1><p class="ok" role="status">Received: ${escapeHtml(what)}. Thank you.</p><p><a href="/">Send more</a></p>`,
  );
}

export function errorPage(info: DropPageInfo | null, message: string): string {
  const title = info?.title ?? 'Upload';
  return layout(
    title,
    `<h1>${escapeHtml(title)}</h1><p class="error" role="alert">${escapeHtml(message)}</p><p><a href="/">Back to the form</a></p>`,
  );
}

// Single-pass tokenizer for reply and event text: positional words, KEY=VALUE, KEY="quoted".
// Pure string work with no regexes on the hot path; it knows nothing about which keys an
// event has (that is events.ts and replies/*), and it never builds wire text.
import { TorProtocolError } from './errors';

export interface ArgToken {
  // null for a positional word; the keyword otherwise (control-spec §4.1: KEYWORD ["=" value]).
  key: string | null;
  value: string;
  quoted: boolean;
}

export interface SplitArgs {
  // Words before the first KEY=VALUE. Tor puts positional arguments first (§4.1); a bare word
  // after a keyword argument is an extension we must tolerate, so it is dropped, not shifted in.
  positional: string[];
  keywords: Record<string, string>;
}

const SPACE = 0x20;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const EQUALS = 0x3d;

// KEYWORD = 1*(ALNUM / "_") (control-spec §4.1.10 StatusKeyword; event keywords are the same set).
function isKeyChar(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a) || (c >= 0x30 && c <= 0x39) || c === 0x5f
  );
}

export function tokenize(text: string, start = 0): ArgToken[] {
  const tokens: ArgToken[] = [];
  const n = text.length;
  let i = start;
  while (i < n) {
    while (i < n && text.charCodeAt(i) === SPACE) i++;
    if (i >= n) break;
    let key: string | null = null;
    const keyEnd = keywordEnd(text, i);
    if (keyEnd !== -1) {
      key = text.slice(i, keyEnd);
      i = keyEnd + 1;
    }
    const end = valueEnd(text, i);
    const quoted = i < n && text.charCodeAt(i) === QUOTE;
    tokens.push({ key, value: quoted ? decodeQuoted(text, i + 1, end - 1) : text.slice(i, end), quoted });
    i = end;
  }
  return tokens;
}

// The hot path for events: same grammar as tokenize, without a token object per word.
export function splitArgs(text: string, start = 0): SplitArgs {
  const positional: string[] = [];
  // A plain object keeps V8's fast properties; "__proto__" is the one key that would not be stored
  // as data, so it is skipped (no tor keyword is spelled that way).
  const keywords: Record<string, string> = {};
  let sawKeyword = false;
  const n = text.length;
  let i = start;
  while (i < n) {
    while (i < n && text.charCodeAt(i) === SPACE) i++;
    if (i >= n) break;
    const keyEnd = keywordEnd(text, i);
    if (keyEnd !== -1) {
      const key = text.slice(i, keyEnd);
      i = keyEnd + 1;
      const end = valueEnd(text, i);
      const value = i < n && text.charCodeAt(i) === QUOTE ? decodeQuoted(text, i + 1, end - 1) : text.slice(i, end);
      if (key !== '__proto__') keywords[key] = value;
      sawKeyword = true;
      i = end;
    } else {
      const end = valueEnd(text, i);
      if (!sawKeyword) {
        positional.push(text.charCodeAt(i) === QUOTE ? decodeQuoted(text, i + 1, end - 1) : text.slice(i, end));
      }
      i = end;
    }
  }
  return { positional, keywords };
}

// Index of the "=" ending a KEYWORD that starts at i, or -1 when the word is not KEY=….
function keywordEnd(text: string, i: number): number {
  const n = text.length;
  let j = i;
  while (j < n && isKeyChar(text.charCodeAt(j))) j++;
  return j > i && j < n && text.charCodeAt(j) === EQUALS ? j : -1;
}

// End (exclusive) of the value starting at i: past the closing quote for a quoted string,
// else the next space.
function valueEnd(text: string, i: number): number {
  const n = text.length;
  if (i < n && text.charCodeAt(i) === QUOTE) {
    const close = findClosingQuote(text, i);
    // A quoted value runs to its closing quote; anything glued to it is malformed.
    if (close + 1 < n && text.charCodeAt(close + 1) !== SPACE) {
      throw new TorProtocolError(`unexpected text after quoted string at offset ${close + 1}: ${text.slice(0, 80)}`);
    }
    return close + 1;
  }
  const k = text.indexOf(' ', i);
  return k === -1 ? n : k;
}

// `open` indexes the opening quote; returns the index of the closing one.
export function findClosingQuote(text: string, open: number): number {
  const n = text.length;
  for (let i = open + 1; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) return i;
    if (c === BACKSLASH) i++;
  }
  throw new TorProtocolError(`unterminated quoted string: ${text.slice(open, open + 80)}`);
}

// Decodes the inside of a quoted string tor generated. Tor emits CStrings here (control-spec
// §2.1.1, ticket #14555): \n \t \r and octal \0..\377 are C escapes, any other backslashed
// character stands for itself. Octal escapes are bytes, so a run of them is decoded as UTF-8.
export function decodeQuoted(text: string, from: number, to: number): string {
  const firstEscape = text.indexOf('\\', from);
  if (firstEscape === -1 || firstEscape >= to) return text.slice(from, to);
  let out = text.slice(from, firstEscape);
  let run: number[] = [];
  const flush = (): void => {
    if (run.length > 0) {
      out += Buffer.from(run).toString('utf8');
      run = [];
    }
  };
  let i = firstEscape;
  while (i < to) {
    const c = text.charCodeAt(i);
    if (c !== BACKSLASH) {
      flush();
      let k = text.indexOf('\\', i);
      if (k === -1 || k > to) k = to;
      out += text.slice(i, k);
      i = k;
      continue;
    }
    const e = text.charCodeAt(i + 1);
    if (i + 1 >= to) throw new TorProtocolError('quoted string ends with a lone backslash');
    if (e >= 0x30 && e <= 0x37) {
      let value = 0;
      let k = i + 1;
      while (k < to && k < i + 4 && text.charCodeAt(k) >= 0x30 && text.charCodeAt(k) <= 0x37) {
        value = value * 8 + (text.charCodeAt(k) - 0x30);
        k++;
      }
      run.push(value & 0xff);
      i = k;
      continue;
    }
    flush();
    if (e === 0x6e) out += '\n';
    else if (e === 0x74) out += '\t';
    else if (e === 0x72) out += '\r';
    else out += text[i + 1];
    i += 2;
  }
  flush();
  return out;
}

// A whole token that may or may not be quoted (GETCONF values, §3.3: "raw value or a quoted string").
export function unquoteIfQuoted(value: string): string {
  if (value.length >= 2 && value.charCodeAt(0) === QUOTE) {
    const end = findClosingQuote(value, 0);
    if (end !== value.length - 1) {
      throw new TorProtocolError(`unexpected text after quoted string: ${value.slice(0, 80)}`);
    }
    return decodeQuoted(value, 1, end);
  }
  return value;
}

// "key=value" split at the first "=" (GETINFO / GETCONF / ADD_ONION reply lines). The key part
// of such lines is not a KEYWORD token (GETINFO keys hold "/", "-", "$"), so no charset check.
export function splitKeyValue(text: string): { key: string; value: string | null } {
  const eq = text.indexOf('=');
  if (eq === -1) return { key: text, value: null };
  return { key: text.slice(0, eq), value: text.slice(eq + 1) };
}

export function splitList(value: string | undefined, separator = ','): string[] {
  if (value === undefined || value === '') return [];
  return value.split(separator);
}

// SAM line grammar: `WORD WORD KEY=VALUE …` to and from text, with SAM 3.2 quoting.
// Pure string work; it must not know what any command or reply means (replies.ts does).
// Encoding refuses CR/LF/NUL anywhere so a caller-supplied value can never start a new command.

import { SamInvalidArgument, SamProtocolError } from './errors';

/** One space-separated token, unquoted, with where its first *unquoted* '=' was. */
export interface RawToken {
  readonly text: string;
  /** Index in `text` of the first '=' that was outside quotes, or -1. */
  readonly eq: number;
}

/** A parsed line: its positional words, then its options in wire order. */
export interface SamLine {
  readonly words: readonly string[];
  readonly options: ReadonlyMap<string, string>;
}

/**
 * Split a line into tokens. Separators are runs of spaces or tabs outside quotes
 * (SAMv3 "Encoding and Escaping": one space before 3.2, several allowed since).
 * Inside `"..."`, `\"` is a quote and `\\` a backslash (SAM 3.2); any other backslash is kept
 * as is. Quotes may open anywhere in a token (`MESSAGE="LeaseSet not found"`).
 */
export function tokenize(line: string): RawToken[] {
  const tokens: RawToken[] = [];
  let text = '';
  let eq = -1;
  let inToken = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i] as string;
    if (quoted) {
      if (ch === '\\' && (line[i + 1] === '"' || line[i + 1] === '\\')) {
        text += line[i + 1];
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        text += ch;
      }
      continue;
    }
    if (ch === ' ' || ch === '\t') {
      if (inToken) tokens.push({ text, eq });
      text = '';
      eq = -1;
      inToken = false;
      continue;
    }
    inToken = true;
    if (ch === '"') {
      quoted = true;
    } else {
      if (ch === '=' && eq === -1) eq = text.length;
      text += ch;
    }
  }
  if (quoted) throw new SamProtocolError('unterminated quote in SAM line', line);
  if (inToken) tokens.push({ text, eq });
  return tokens;
}

/**
 * Parse a line into `leadingWords` positional words and KEY=VALUE options.
 * The first `leadingWords` tokens are words even if they contain '=': a base64 destination ends
 * in `=` padding, so the peer line after STREAM ACCEPT is parsed with leadingWords = 1.
 * Options split on the first unquoted '=' only (padded base64 values keep their `==`).
 * A bare option word is KEY with an empty value (SAM 3.2 "Empty values"). A repeated key is
 * a protocol error: no bridge sends one, and silently picking one would hide a forged field.
 */
export function parseLine(line: string, leadingWords = 2): SamLine {
  const tokens = tokenize(line);
  const words: string[] = [];
  const options = new Map<string, string>();
  tokens.forEach((token, index) => {
    if (index < leadingWords) {
      words.push(token.text);
      return;
    }
    const key = token.eq === -1 ? token.text : token.text.slice(0, token.eq);
    const value = token.eq === -1 ? '' : token.text.slice(token.eq + 1);
    if (key.length === 0) throw new SamProtocolError('empty key in SAM line', line);
    if (options.has(key)) throw new SamProtocolError(`duplicate key ${key} in SAM line`, line);
    options.set(key, value);
  });
  return { words, options };
}

export type OptionValue = string | number | boolean;
export type OptionInput = Iterable<readonly [string, OptionValue | undefined]> | Readonly<Record<string, OptionValue | undefined>>;

/**
 * 'never': refuse values that would need quotes. i2pd (2.45 up to master, SAM.cpp ExtractParams)
 * splits on spaces and never unquotes, so a quoted value would arrive with its quotes.
 * 'when-needed': quote values holding whitespace, '"' or '\' (SAM 3.2+ bridges that unquote).
 */
export type QuotingMode = 'never' | 'when-needed';

const KEY = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
const FORBIDDEN = /[\r\n\0]/;
const NEEDS_QUOTES = /[\s"\\]/;

export function quoteValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}

function checkWord(word: string): string {
  if (word.length === 0 || FORBIDDEN.test(word) || NEEDS_QUOTES.test(word)) {
    throw new SamInvalidArgument('word', `${JSON.stringify(word)} is not a single SAM word`);
  }
  return word;
}

function encodeValue(key: string, value: OptionValue, quoting: QuotingMode): string {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    throw new SamInvalidArgument(key, 'number must be finite');
  }
  const text = String(value);
  if (FORBIDDEN.test(text)) throw new SamInvalidArgument(key, 'value must not contain CR, LF or NUL');
  if (!NEEDS_QUOTES.test(text)) return text;
  if (quoting === 'never') {
    throw new SamInvalidArgument(key, 'value holds whitespace, a quote or a backslash, which this bridge cannot parse');
  }
  return quoteValue(text);
}

function entries(options: OptionInput): Iterable<readonly [string, OptionValue | undefined]> {
  return Symbol.iterator in options ? options : Object.entries(options);
}

/**
 * Encode `words` then `KEY=VALUE` options into one line without its '\n'. Undefined option
 * values are skipped. Throws SamInvalidArgument on anything that could break the framing.
 */
export function encodeLine(words: readonly string[], options: OptionInput = [], quoting: QuotingMode = 'never'): string {
  const parts = words.map(checkWord);
  const seen = new Set<string>();
  for (const [key, value] of entries(options)) {
    if (value === undefined) continue;
    if (!KEY.test(key)) throw new SamInvalidArgument('key', `${JSON.stringify(key)} is not a valid SAM option key`);
    if (seen.has(key)) throw new SamInvalidArgument(key, 'option given twice');
    seen.add(key);
    parts.push(`${key}=${encodeValue(key, value, quoting)}`);
  }
  if (parts.length === 0) throw new SamInvalidArgument('line', 'empty SAM line');
  return parts.join(' ');
}

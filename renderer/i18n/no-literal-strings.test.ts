// Every word a user reads goes through i18next: this parses each renderer/**/*.tsx with the
// TypeScript compiler and fails, with file:line, on JSX text, a string rendered as a JSX child or
// given to aria-label/placeholder/title/alt/label, that contains a letter and is not allow-listed.
// @vitest-environment node
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// Read through Vite rather than node:fs: the renderer project has no Node types and lint keeps
// node:* out of renderer/. Keys look like '../features/tor/TorPage.tsx'.
const SOURCES = import.meta.glob<string>(['../**/*.tsx'], { query: '?raw', import: 'default', eager: true });

const LABEL_ATTRIBUTES = new Set(['aria-label', 'placeholder', 'title', 'alt', 'label']);
const LETTER = /\p{L}/u;

// Texts that are the same in every language (matched against the trimmed text). Keep this
// short; each entry says why.
const ALLOWED_TEXTS = new Set<string>([
  'Underpass', // the product's name
  'English', // the language picker names each language in its own words,
  'فارسی (Persian)', // so a reader of either can find theirs
  'tor', // executable names (Settings → daemon programs): what is on disk,
  'i2pd', // not words to translate
  'nym-client',
  'GENERAL', // tor's own circuit-purpose keyword, shown raw like the circuit status
  'age1…', // the shape of an age public key (a format, the same in every language)
]);

// TODO(#9): files of a section not yet through i18next (renderer/features/x/Y.tsx). Empty now:
// every section is converted. The test fails if a listed file has nothing left to exempt.
const TEMPORARY_EXEMPT_FILES = new Set<string>([]);

interface Finding {
  file: string;
  line: number;
  text: string;
}

function allowed(text: string): boolean {
  const trimmed = text.trim();
  return !LETTER.test(trimmed) || ALLOWED_TEXTS.has(trimmed);
}

// The string pieces an expression can render as its value: literals, template text, both arms of
// a conditional, the fallback of || / ?? and the value of &&, and + concatenation. Conditions,
// comparisons and call arguments (such as t('key')) are not rendered, so they are not visited.
function renderedStrings(e: ts.Expression): ts.Node[] {
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return [e];
  if (ts.isTemplateExpression(e)) return [e.head, ...e.templateSpans.map((s) => s.literal)];
  if (ts.isParenthesizedExpression(e) || ts.isAsExpression(e) || ts.isSatisfiesExpression(e)) return renderedStrings(e.expression);
  if (ts.isConditionalExpression(e)) return [...renderedStrings(e.whenTrue), ...renderedStrings(e.whenFalse)];
  if (ts.isBinaryExpression(e)) {
    const op = e.operatorToken.kind;
    if (op === ts.SyntaxKind.PlusToken) return [...renderedStrings(e.left), ...renderedStrings(e.right)];
    if (op === ts.SyntaxKind.BarBarToken || op === ts.SyntaxKind.QuestionQuestionToken) return [...renderedStrings(e.left), ...renderedStrings(e.right)];
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return renderedStrings(e.right);
  }
  return [];
}

function textOf(n: ts.Node, sf: ts.SourceFile): string {
  if (ts.isStringLiteral(n) || ts.isNoSubstitutionTemplateLiteral(n) || ts.isTemplateLiteralToken(n)) return n.text;
  return n.getText(sf);
}

function findLiterals(file: string, source: string): Finding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TSX);
  const found: Finding[] = [];
  const report = (n: ts.Node, text: string) => {
    if (allowed(text)) return;
    const line = sf.getLineAndCharacterOfPosition(n.getStart(sf)).line + 1;
    found.push({ file, line, text: text.trim().replace(/\s+/g, ' ') });
  };
  const visit = (n: ts.Node) => {
    if (ts.isJsxText(n)) report(n, n.text);
    // {'text'} or {cond ? 'a' : 'b'} as a child renders just like JSX text.
    if (ts.isJsxExpression(n) && n.expression && (ts.isJsxElement(n.parent) || ts.isJsxFragment(n.parent))) {
      for (const s of renderedStrings(n.expression)) report(s, textOf(s, sf));
    }
    if (ts.isJsxAttribute(n) && LABEL_ATTRIBUTES.has(n.name.getText(sf)) && n.initializer) {
      const init = n.initializer;
      if (ts.isStringLiteral(init)) report(init, init.text);
      else if (ts.isJsxExpression(init) && init.expression) for (const s of renderedStrings(init.expression)) report(s, textOf(s, sf));
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

const files = Object.keys(SOURCES)
  .map((k) => ({ file: `renderer/${k.replace(/^\.\.\//, '')}`, source: SOURCES[k] as string }))
  .sort((a, b) => a.file.localeCompare(b.file));

describe('no literal user-visible strings in renderer/**/*.tsx', () => {
  it('reads the renderer sources', () => {
    // Guards against a glob that silently matches nothing.
    expect(files.map((f) => f.file)).toEqual(expect.arrayContaining(['renderer/app/App.tsx', 'renderer/features/messages/Compose.tsx']));
  });

  it('finds none outside the allow-list', () => {
    const findings = files.filter((f) => !TEMPORARY_EXEMPT_FILES.has(f.file)).flatMap((f) => findLiterals(f.file, f.source));
    expect(findings.map((f) => `${f.file}:${f.line}: ${JSON.stringify(f.text)}`)).toEqual([]);
  });

  it('keeps the temporary exemptions current', () => {
    for (const file of TEMPORARY_EXEMPT_FILES) {
      const f = files.find((x) => x.file === file);
      expect(f, `${file} is exempt but does not exist`).toBeDefined();
      expect(findLiterals(file, f?.source ?? '').length, `${file} has no literal strings left: remove it from TEMPORARY_EXEMPT_FILES`).toBeGreaterThan(0);
    }
  });

  it('catches what it should and lets through what it should', () => {
    const src = [
      'const a = <p>Hello</p>;',
      'const b = <img alt="Picture" />;',
      "const c = <p>{ok ? 'Yes' : label}</p>;",
      "const d = <input placeholder={`Name of ${x}`} />;",
      "const e = <p>{t('some.key')} {n} · {x === 'out' ? y : z}</p>;",
      'const f = <p title={`${a}`}>Underpass {n} · 42% — {b}</p>;',
      "const g = <Qr label={x ? t('a') : 'Fallback'} testId=\"qr-code\" className=\"code\" />;",
      'const h = <p>متن</p>;',
    ].join('\n');
    expect(findLiterals('x.tsx', src).map((f) => `${f.line}:${f.text}`)).toEqual(['1:Hello', '2:Picture', '3:Yes', '4:Name of', '7:Fallback', '8:متن']);
  });
});

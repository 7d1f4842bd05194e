// The file-name sanitiser against hostile names a source (or a broken browser) can send.
import { describe, expect, it } from 'vitest';
import { MAX_NAME_BYTES, NameAllocator, sanitizeFileName } from './sanitize';

const bytes = (s: string) => Buffer.byteLength(s, 'utf8');

describe('sanitizeFileName', () => {
  it('keeps ordinary names as they are', () => {
    expect(sanitizeFileName('report.pdf')).toBe('report.pdf');
    expect(sanitizeFileName('Lettre à la rédaction.odt')).toBe('Lettre à la rédaction.odt');
    expect(sanitizeFileName('گزارش.txt')).toBe('گزارش.txt');
  });

  it('keeps only the basename of relative, absolute and Windows paths', () => {
    expect(sanitizeFileName('../../etc/passwd')).toBe('passwd');
    expect(sanitizeFileName('/etc/shadow')).toBe('shadow');
    expect(sanitizeFileName('C:\\Users\\me\\secret.docx')).toBe('secret.docx');
    expect(sanitizeFileName('..\\..\\boot.ini')).toBe('boot.ini');
    expect(sanitizeFileName('..')).toBe('file');
    expect(sanitizeFileName('.')).toBe('file');
    expect(sanitizeFileName('a/b/')).toBe('file');
    expect(sanitizeFileName('')).toBe('file');
  });

  it('removes NUL, control characters and bidi overrides', () => {
    expect(sanitizeFileName('evil\u0000.pdf')).toBe('evil.pdf');
    expect(sanitizeFileName('a\r\nb\tc\u001b[31m.txt')).toBe('abc[31m.txt');
    expect(sanitizeFileName('invoice\u202Efdp.exe')).toBe('invoicefdp.exe');
    expect(sanitizeFileName('\u0085x\u009f.txt')).toBe('x.txt');
  });

  it('hides nothing and drops what Windows would strip', () => {
    expect(sanitizeFileName('.bashrc')).toBe('bashrc');
    expect(sanitizeFileName('name. . ')).toBe('name');
    expect(sanitizeFileName('a<b>c:d"e|f?g*.txt')).toBe('a_b_c_d_e_f_g_.txt');
  });

  it('renames reserved Windows device names, with or without extension', () => {
    for (const n of ['CON', 'con.txt', 'NUL', 'nul.tar.gz', 'COM1.log', 'lpt9', 'AUX', 'prn.pdf', 'COM¹']) {
      expect(sanitizeFileName(n).startsWith('_'), n).toBe(true);
    }
    expect(sanitizeFileName('console.txt')).toBe('console.txt');
    expect(sanitizeFileName('com10.txt')).toBe('com10.txt');
  });

  it('shortens overlong names to a byte budget, keeping the extension and whole code points', () => {
    const long = `${'a'.repeat(300)}.pdf`;
    const out = sanitizeFileName(long);
    expect(bytes(out)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(out.endsWith('.pdf')).toBe(true);
    const multi = sanitizeFileName(`${'é'.repeat(300)}.txt`);
    expect(bytes(multi)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(multi).toMatch(/^é+\.txt$/);
    const emoji = sanitizeFileName('😀'.repeat(100));
    expect(bytes(emoji)).toBeLessThanOrEqual(MAX_NAME_BYTES);
    expect(emoji).toMatch(/^(😀)+$/u);
    // A 300-character "extension" is not kept as one.
    expect(bytes(sanitizeFileName(`x.${'b'.repeat(300)}`))).toBeLessThanOrEqual(MAX_NAME_BYTES);
  });
});

describe('NameAllocator', () => {
  it('suffixes duplicates, ignoring case, and keeps the extension', () => {
    const a = new NameAllocator();
    expect(a.allocate('a.pdf')).toBe('a.pdf');
    expect(a.allocate('A.PDF')).toBe('A-2.PDF');
    expect(a.allocate('dir/a.pdf')).toBe('a-3.pdf');
    expect(a.allocate('../a.pdf')).toBe('a-4.pdf');
  });

  it('never hands out a reserved name or the .part twin of another file', () => {
    const a = new NameAllocator(['INCOMPLETE-UPLOAD.txt']);
    expect(a.allocate('incomplete-upload.txt')).toBe('incomplete-upload-2.txt');
    expect(a.allocate('x.bin')).toBe('x.bin');
    expect(a.allocate('x.bin.part')).toBe('x.bin-2.part');
    const b = new NameAllocator();
    expect(b.allocate('y.part')).toBe('y.part');
    expect(b.allocate('y')).toBe('y-2');
  });
});

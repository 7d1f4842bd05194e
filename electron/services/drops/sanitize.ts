// File names a source sends are hostile input: this turns one into a single safe path segment that
// means the same thing on Linux, macOS and Windows, and hands out unique names inside one upload.
// Pure: no fs. The storage layer is the only caller that touches disk.

/** ext4/APFS/NTFS allow 255 bytes/units; we stay below so "-NN" and ".part" always fit. */
export const MAX_NAME_BYTES = 180;
const MAX_EXT_BYTES = 24;
const FALLBACK = 'file';

// CON, PRN, AUX, NUL, COM0-9, LPT0-9 (plus the superscript digits Windows also reserves) are
// devices on Windows whatever the extension: "nul.txt" opens the null device.
const RESERVED = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³]|conin\$|conout\$)$/i;

// C0, DEL, C1 controls; bidi overrides/isolates (the "exe.txt" trick, U+202E); zero-width and BOM.
const INVISIBLE = /[\u0000-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]/g;
// Characters Windows refuses in names; replaced so the name still reads.
const WINDOWS_FORBIDDEN = /[<>:"|?*]/g;

const utf8 = new TextEncoder();
const byteLength = (s: string) => utf8.encode(s).length;

/** Cut to at most `max` UTF-8 bytes without splitting a code point. */
function truncateBytes(s: string, max: number): string {
  if (byteLength(s) <= max) return s;
  let out = '';
  let bytes = 0;
  for (const ch of s) {
    const b = byteLength(ch);
    if (bytes + b > max) break;
    out += ch;
    bytes += b;
  }
  return out;
}

function splitExt(name: string): { stem: string; ext: string } {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || dot === name.length - 1) return { stem: name, ext: '' };
  const ext = name.slice(dot);
  return byteLength(ext) <= MAX_EXT_BYTES ? { stem: name.slice(0, dot), ext } : { stem: name, ext: '' };
}

/**
 * One safe path segment from whatever the browser sent: basename only (both separators), no
 * controls/NUL/bidi tricks, no leading dots (hidden files, "." and ".."), no trailing dots or
 * spaces (Windows drops them), no reserved device names, at most MAX_NAME_BYTES bytes with the
 * extension kept. Never returns an empty string.
 */
export function sanitizeFileName(raw: string): string {
  let name = raw.normalize('NFC');
  // Basename: browsers send "C:\\Users\\x\\a.pdf" (old IE) or "dir/a.pdf" (folder uploads).
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  if (cut >= 0) name = name.slice(cut + 1);
  name = name.replace(INVISIBLE, '').replace(WINDOWS_FORBIDDEN, '_');
  name = name.replace(/^[\s.]+/, '').replace(/[\s.]+$/, '');
  if (name === '') name = FALLBACK;
  const { stem, ext } = splitExt(name);
  const base = stem.split('.')[0] ?? stem;
  const safeStem = RESERVED.test(base.trim()) ? `_${stem}` : stem;
  const room = MAX_NAME_BYTES - byteLength(ext);
  const trimmedStem = truncateBytes(safeStem, room).replace(/[\s.]+$/, '') || FALLBACK;
  return trimmedStem + ext;
}

/**
 * Hands out unique names within one upload folder. Comparison ignores case (the journalist may
 * copy the folder to a case-insensitive disk) and reserves the "<name>.part" twin of every name,
 * so a file literally called "a.pdf.part" can never collide with the partial of "a.pdf".
 */
export class NameAllocator {
  private readonly taken = new Set<string>();

  constructor(reserved: readonly string[] = []) {
    for (const r of reserved) this.taken.add(r.toLowerCase());
  }

  allocate(raw: string): string {
    const safe = sanitizeFileName(raw);
    const { stem, ext } = splitExt(safe);
    for (let n = 1; ; n++) {
      const candidate = n === 1 ? safe : `${stem}-${n}${ext}`;
      const key = candidate.toLowerCase();
      if (!this.taken.has(key) && !this.taken.has(`${key}.part`)) {
        this.taken.add(key);
        this.taken.add(`${key}.part`);
        return candidate;
      }
    }
  }
}

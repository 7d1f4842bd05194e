// The Messages pane's persistence: owner-only atomic file, zod-validated load, corrupt files set aside.
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MessagesStore, decodeEnvelope, decodeFileMessage, encodeEnvelope, encodeFileMessage, safeFileName } from './messages-store';

const ADDR =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';
const dirs: string[] = [];
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'nym-store-'));
  dirs.push(d);
  return d;
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('envelope', () => {
  it('round-trips and leaves foreign payloads as plain text', () => {
    const e = encodeEnvelope({ text: 'hi', c: '0123456789abcdef' });
    expect(decodeEnvelope(e)).toEqual({ underpass: 1, text: 'hi', c: '0123456789abcdef' });
    expect(decodeEnvelope('hello')).toBeNull();
    expect(decodeEnvelope('{"type":"send"}')).toBeNull();
    expect(decodeEnvelope('{"underpass":1,"text":"x","from":"not an address"}')).toBeNull();
  });
});

describe('MessagesStore', () => {
  it('persists contacts and conversations 0600 and reads them back', async () => {
    const file = join(tmp(), 'messages.json');
    const store = new MessagesStore(file);
    await store.load();
    const contact = store.addContact(' Ana ', ADDR);
    expect(contact.name).toBe('Ana');
    expect(() => store.addContact('Dup', ADDR)).toThrow(/already saved as "Ana"/);
    const conv = store.forAddress(ADDR);
    store.append(conv, { id: 'm_0123456789abcdef', direction: 'in', text: 'yo', kind: 'plain', replySurbs: null, state: 'received', queueLength: null, error: null, at: 5, sentAt: null, attachment: null, totalPackets: null });
    await store.flush();
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = new MessagesStore(file);
    await again.load();
    expect(again.contacts()).toEqual([contact]);
    const [summary] = again.summaries(() => false);
    expect(summary).toMatchObject({ title: 'Ana', unread: 1, lastText: 'yo', kind: 'contact', canReply: true });
    again.markRead(summary!.id);
    expect(again.summaries(() => false)[0]?.unread).toBe(0);
  });

  it('keeps a corrupt file aside (never deletes it) and starts empty with a warning', async () => {
    const dir = tmp();
    const file = join(dir, 'messages.json');
    writeFileSync(file, '{"version":1,"contacts":[{"id":"bad"}],"conversations":[]}');
    const store = new MessagesStore(file);
    await store.load();
    expect(store.contacts()).toEqual([]);
    expect(store.warning).toMatch(/unreadable .*kept as .*messages\.json\.corrupt-/);
    const aside = readdirSync(dir).find((n) => n.startsWith('messages.json.corrupt-'));
    expect(aside).toBeDefined();
    expect(readFileSync(join(dir, aside!), 'utf8')).toContain('"bad"');
  });

  it('keys anonymous conversations by sender tag and matches replies by our token', async () => {
    const store = new MessagesStore(join(tmp(), 'm.json'));
    await store.load();
    const byTag = store.forTag('6CzGHguLGCk1f416kwDZB7');
    expect(store.forTag('6CzGHguLGCk1f416kwDZB7')).toBe(byTag);
    const conv = store.forAddress(ADDR);
    const token = store.tokenFor(conv);
    expect(store.tokenFor(conv)).toBe(token);
    expect(store.forToken(token)).toBe(conv);
    expect(store.summary(byTag, () => false)).toMatchObject({ kind: 'tag', canReply: false, address: null });
    expect(store.summary(byTag, () => true).canReply).toBe(true);
  });
});

describe('file messages', () => {
  it('round-trips header and bytes, and rejects lies and foreign payloads', () => {
    const data = new Uint8Array([0, 255, 1, 254, 10, 13]);
    const wire = encodeFileMessage({ name: 'x.bin', mime: 'application/octet-stream', size: data.length, c: '0123456789abcdef' }, data);
    expect(Buffer.from(wire.subarray(0, 4)).toString()).toBe('UPF1');
    const back = decodeFileMessage(wire);
    expect(back?.header).toEqual({ name: 'x.bin', mime: 'application/octet-stream', size: 6, c: '0123456789abcdef' });
    expect([...(back?.data ?? [])]).toEqual([...data]);
    expect(decodeFileMessage(encodeFileMessage({ name: 'x', mime: '', size: 99 }, data))).toBeNull();
    expect(decodeFileMessage(new TextEncoder().encode('hello world'))).toBeNull();
  });

  it('makes received names safe for the attachments folder', () => {
    expect(safeFileName('../../etc/passwd')).toBe('passwd');
    expect(safeFileName('..hidden')).toBe('_hidden');
    expect(safeFileName('a\u0000b:c?.txt')).toBe('a_b_c_.txt');
    expect(safeFileName('')).toBe('file');
  });
});

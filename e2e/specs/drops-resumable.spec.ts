// The source page with JavaScript on: the drop's upload script sends the file in 1 MiB chunks
// (/u/… resumable path). One chunk's connection is cut after half its bytes reached the drop; the
// page must notice, ask the drop what it stored, resume from there (not from the chunk's start,
// not from 0) and finish; the file on disk must hash the same and the journalist's view must say
// complete. Like drops.spec.ts, the page is loaded from the drop's loopback port: the onion hop is
// proven by drop.integration.test.ts (a 50 MB resumable upload cut off through tor).
import { createHash, randomBytes } from 'node:crypto';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test, expect } from '../fixtures/app';

const MiB = 1024 * 1024;
const PUT_RE = /\/u\/([A-Za-z0-9_-]{43})\?offset=(\d+)$/;

/** What a dying circuit does: the drop gets the request and part of its body, then the connection is gone. */
async function sendPartOfChunk(port: number, path: string, body: Buffer, keep: number): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  socket.on('error', () => undefined);
  socket.write(`PUT ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Type: application/octet-stream\r\nContent-Length: ${body.length}\r\n\r\n`);
  socket.write(body.subarray(0, keep));
  await new Promise((r) => setTimeout(r, 500)); // let the drop write (and fsync) what it got
  socket.destroy();
}

test('with JavaScript on, a chunked upload cut mid-chunk resumes from the stored bytes and completes; sha256 on disk matches', async ({ page, openApp, browser }) => {
  test.setTimeout(180_000);
  const folder = await mkdtemp(join(tmpdir(), 'underpass-e2e-resumable-'));
  try {
    await openApp(page);
    await page.getByRole('link', { name: 'Onion services' }).click();
    await page.getByRole('button', { name: 'New drop' }).click();
    await page.getByLabel('Title').fill('Resumable drop');
    await page.getByLabel('Largest file (MB)').fill('100');
    await page.getByLabel(/Save uploads in/).fill(folder);
    await page.getByRole('button', { name: 'Create drop' }).click();
    const card = page.getByTestId('drop').filter({ hasText: 'Resumable drop' });
    await expect(card.getByTestId('drop-local')).toHaveAttribute('href', /^http:\/\/127\.0\.0\.1:\d+\/$/, { timeout: 120_000 });
    const local = (await card.getByTestId('drop-local').getAttribute('href'))!;
    const port = Number(new URL(local).port);

    // The source: JavaScript on (Tor Browser at "Standard").
    const source = await browser.newContext({ javaScriptEnabled: true });
    const sp = await source.newPage();
    const data = randomBytes(8 * MiB + 12_345); // not a whole number of chunks
    const offsets: number[] = [];
    const gets: string[] = [];
    let cut: { offset: number; kept: number } | null = null;
    sp.on('request', (r) => {
      if (r.method() === 'GET' && /\/u\/[A-Za-z0-9_-]{43}$/.test(r.url())) gets.push(r.url());
    });
    await sp.route(PUT_RE, async (route) => {
      const req = route.request();
      const m = PUT_RE.exec(req.url())!;
      const offset = Number(m[2]);
      offsets.push(offset);
      if (cut === null && offset === 3 * MiB) {
        const body = req.postDataBuffer();
        if (!body || body.length !== MiB) throw new Error(`the chunk at ${offset} has ${body?.length ?? 'no'} body bytes`);
        const kept = MiB / 2 + 777;
        await sendPartOfChunk(port, new URL(req.url()).pathname + new URL(req.url()).search, body, kept);
        cut = { offset, kept };
        return route.abort('connectionreset');
      }
      return route.continue();
    });

    const response = await sp.goto(local);
    expect(response?.status()).toBe(200);
    await sp.getByLabel('Files').setInputFiles({ name: 'resumable.bin', mimeType: 'application/octet-stream', buffer: data });
    await sp.getByRole('button', { name: 'Send' }).click();
    await expect(sp.getByRole('status')).toContainText('Received: 1 file', { timeout: 90_000 });
    await source.close();

    // The cut happened, the page asked the drop what it had, and went on from exactly there.
    expect(cut).not.toBeNull();
    const { offset: cutAt, kept } = cut!;
    expect(gets.length).toBeGreaterThanOrEqual(1);
    const after = offsets.slice(offsets.indexOf(cutAt) + 1);
    expect(after[0]).toBe(cutAt + kept);
    // Nothing before the cut was sent again; the bytes stored before it were never re-sent.
    expect(after.every((o) => o >= cutAt + kept)).toBe(true);
    expect(offsets.filter((o) => o === 0)).toHaveLength(1);

    // On disk: one upload folder with the whole file, no .part, no incomplete marker.
    const uploads = await readdir(folder);
    expect(uploads).toHaveLength(1);
    expect(await readdir(join(folder, uploads[0]!))).toEqual(['resumable.bin']);
    const onDisk = await readFile(join(folder, uploads[0]!, 'resumable.bin'));
    expect(createHash('sha256').update(onDisk).digest('hex')).toBe(createHash('sha256').update(data).digest('hex'));

    // The journalist's view.
    const up = card.getByTestId('upload').first();
    await expect(up).toHaveAttribute('data-state', 'complete');
    await expect(up).toContainText('resumable.bin');
    await card.getByRole('button', { name: /Remove drop/ }).click();
    await expect(card).toHaveCount(0);
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
});

// The Messages page against the app's nym-client (lab stand-in) on the lab mixnet, with a scripted
// peer: a second stand-in driven through the websocket client from this test. The app sends an
// anonymous message, the peer answers by sender tag; the peer writes anonymously, the app answers
// through the UI (keyboard only) and the peer receives it with senderTag null. axe stays clean.
import AxeBuilder from '@axe-core/playwright';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test, expect } from '../fixtures/app';
import { NymWebsocketClient, type NymReceivedMessage } from '../../electron/services/nym/websocket';
import { decodeFileMessage } from '../../electron/services/nym/messages-store';

const STANDIN = fileURLToPath(new URL('../../electron/lab/nym/nym-client-standin.mjs', import.meta.url));

interface Envelope {
  underpass: 1;
  text: string;
  c?: string;
  re?: string;
}
const envelope = (e: Omit<Envelope, 'underpass'>): string => JSON.stringify({ underpass: 1, ...e });
function decode(text: string): Envelope | null {
  try {
    const v = JSON.parse(text) as Envelope;
    return v.underpass === 1 ? v : null;
  } catch {
    return null;
  }
}

/** The lab descriptor the app's mixnet wrote: read from the mixnet process the app started (Linux /proc). */
function labDescriptor(appPid: number): string | null {
  for (const entry of readdirSync('/proc').filter((e) => /^\d+$/.test(e))) {
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid !== appPid) continue;
      const argv = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      const at = argv.indexOf('--descriptor');
      if (argv.some((a) => a.endsWith('nym-lab-mixnet.mjs')) && at >= 0) return argv[at + 1] ?? null;
    } catch {
      // gone
    }
  }
  return null;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const { port } = server.address() as AddressInfo;
  await new Promise((r) => server.close(r));
  return port;
}

class Peer {
  child: ChildProcess | null = null;
  ws: NymWebsocketClient | null = null;
  address = '';
  received: NymReceivedMessage[] = [];
  home = '';

  async start(descriptor: string): Promise<void> {
    this.home = await mkdtemp(join(tmpdir(), 'nym-peer-'));
    const port = await freePort();
    const env = { ...process.env, UNDERPASS_NYM_LAB: descriptor, NYM_HOME_DIR: this.home, NO_COLOR: '1' };
    const init = spawn(process.execPath, [STANDIN, 'init', '--id', 'peer', '--port', String(port), '-o', 'json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    init.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((r) => init.once('exit', r));
    expect(code, out).toBe(0);
    this.address = (JSON.parse(out) as { client_address: string }).client_address;
    this.child = spawn(process.execPath, [STANDIN, 'run', '--id', 'peer'], { env, stdio: 'ignore' });
    // Binary mode keeps pushed payloads byte-exact (files); text envelopes decode the same.
    this.ws = await NymWebsocketClient.connect({ port, mode: 'binary', connectAttempts: 60, connectRetryDelayMs: 50, expectedAddress: this.address });
    this.ws.onReceived((m) => this.received.push(m));
  }

  async stop(): Promise<void> {
    await this.ws?.close().catch(() => undefined);
    if (this.child && this.child.exitCode === null) {
      this.child.kill('SIGKILL');
      await new Promise((r) => this.child?.once('exit', r));
    }
    if (this.home) await rm(this.home, { recursive: true, force: true });
  }
}

test('Messages: anonymous message and replies by sender tag with a scripted lab peer', async ({ page, openApp, app }) => {
  test.setTimeout(120_000);
  const peer = new Peer();
  try {
    await openApp(page);
    await page.getByRole('link', { name: 'Messages', exact: true }).click();
    await page.getByRole('button', { name: 'Start Nym client' }).click();
    await expect(page.getByTestId('nym-client-state')).toHaveText('Connected to the mixnet', { timeout: 60_000 });
    const own = await page.getByTestId('own-address').inputValue();
    expect(own).toMatch(/^\w+\.\w+@\w+$/);
    await expect(page.getByRole('img', { name: 'QR code of your Nym address' })).toBeVisible();

    const descriptor = labDescriptor(app.process.pid ?? -1);
    expect(descriptor).not.toBeNull();
    await peer.start(descriptor ?? '');

    // A contact, then an anonymous message to it.
    await page.getByLabel('Name').fill('Peer');
    await page.getByLabel('Nym address', { exact: true }).fill(peer.address);
    await page.getByRole('button', { name: 'Add contact' }).click();
    await expect(page.getByRole('button', { name: 'Write to Peer' })).toBeVisible();
    await page.getByRole('button', { name: 'Write to Peer' }).click();
    await page.getByLabel('Message', { exact: true }).fill('hello from the app');
    await expect(page.getByLabel(/Anonymous/)).toBeChecked();
    await page.getByRole('button', { name: 'Send anonymously' }).click();

    await expect.poll(() => peer.received.find((m) => decode(m.text)?.text === 'hello from the app')?.senderTag ?? null, { timeout: 15_000 }).not.toBeNull();
    const first = peer.received.find((m) => decode(m.text)?.text === 'hello from the app');
    expect(first?.text).not.toContain(own);
    const token = decode(first?.text ?? '')?.c;
    await peer.ws?.reply(first?.senderTag ?? '', envelope({ text: 'anonymous reply from peer', ...(token ? { re: token } : {}) }));

    const thread = page.getByRole('log', { name: 'Messages' });
    await expect(thread).toContainText('anonymous reply from peer', { timeout: 15_000 });
    await expect(thread.getByTestId('nym-message').filter({ hasText: 'hello from the app' }).getByTestId('nym-message-state')).toContainText(
      'Nym gives no delivery receipt',
    );

    // The peer writes anonymously; the app answers by sender tag, keyboard only.
    await peer.ws?.sendAnonymous(own, envelope({ text: 'question from an anonymous peer', c: '0123456789abcdef' }), 20);
    const anon = page.getByTestId('nym-conversation').filter({ hasText: 'Anonymous sender' });
    await expect(anon).toHaveAccessibleName(/Anonymous sender .*1 unread/, { timeout: 15_000 });
    await anon.focus();
    await page.keyboard.press('Enter');
    await expect(page.getByRole('log', { name: 'Messages' })).toContainText('question from an anonymous peer');
    await page.getByLabel(/Reply \(goes back by sender tag/).focus();
    await page.keyboard.type('answer through your SURBs');
    await page.keyboard.press('Tab');
    await expect(page.getByRole('button', { name: 'Send anonymous reply' })).toBeFocused();
    await page.keyboard.press('Enter');
    await expect.poll(() => peer.received.find((m) => decode(m.text)?.text === 'answer through your SURBs') ?? null, { timeout: 15_000 }).not.toBeNull();
    const back = peer.received.find((m) => decode(m.text)?.text === 'answer through your SURBs');
    expect(back?.senderTag).toBeNull();
    expect(decode(back?.text ?? '')?.re).toBe('0123456789abcdef');
    await expect(anon).toHaveAccessibleName(/^Anonymous sender [^,]*$/);

    // A file through the binary API, from the Peer conversation.
    await page.getByTestId('nym-conversation').filter({ hasText: 'Peer' }).click();
    const bytes = Buffer.from(Array.from({ length: 20_000 }, (_, i) => (i * 7) % 256));
    await page.getByLabel(/Attach a file/).setInputFiles({ name: 'field-notes.bin', mimeType: 'application/octet-stream', buffer: bytes });
    await page.getByRole('button', { name: 'Send anonymously' }).click();
    await expect
      .poll(() => peer.received.map((m) => decodeFileMessage(m.message)).find((f) => f?.header.name === 'field-notes.bin') ?? null, { timeout: 20_000 })
      .not.toBeNull();
    const file = peer.received.map((m) => decodeFileMessage(m.message)).find((f) => f?.header.name === 'field-notes.bin');
    expect(Buffer.from(file?.data ?? []).equals(bytes)).toBe(true);
    await expect(page.getByTestId('nym-message').filter({ hasText: 'field-notes.bin' }).getByTestId('nym-message-state')).toContainText('Sent into the mixnet');

    const results = await new AxeBuilder({ page }).analyze();
    const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
    await page.screenshot({ path: 'e2e/.artifacts/messages-page.png', fullPage: true });
  } finally {
    await peer.stop();
  }
});

// The I2P page against the app's real i2pd on the lab I2P network: router status goes live, a server
// tunnel created in the UI for a local HTTP server is reached from ANOTHER lab router (a client
// tunnel the spec runs there over that router's SAM), and a client tunnel created in the UI reaches
// a server on that other router. The app's own tunnels all live on the app's router, so the other
// end of each must be a lab router, found from the lab's "SAM r1=… r2=…" log line.
import AxeBuilder from '@axe-core/playwright';
import { randomBytes } from 'node:crypto';
import { createServer as createHttpServer, get, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { SamSession } from '../../electron/services/i2p/sam';
import { test, expect, type AppInstance } from '../fixtures/app';

const HOPS1 = { 'inbound.length': 1, 'outbound.length': 1, 'inbound.quantity': 2, 'outbound.quantity': 2, 'i2cp.leaseSetEncType': '4,0' };

async function httpServer(body: string): Promise<{ server: HttpServer; port: number }> {
  const server = createHttpServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

/** GET http://127.0.0.1:<port>/ → body, or null on any failure (the tunnel may not be usable yet). */
function fetchBody(port: number, timeoutMs = 30_000): Promise<string | null> {
  return new Promise((resolve) => {
    const req = get({ host: '127.0.0.1', port, path: '/', timeout: timeoutMs, headers: { connection: 'close' } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve(res.statusCode === 200 ? body : null));
      res.on('error', () => resolve(null));
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(null));
  });
}

/** The lab routers' SAM endpoints, as the lab provider logs them once the I2P lab is up. */
async function labSam(app: AppInstance): Promise<Map<string, number>> {
  let found = new Map<string, number>();
  await expect
    .poll(
      () => {
        const m = /I2P lab ready in [^\n]*; SAM ((?:r\d+=127\.0\.0\.1:\d+ ?)+)/.exec(app.output());
        found = new Map([...(m?.[1] ?? '').matchAll(/(r\d+)=127\.0\.0\.1:(\d+)/g)].map((x) => [x[1] ?? '', Number(x[2])]));
        return found.size;
      },
      { timeout: 120_000 },
    )
    .toBeGreaterThanOrEqual(2);
  return found;
}

/** A client tunnel on a lab router: 127.0.0.1:<port> → STREAM CONNECT to destination from `session`. */
async function labClientTunnel(session: SamSession, destination: string): Promise<{ server: Server; port: number }> {
  const server = createServer((local) => {
    local.pause();
    session.connect(destination, { timeoutMs: 60_000 }).then(
      (remote) => {
        remote.pipe(local).pipe(remote);
        local.resume();
        remote.on('error', () => local.destroy()).on('close', () => local.destroy());
        local.on('error', () => remote.destroy()).on('close', () => remote.destroy());
      },
      () => local.destroy(),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, port: (server.address() as { port: number }).port };
}

test('the I2P page shows live router status; its tunnels reach and are reached from the other lab router', async ({ page, openApp, app }) => {
  test.setTimeout(420_000);
  const closers: Array<() => void> = [];
  try {
    await openApp(page);
    await page.getByRole('link', { name: 'I2P', exact: true }).click();
    const start = page.getByTestId('i2p-start');
    if (await start.isVisible()) await start.click();
    await expect(page.getByTestId('i2p-state')).toHaveText('Ready', { timeout: 120_000 });
    await expect(page.getByTestId('i2p-peers')).toContainText(/[1-9]\d* active/, { timeout: 60_000 });
    const uptime = await page.getByTestId('i2p-uptime').textContent();
    await expect.poll(async () => page.getByTestId('i2p-uptime').textContent(), { timeout: 10_000 }).not.toBe(uptime);
    const graph = page.getByTestId('bandwidth-graph');
    const samples = Number(await graph.getAttribute('data-samples'));
    await expect.poll(async () => Number(await graph.getAttribute('data-samples')), { timeout: 10_000 }).toBeGreaterThan(samples + 1);

    const axe = await new AxeBuilder({ page }).analyze();
    expect(axe.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')).toEqual([]);

    // 1. Server tunnel in the UI for a local HTTP server.
    const appBody = `served by the app's tunnel ${randomBytes(6).toString('hex')}`;
    const web = await httpServer(appBody);
    closers.push(() => web.server.close());
    await page.getByTestId('i2p-server-name').fill('web');
    await page.getByTestId('i2p-server-port').fill(String(web.port));
    await page.getByRole('button', { name: 'Create server tunnel' }).click();
    const row = page.getByTestId('i2p-server-tunnel').filter({ hasText: 'web' });
    await expect(row.getByTestId('i2p-b32')).toHaveText(/^[a-z2-7]{52}\.b32\.i2p$/);
    const b32 = (await row.getByTestId('i2p-b32').textContent()) ?? '';
    await expect(row).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
    await row.getByRole('button', { name: 'Show the QR code of web' }).click();
    await expect(row.getByTestId('bridge-qr')).toBeVisible();

    // 2. Reached through a client tunnel on lab router r2 (not the app's router).
    const sam = await labSam(app);
    const r2 = sam.get('r2');
    const r1 = sam.get('r1');
    if (r1 === undefined || r2 === undefined) throw new Error(`lab SAM ports not logged: ${[...sam].join(' ')}`);
    const onR2 = await SamSession.create({ host: '127.0.0.1', port: r2, style: 'STREAM', i2cp: HOPS1, createTimeoutMs: 120_000 });
    closers.push(() => onR2.close());
    const viaR2 = await labClientTunnel(onR2, b32);
    closers.push(() => viaR2.server.close());
    // A fresh LeaseSet takes a few seconds to reach the floodfills: retry until the page comes back.
    await expect.poll(() => fetchBody(viaR2.port), { timeout: 150_000, intervals: [2000] }).toBe(appBody);

    // 3. A client tunnel created in the UI reaches a server on lab router r1.
    const labBody = `served on lab router r1 ${randomBytes(6).toString('hex')}`;
    const labWeb = await httpServer(labBody);
    closers.push(() => labWeb.server.close());
    const onR1 = await SamSession.create({ host: '127.0.0.1', port: r1, style: 'STREAM', i2cp: HOPS1, createTimeoutMs: 120_000 });
    closers.push(() => onR1.close());
    const forward = await onR1.forward({ port: labWeb.port, silent: true });
    closers.push(() => forward.close());
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const localPort = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    await page.getByTestId('i2p-client-name').fill('to-r1');
    await page.getByTestId('i2p-client-port').fill(String(localPort));
    await page.getByTestId('i2p-client-dest').fill(onR1.b32Address);
    await page.getByRole('button', { name: 'Create client tunnel' }).click();
    const client = page.getByTestId('i2p-client-tunnel').filter({ hasText: 'to-r1' });
    await expect(client).toHaveAttribute('data-state', 'running', { timeout: 120_000 });
    await expect.poll(() => fetchBody(localPort), { timeout: 150_000, intervals: [2000] }).toBe(labBody);

    await page.screenshot({ path: 'e2e/.artifacts/i2p-page.png', fullPage: true });
  } finally {
    for (const close of closers.reverse()) close();
  }
});

// Records a real control-port event transcript from the app's tor on the lab network (raw bytes,
// exact CRLFs) into electron/services/tor/control/__fixtures__/lab-recorded-events.txt. The parser
// tests and the tor.parse_vs_stem benchmark replay it. Run: npx tsx e2e/bench/record-tor-events.ts
import { connect, type Socket } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createCore } from '../../electron/app/core';
import { createLabProvider } from '../../electron/lab/lab-provider';
import { Logger } from '../../electron/logging/logger';
import { parsePortFile } from '../../electron/services/tor/tor-process';
import { unwrap } from '../../shared/ipc/result';

const OUT = fileURLToPath(new URL('../../electron/services/tor/control/__fixtures__/lab-recorded-events.txt', import.meta.url));
const EVENTS = 'CIRC STREAM ORCONN BW CIRC_BW STREAM_BW HS_DESC STATUS_CLIENT STATUS_GENERAL NOTICE WARN NETWORK_LIVENESS CONF_CHANGED';

function send(sock: Socket, line: string): Promise<string> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      if (/^\d{3} .*\r\n/m.test(buf)) {
        sock.off('data', onData);
        resolve(buf);
      }
    };
    sock.on('data', onData);
    sock.write(`${line}\r\n`);
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'underpass-rec-'));
  const core = await createCore({ dataDir: dir, mode: 'lab', host: 'headless', autostart: false, logger: new Logger({ sink: () => undefined }), lab: createLabProvider({ bridge: false }) });
  const call = async (channel: string, args?: unknown) => unwrap(await core.router.dispatch(channel, args));
  try {
    await call('underpass:supervisor:start', { id: 'tor' });
    const t0 = Date.now();
    while (!core.tor.status().ready) {
      if (Date.now() - t0 > 90_000) throw new Error('tor did not bootstrap');
      await new Promise((r) => setTimeout(r, 100));
    }
    const target = parsePortFile(await readFile(join(dir, 'tor', 'control.port'), 'utf8'));
    if (!target) throw new Error('no control port');
    const sock = target.kind === 'unix' ? connect({ path: target.path }) : connect({ host: target.host, port: target.port });
    await new Promise((r) => sock.once('connect', r));
    const cookie = await readFile(join(dir, 'tor', 'data', 'control_auth_cookie'));
    await send(sock, `AUTHENTICATE ${cookie.toString('hex')}`);
    const chunks: Buffer[] = [];
    await send(sock, `SETEVENTS ${EVENTS}`);
    sock.on('data', (d: Buffer) => chunks.push(d));
    for (let i = 0; i < 8; i++) {
      await call('underpass:tor:testSocks', {});
      if (i % 3 === 0) await call('underpass:tor:newIdentity');
      await new Promise((r) => setTimeout(r, 1500));
    }
    sock.destroy();
    const raw = Buffer.concat(chunks).toString('latin1');
    // Keep whole 650 events only (drop any partial tail).
    const lastEnd = raw.lastIndexOf('\r\n');
    await writeFile(OUT, raw.slice(0, lastEnd + 2), 'latin1');
    process.stdout.write(`recorded ${raw.split('\r\n').filter((l) => l.startsWith('650')).length} event lines to ${OUT}\n`);
  } finally {
    await core.shutdown();
    await rm(dir, { recursive: true, force: true });
  }
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});

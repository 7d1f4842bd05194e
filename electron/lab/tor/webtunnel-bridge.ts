// A lab webtunnel bridge beside a running Tor lab: an unpublished bridge tor with Debian's
// webtunnel-server as its transport, behind a small HTTPS front (webtunnel-front.mjs) on a TEST-NET
// address added to lo inside the lab's own network namespace (webtunnel-client refuses loopback and
// private addresses; see LAB_PUBLIC_LIKE_PREFIX). Refuses to start outside such a namespace.
// Clients must trust the front's self-signed certificate: pass `caFile` as SSL_CERT_FILE to them.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../../logging/logger';
import type { ProcessRegistry } from '../../supervisor/registry';
import { bundleDir, resolveBinary } from '../../supervisor/binaries';
import { stripTorLogPrefix } from '../../services/tor/tor-process';
import { addLabAddress, type LabAddress } from './isolation';
import { LineWatch } from './line-watch';
import type { TorLab } from './tor-lab';

export interface WebtunnelBridge {
  /** The value after `Bridge `: `webtunnel 203.0.113.N:<front> <FPR> url=https://203.0.113.N:<front>/<path> ver=0.0.1`. */
  line: string;
  /** The front's TEST-NET address (only inside the lab namespace) and port. */
  address: string;
  port: number;
  url: string;
  fingerprint: string;
  /** TLS connections the front has accepted so far (each client connection through the transport is one). */
  frontConnections(): number;
  /** The self-signed certificate clients must trust (SSL_CERT_FILE for webtunnel-client). */
  caFile: string;
  stop(): Promise<void>;
}

export interface WebtunnelBridgeOptions {
  lab: TorLab;
  registry: ProcessRegistry;
  logger: Logger;
  resourcesDir: string;
  /** Default: <lab dir>/webtunnel. */
  dir?: string;
  timeoutMs?: number;
}

const here = fileURLToPath(new URL('.', import.meta.url));

/** Where startWebtunnelBridge({ dir }) writes the front's certificate: known before the bridge is up. */
export function webtunnelCaFile(dir: string): string {
  return join(dir, 'cert.pem');
}

export async function startWebtunnelBridge(opts: WebtunnelBridgeOptions): Promise<WebtunnelBridge> {
  const { lab, registry } = opts;
  const dir = opts.dir ?? join(lab.dir, 'webtunnel');
  const dataDir = join(dir, 'data');
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const timeoutMs = opts.timeoutMs ?? 45_000;
  const ids: string[] = [];
  let labAddress: LabAddress | null = null;
  const stop = async () => {
    await Promise.allSettled(ids.map((id) => registry.remove(id)));
    await labAddress?.release();
  };
  try {
    const [tor, server] = await Promise.all([resolveBinary('tor', { resourcesDir: opts.resourcesDir }), resolveBinary('webtunnel-server', { resourcesDir: opts.resourcesDir })]);
    // Refuses (LabIsolationError) unless the lab runs in a private namespace with only lo.
    labAddress = await addLabAddress({ holderPid: lab.holderPid, wrapSpawn: lab.wrapSpawn });
    const host = labAddress.address;
    const [orPort, wtPort, frontPort] = await pickPorts(lab, 3);
    if (orPort === undefined || wtPort === undefined || frontPort === undefined) throw new Error('pick-ports.mjs gave fewer than 3 ports');
    const caFile = webtunnelCaFile(dir);
    const keyFile = join(dir, 'key.pem');
    await run('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2', '-subj', `/CN=${host}`, '-addext', `subjectAltName=IP:${host}`, '-keyout', keyFile, '-out', caFile]);

    let accepted = 0;
    const frontWatch = new LineWatch();
    ids.push('lab:tor:webtunnel-front');
    await registry
      .create({
        id: 'lab:tor:webtunnel-front',
        label: 'Lab webtunnel HTTPS front',
        restart: { enabled: false },
        readyTimeoutMs: 10_000,
        hooks: {
          plan: async () => lab.wrapSpawn({ command: process.execPath, args: [join(here, 'webtunnel-front.mjs'), caFile, keyFile, host, String(frontPort), String(wtPort)], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } }),
          probe: async ({ signal }) => {
            await frontWatch.waitFor(/^LISTENING /, 10_000, signal);
          },
          classifyLine: (_s, line) => {
            if (line.startsWith('ACCEPT ')) accepted++;
            frontWatch.push(line);
            return { level: 'info', text: line };
          },
        },
      })
      .start();

    const path = randomBytes(12).toString('hex');
    const url = `https://${host}:${frontPort}/${path}`;
    const torrc = [
      'TestingTorNetwork 1',
      `DataDirectory ${dataDir}`,
      'Nickname wtbridge',
      'ContactInfo lab@lab.invalid',
      'Address 127.0.0.1',
      `ORPort 127.0.0.1:${orPort}`,
      'SocksPort 0',
      'AssumeReachable 1',
      'BridgeRelay 1',
      'PublishServerDescriptor 0',
      'ExitRelay 0',
      'ExitPolicy reject *:*',
      'UseEntryGuards 0',
      `ServerTransportPlugin webtunnel exec ${server.command}`,
      `ServerTransportListenAddr webtunnel 127.0.0.1:${wtPort}`,
      `ServerTransportOptions webtunnel url=${url}`,
      'ExtORPort auto',
      // A bridge wants country stats: the bundled geoip files, else tor warns they are missing.
      ...geoipLines(opts.resourcesDir),
      `DirAuthority ${lab.dirAuthority}`,
      'Log notice stdout',
      'SafeLogging 0',
      'ShutdownWaitLength 0',
    ];
    const torrcFile = join(dir, 'torrc');
    await writeFile(torrcFile, `${torrc.join('\n')}\n`, { mode: 0o600 });
    const watch = new LineWatch();
    ids.push('lab:tor:webtunnel-bridge');
    await registry
      .create({
        id: 'lab:tor:webtunnel-bridge',
        label: 'Lab webtunnel bridge',
        restart: { enabled: false },
        readyTimeoutMs: timeoutMs,
        gracefulStopMs: 3000,
        hooks: {
          plan: async () => lab.wrapSpawn({ command: tor.command, args: [...tor.argsPrefix, '-f', torrcFile, '--defaults-torrc', '/dev/null', '--__OwningControllerProcess', String(process.pid)], env: { ...process.env, ...tor.env } }),
          // Ready when its transport is registered and it has the consensus (it serves it to clients).
          probe: async ({ signal }) => {
            await watch.waitFor(/Registered server transport 'webtunnel'/, timeoutMs, signal);
            await watch.waitFor(/Bootstrapped 100%/, timeoutMs, signal);
          },
          classifyLine: (_s, line) => {
            watch.push(line);
            return { level: /\[(warn|err)\]/.test(line) ? 'warn' : 'info', text: stripTorLogPrefix(line) };
          },
        },
      })
      .start();
    const fingerprint = (await readFile(join(dataDir, 'fingerprint'), 'utf8')).trim().split(/\s+/)[1] ?? '';
    if (!/^[0-9A-F]{40}$/.test(fingerprint)) throw new Error(`webtunnel bridge fingerprint file unreadable: ${fingerprint}`);
    return {
      line: `webtunnel ${host}:${frontPort} ${fingerprint} url=${url} ver=0.0.1`,
      address: host,
      port: frontPort,
      url,
      fingerprint,
      frontConnections: () => accepted,
      caFile,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

function geoipLines(resourcesDir: string): string[] {
  const share = join(bundleDir(resourcesDir), 'share', 'tor');
  const [v4, v6] = [join(share, 'geoip'), join(share, 'geoip6')];
  return existsSync(v4) && existsSync(v6) ? [`GeoIPFile ${v4}`, `GeoIPv6File ${v6}`] : [];
}

async function pickPorts(lab: TorLab, count: number): Promise<number[]> {
  const plan = lab.wrapSpawn({ command: process.execPath, args: [join(here, 'pick-ports.mjs'), String(count)], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
  const out = await run(plan.command, plan.args, plan.env);
  const ports = (JSON.parse(out.trim()) as { ports?: unknown }).ports;
  if (!Array.isArray(ports) || ports.length !== count || !ports.every((p) => Number.isInteger(p))) throw new Error(`pick-ports.mjs answered ${out.trim()}`);
  return ports as number[];
}

/** A short-lived helper (openssl, pick-ports) by argv, killed if it overruns. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { env, timeout: 15_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${command} failed: ${stderr || err.message}`));
      else resolve(stdout);
    });
  });
}

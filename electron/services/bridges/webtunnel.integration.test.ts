// The lab webtunnel bridge (Debian's webtunnel-server behind a local HTTPS front, see
// electron/lab/tor/webtunnel-bridge.ts) and the bundled webtunnel-client against it: a client tor
// configured from the bridge line through this feature's bridgeTorConfig bootstraps to 100% with
// ORCONN connected only to the bridge. The front sits on a TEST-NET-3 address added inside the lab's
// private network namespace, because webtunnel-client 0.0.7 refuses loopback and private addresses
// ("Could not find any valid IP for …"); a last test pins that refusal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../logging/logger';
import { ProcessRegistry } from '../../supervisor/registry';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import { LabIsolationError } from '../../lab/tor/isolation';
import { startTorLab, type TorLab } from '../../lab/tor/tor-lab';
import { startWebtunnelBridge, type WebtunnelBridge } from '../../lab/tor/webtunnel-bridge';
import type { OrConnEvent } from '../tor/control';
import { waitFor } from '../../util/wait';
import { parseBridgeLine } from './bridge-line';
import { bridgeTorConfig, bridgeTorrcLines, type BridgeTorConfig } from './config';
import { startProbeTor, type ProbeTor, type ProbeTorOptions } from './probe-tor';
import { defaultTransportResolver, resolveTransports } from './transports';

const resourcesDir = defaultResourcesDir();
const haveBundle = existsSync(join(bundleDir(resourcesDir), 'manifest.json'));
const haveCurl = existsSync('/usr/bin/curl');

describe.skipIf(!haveBundle)('webtunnel bridge on the lab', () => {
  let runDir: string;
  let registry: ProcessRegistry;
  let lab: TorLab;
  let bridge: WebtunnelBridge | undefined;
  /** Set when the lab namespace may not get a TEST-NET address (host namespace, or more than lo). */
  let skipReason: string | null = null;
  const logger = new Logger({ sink: (f, l) => (l.level === 'error' ? process.stderr.write(`${f}\n`) : undefined) });

  beforeAll(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'ubr-wt-'));
    registry = new ProcessRegistry(runDir, logger);
    lab = await startTorLab({ registry, logger, resourcesDir, bridge: false, timeoutMs: 80_000 });
    try {
      bridge = await startWebtunnelBridge({ lab, registry, logger, resourcesDir });
    } catch (e) {
      if (!(e instanceof LabIsolationError)) throw e;
      skipReason = `no lab webtunnel bridge: ${e.message}`;
      process.stderr.write(`webtunnel: skipped, ${skipReason}\n`);
    }
  }, 150_000);

  afterAll(async () => {
    await bridge?.stop();
    await lab?.stop();
    await registry?.stopAll();
    await rm(runDir, { recursive: true, force: true });
  });

  /** The bridge, or the test is skipped with the namespace's refusal as its reason. */
  function need(ctx: { skip: (note?: string) => never }): WebtunnelBridge {
    if (!bridge) ctx.skip(skipReason ?? 'no lab webtunnel bridge');
    return bridge;
  }

  async function configFor(lines: string[]): Promise<BridgeTorConfig> {
    const bridges = lines.map((l) => {
      const parsed = parseBridgeLine(`Bridge ${l}`);
      expect(parsed.errors).toEqual([]);
      expect(parsed.bridge?.transport).toBe('webtunnel');
      return parsed.bridge!;
    });
    return bridgeTorConfig(bridges, await resolveTransports(defaultTransportResolver(resourcesDir)));
  }

  function clientOptions(b: WebtunnelBridge, name: string, conf: BridgeTorConfig, more: Partial<ProbeTorOptions>): ProbeTorOptions {
    return {
      registry,
      logger,
      resourcesDir,
      id: `test:${name}`,
      root: join(runDir, name),
      // A bridge client keeps its guards: tor refuses UseBridges with the lab's UseEntryGuards 0.
      torrcLines: [...lab.clientTorrcLines.filter((l) => l !== 'UseEntryGuards 0'), ...bridgeTorrcLines(conf)],
      wrapSpawn: lab.wrapSpawn,
      unixSockets: lab.needsUnixSockets,
      // webtunnel-client (Go) verifies the front's certificate against SSL_CERT_FILE.
      env: { SSL_CERT_FILE: b.caFile },
      ...more,
    };
  }

  it.skipIf(!haveCurl)('the bridge answers a WebSocket upgrade on its URL through the HTTPS front, with a certificate that verifies', async (ctx) => {
    const b = need(ctx);
    expect(b.address).toMatch(/^203\.0\.113\.\d+$/);
    const plan = lab.wrapSpawn({ command: '/usr/bin/curl', args: ['-sS', '-i', '--max-time', '3', '--cacert', b.caFile, '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', b.url] });
    const out = await new Promise<string>((resolve) => {
      // curl times out (exit 28) after the 101: the tunnel is open and waits for tor's bytes.
      execFile(plan.command, plan.args, { env: plan.env, timeout: 10_000 }, (_err, stdout) => resolve(String(stdout)));
    });
    expect(out).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
  });

  it('a client configured from the webtunnel line bootstraps to 100% through it, connected only to the bridge', async (ctx) => {
    const b = need(ctx);
    const conf = await configFor([b.line]);
    expect(conf.ClientTransportPlugin).toEqual([expect.stringMatching(/^webtunnel exec \S+\/webtunnel-client$/)]);
    expect(conf.Bridge).toEqual([b.line]);

    const orconns: OrConnEvent[] = [];
    const acceptedBefore = b.frontConnections();
    const t0 = Date.now();
    let client: ProbeTor | null = null;
    try {
      client = await startProbeTor(
        clientOptions(b, 'webtunnel-client', conf, {
          onEvent: (e) => {
            if (e.type === 'ORCONN') orconns.push(e);
          },
        }),
      );
      const c = client.controller;
      await waitFor('bootstrap 100% through the webtunnel bridge', async () => (await c.getBootstrapPhase()).progress === 100, 75_000, 250);
      process.stderr.write(`webtunnel: 100% ${Date.now() - t0} ms after the client started\n`);

      const connected = orconns.filter((e) => e.status === 'CONNECTED');
      expect(connected.length).toBeGreaterThan(0);
      expect(new Set(connected.map((e) => e.relay?.fingerprint))).toEqual(new Set([b.fingerprint]));
      // Every OR connection tor has open right now goes to the bridge too.
      const open = await c.getOrConnections();
      expect(new Set(open.map((o) => o.relay?.fingerprint))).toEqual(new Set([b.fingerprint]));
      expect((await c.getEntryGuards()).map((g) => g.fingerprint)).toEqual([b.fingerprint]);
      // The bytes really went through the HTTPS front on the TEST-NET address.
      expect(b.frontConnections()).toBeGreaterThan(acceptedBefore);
    } finally {
      await client?.stop();
    }
  }, 100_000);

  it('pins the bundled webtunnel-client refusing loopback and private bridge addresses (why the front needs TEST-NET)', async (ctx) => {
    const b = need(ctx);
    const at = (host: string, fpr: string) =>
      b.line
        .replace(/^webtunnel \S+ [0-9A-F]{40} /, `webtunnel ${host}:${b.port} ${fpr} `)
        .replace(/url=https:\/\/[^/:]+:/, `url=https://${host}:`);
    // Distinct identities so tor tries both; the client refuses both before dialling anything.
    const lines = [at('127.0.0.1', b.fingerprint), at('10.0.0.1', b.fingerprint.replace(/^./, (ch) => (ch === 'A' ? 'B' : 'A')))];
    const conf = await configFor(lines);
    const stderr: string[] = [];
    let client: ProbeTor | null = null;
    try {
      client = await startProbeTor(
        clientOptions(b, 'webtunnel-refusal', conf, {
          // Log info: tor relays the transport's stderr only at info level.
          torrcLines: ['Log info stdout', ...clientOptions(b, 'x', conf, {}).torrcLines],
          onLogLine: (l) => {
            if (l.includes('reported via standard error')) stderr.push(l);
          },
        }),
      );
      const refused = (host: string) => stderr.some((l) => l.includes(`Could not find any valid IP for ${host}`));
      await waitFor('both refusals', () => refused('127.0.0.1') && refused('10.0.0.1'), 30_000, 200).catch(() => undefined);
      expect(stderr.join('\n')).toMatch(/Could not find any valid IP for 127\.0\.0\.1/);
      expect(stderr.join('\n')).toMatch(/Could not find any valid IP for 10\.0\.0\.1/);
    } finally {
      await client?.stop();
    }
  }, 60_000);
});

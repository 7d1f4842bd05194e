// The lab webtunnel bridge (Debian's webtunnel-server behind a local HTTPS front, see
// electron/lab/tor/webtunnel-bridge.ts) and the bundled webtunnel-client against it. Finding: the
// bundled webtunnel-client 0.0.7 refuses loopback addresses ("Could not find any valid IP for
// 127.0.0.1", also with addr= and servername=), so a loopback-only lab cannot carry a webtunnel
// bootstrap end to end. These tests prove the server side (TLS + WebSocket upgrade through the
// front), the configuration this feature generates from the bridge line, and pin the client's
// refusal so the limitation is noticed when a newer client lifts it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Logger } from '../../logging/logger';
import { ProcessRegistry } from '../../supervisor/registry';
import { bundleDir, defaultResourcesDir } from '../../supervisor/binaries';
import { startTorLab, type TorLab } from '../../lab/tor/tor-lab';
import { startWebtunnelBridge, type WebtunnelBridge } from '../../lab/tor/webtunnel-bridge';
import { parseBridgeLine } from './bridge-line';
import { bridgeTorConfig, bridgeTorrcLines } from './config';
import { startProbeTor, type ProbeTor } from './probe-tor';
import { defaultTransportResolver, resolveTransports } from './transports';

const resourcesDir = defaultResourcesDir();
const haveBundle = existsSync(join(bundleDir(resourcesDir), 'manifest.json'));
const haveCurl = existsSync('/usr/bin/curl');

describe.skipIf(!haveBundle)('webtunnel bridge on the lab', () => {
  let runDir: string;
  let registry: ProcessRegistry;
  let lab: TorLab;
  let bridge: WebtunnelBridge;
  const logger = new Logger({ sink: (f, l) => (l.level === 'error' ? process.stderr.write(`${f}\n`) : undefined) });

  beforeAll(async () => {
    runDir = await mkdtemp(join(tmpdir(), 'ubr-wt-'));
    registry = new ProcessRegistry(runDir, logger);
    lab = await startTorLab({ registry, logger, resourcesDir, bridge: false, timeoutMs: 80_000 });
    bridge = await startWebtunnelBridge({ lab, registry, logger, resourcesDir });
  }, 150_000);

  afterAll(async () => {
    await bridge?.stop();
    await lab?.stop();
    await registry?.stopAll();
    await rm(runDir, { recursive: true, force: true });
  });

  it.skipIf(!haveCurl)('the bridge answers a WebSocket upgrade on its URL through the HTTPS front, with a certificate that verifies', async () => {
    const url = /url=(\S+)/.exec(bridge.line)?.[1] ?? '';
    const plan = lab.wrapSpawn({ command: '/usr/bin/curl', args: ['-sS', '-i', '--max-time', '3', '--cacert', bridge.caFile, '-H', 'Connection: Upgrade', '-H', 'Upgrade: websocket', url] });
    const out = await new Promise<string>((resolve) => {
      // curl times out (exit 28) after the 101: the tunnel is open and waits for tor's bytes.
      execFile(plan.command, plan.args, { env: plan.env, timeout: 10_000 }, (_err, stdout) => resolve(String(stdout)));
    });
    expect(out).toMatch(/^HTTP\/1\.1 101 Switching Protocols/);
  });

  it('the bundled webtunnel-client refuses the loopback bridge (known limitation), configured from the parsed line', async () => {
    const parsed = parseBridgeLine(`Bridge ${bridge.line}`);
    expect(parsed.errors).toEqual([]);
    expect(parsed.bridge?.transport).toBe('webtunnel');
    const conf = bridgeTorConfig([parsed.bridge!], await resolveTransports(defaultTransportResolver(resourcesDir)));
    expect(conf.ClientTransportPlugin).toEqual([expect.stringMatching(/^webtunnel exec \S+\/webtunnel-client$/)]);
    expect(conf.Bridge).toEqual([bridge.line]);

    const stderr: string[] = [];
    let client: ProbeTor | null = null;
    try {
      client = await startProbeTor({
        registry,
        logger,
        resourcesDir,
        id: 'test:webtunnel-client',
        root: join(runDir, 'client'),
        // Log info: tor relays the transport's stderr only at info level.
        torrcLines: ['Log info stdout', ...lab.clientTorrcLines.filter((l) => l !== 'UseEntryGuards 0'), ...bridgeTorrcLines(conf)],
        wrapSpawn: lab.wrapSpawn,
        unixSockets: lab.needsUnixSockets,
        env: { SSL_CERT_FILE: bridge.caFile },
        onLogLine: (l) => {
          if (l.includes('reported via standard error')) stderr.push(l);
        },
      });
      const end = Date.now() + 20_000;
      while (!stderr.some((l) => /Could not find any valid IP/.test(l)) && Date.now() < end) await new Promise((r) => setTimeout(r, 200));
      expect(stderr.join('\n')).toMatch(/Could not find any valid IP for 127\.0\.0\.1/);
    } finally {
      await client?.stop();
    }
  }, 60_000);
});

// Debian's onionshare-cli in receive mode, pointed at a lab tor's control port (notes: tor-lab §6),
// for the drop benchmarks. Never its default "bundled" connection (its own tor with the public
// authorities): every path where it could read another settings file leads to the same lab file.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { TorLab } from '../../electron/lab/tor/tor-lab';

export type ControlTarget = { kind: 'tcp'; host: string; port: number } | { kind: 'unix'; path: string };

export interface OnionShare {
  pid: number;
  /** <56 chars>.onion */
  address: string;
  /** Where it saves uploads. */
  dataDir: string;
  stop(): Promise<void>;
}

/** null when onionshare-cli can be used; else why not (the benchmark prints it as its skip reason). */
export function onionShareUnavailable(lab: TorLab): string | null {
  if (spawnSync('onionshare-cli', ['--help'], { stdio: 'ignore', timeout: 30_000 }).error) {
    return 'onionshare-cli is not installed (opt in: UNDERPASS_WITH_ONIONSHARE=1 bash resources/setup.sh)';
  }
  // Pointed at the lab it never dials out; without a loopback-only namespace, a mistake could.
  if (lab.isolation === 'none') return 'the lab runs without a loopback-only network namespace; onionshare-cli is only run inside one';
  return null;
}

export async function startOnionShare(lab: TorLab, dir: string, control: ControlTarget): Promise<OnionShare> {
  const home = join(dir, 'home');
  const xdg = join(dir, 'xdg');
  const dataDir = join(dir, 'received');
  await mkdir(join(xdg, 'onionshare'), { recursive: true, mode: 0o700 });
  await mkdir(home, { recursive: true, mode: 0o700 });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const settings = {
    ...(control.kind === 'unix'
      ? { connection_type: 'socket_file', socket_file_path: control.path }
      : { connection_type: 'control_port', control_port_address: control.host, control_port_port: control.port }),
    // stem then authenticates with the cookie file tor names in PROTOCOLINFO.
    auth_type: 'no_auth',
    // Only used for receive-mode webhooks, which we never configure; a closed loopback port.
    socks_address: '127.0.0.1',
    socks_port: 9,
    bridges_enabled: false,
  };
  // --config falls back to $XDG_CONFIG_HOME/onionshare/onionshare.json when its file is unreadable,
  // and that file's default is "bundled": so both are the lab settings.
  const file = join(xdg, 'onionshare', 'onionshare.json');
  await writeFile(file, JSON.stringify(settings, null, 2), { mode: 0o600 });
  const check = JSON.parse(await readFile(file, 'utf8')) as { connection_type?: unknown };
  if (check.connection_type !== 'socket_file' && check.connection_type !== 'control_port') throw new Error('onionshare settings would use its bundled tor');
  // --public: no client authorization, like the drop under test. --local-only is NOT used: it skips tor.
  const args = ['--receive', '--public', '--config', file, '--data-dir', dataDir, '--title', 'Bench', '--connect-timeout', '60'];
  // Through the lab's wrapSpawn: in the lab's namespace, where its tor reaches onionshare's 127.0.0.1 port.
  const plan = lab.wrapSpawn({
    command: 'onionshare-cli',
    args,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8', HOME: home, XDG_CONFIG_HOME: xdg, PYTHONUNBUFFERED: '1' },
  });
  const child: ChildProcess = spawn(plan.command, plan.args, { env: plan.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error(`onionshare-cli printed no address in 90 s:\n${out.slice(-2000)}`)), 90_000);
    const fail = (e: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(e);
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /http:\/\/([a-z2-7]{56}\.onion)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => fail(new Error(`onionshare-cli exited (${code}):\n${out.slice(-2000)}`)));
    child.once('error', fail);
  });
  return {
    pid: child.pid!,
    address,
    dataDir,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGINT'); // its Ctrl-C path removes the onion (DEL_ONION) before exiting
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
}

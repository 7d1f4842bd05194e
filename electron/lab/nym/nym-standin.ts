// A program that stands in for `nym-client` (1.1.76) in the lab: same argv (nym.md §4.1–4.3), home
// layout (§4.4), stderr log lines (§4.5), exit codes and signals (§4.8–4.9) and websocket API (§1–2),
// but it joins the loopback lab mixnet named by UNDERPASS_NYM_LAB and never the real Nym network.
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { base58Encode, formatRecipient, isEd25519Point, base58Decode } from '../../services/nym/websocket';
import { generateEd25519, generateX25519 } from './lab-keys';
import { LAB_ENV, LabConfigError, resolveLabGatewayUrl } from './lab-wire';
import { StandinCore } from './standin-core';
import {
  ConfigLoadError,
  NYM_CLIENT_VERSION,
  clientPaths,
  nymHome,
  readConfig,
  readPublicKeys,
  readState,
  writeConfig,
  writeKeysAndStores,
  writeState,
  type StandinState,
} from './standin-files';
import { GatewayLink, helloGateway } from './standin-gateway';
import { SRC, StandinLogger } from './standin-log';
import { StandinWebsocketListener } from './standin-websocket';
import { randomBytes } from 'node:crypto';

const DEFAULT_PORT = 1977; // DEFAULT_WEBSOCKET_LISTENING_PORT
const DEFAULT_HOST = '127.0.0.1';

/** clap exits 2 on usage errors; nym's own failures print "An error occurred: …" and exit 1. */
class UsageError extends Error {}
class ClientError extends Error {}

type FlagSpec = { readonly value: boolean; readonly short?: string };

const COMMON_FLAGS: Record<string, FlagSpec> = {
  '--id': { value: true },
  '--gateway': { value: true },
  '--nym-apis': { value: true },
  '--disable-socket': { value: true },
  '--port': { value: true, short: '-p' },
  '--host': { value: true },
  // hidden flags: accepted; only --no-cover changes the lab behaviour
  '--custom-mixnet': { value: true },
  '--enabled-credentials-mode': { value: true },
  '--fastmode': { value: false },
  '--no-cover': { value: false },
  '--stats-reporting-address': { value: true },
  '--forget-me': { value: false },
  '--nyxd-urls': { value: true },
};

const INIT_FLAGS: Record<string, FlagSpec> = {
  ...COMMON_FLAGS,
  '--latency-based-selection': { value: false },
  '--force-tls-gateway': { value: false },
  '--output': { value: true, short: '-o' },
  '--minimum-gateway-performance': { value: true },
};

const SUBCOMMANDS = ['init', 'run', 'ecash', 'list-gateways', 'add-gateway', 'switch-gateway', 'build-info', 'completions', 'generate-fig-spec'];

const USAGE = `Implementation of the Nym Client (Underpass lab stand-in: joins the loopback lab mixnet named by ${LAB_ENV})

Usage: nym-client [OPTIONS] <COMMAND>

Commands:
  init        Initialise a Nym client. Do this first!
  run         Run the Nym client with provided configuration client optionally overriding set parameters
  build-info  Show build information of this binary

Options:
  -c, --config-env-file <CONFIG_ENV_FILE>  Path pointing to an env file that configures the client
      --no-banner                          Flag used for disabling the printed banner in tty
  -h, --help                               Print help
  -V, --version                            Print version
`;

interface ParsedArgs {
  readonly command: string;
  readonly configEnvFile: string | undefined;
  readonly flags: Map<string, string | true>;
}

export function parseArgs(argv: ReadonlyArray<string>): ParsedArgs | 'help' | 'version' {
  let configEnvFile: string | undefined;
  let command: string | undefined;
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    const takeValue = (flag: string): string => {
      const value = inline ?? argv[++i];
      if (value === undefined || (inline === undefined && value.startsWith('-') && value.length > 1 && !/^-\d/.test(value))) {
        throw new UsageError(`a value is required for '${flag}' but none was supplied`);
      }
      return value;
    };
    if (name === '-h' || name === '--help') return 'help';
    if (name === '-V' || name === '--version') return 'version';
    if (name === '-c' || name === '--config-env-file') {
      configEnvFile = takeValue('--config-env-file <CONFIG_ENV_FILE>');
      continue;
    }
    if (name === '--no-banner') continue; // the banner is only printed on a tty anyway
    if (command === undefined) {
      if (name.startsWith('-')) throw new UsageError(`unexpected argument '${name}' found`);
      if (!SUBCOMMANDS.includes(name)) throw new UsageError(`unrecognized subcommand '${name}'`);
      command = name;
      continue;
    }
    const specs = command === 'init' ? INIT_FLAGS : command === 'run' ? COMMON_FLAGS : {};
    const long = Object.entries(specs).find(([flag, spec]) => flag === name || spec.short === name)?.[0];
    const spec = long === undefined ? undefined : specs[long];
    if (long === undefined || spec === undefined) throw new UsageError(`unexpected argument '${arg}' found`);
    flags.set(long, spec.value ? takeValue(`${long} <${long.slice(2).toUpperCase().replace(/-/g, '_')}>`) : true);
  }
  if (command === undefined) throw new UsageError("'nym-client' requires a subcommand but one was not provided");
  if ((command === 'init' || command === 'run') && !flags.has('--id')) {
    throw new UsageError(`the following required arguments were not provided:\n  --id <ID>\n\nUsage: nym-client ${command} --id <ID>`);
  }
  if (command === 'init' && flags.has('--gateway') && flags.has('--latency-based-selection')) {
    throw new UsageError("the argument '--gateway <GATEWAY>' cannot be used with '--latency-based-selection'");
  }
  return { command, configEnvFile, flags };
}

function flagString(args: ParsedArgs, flag: string): string | undefined {
  const value = args.flags.get(flag);
  return typeof value === 'string' ? value : undefined;
}

function flagBool(args: ParsedArgs, flag: string): boolean | undefined {
  const value = flagString(args, flag);
  if (value === undefined) return undefined;
  if (value !== 'true' && value !== 'false') throw new UsageError(`invalid value '${value}' for '${flag} <BOOL>'`);
  return value === 'true';
}

function flagPort(args: ParsedArgs): number | undefined {
  const value = flagString(args, '--port');
  if (value === undefined) return undefined;
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535) throw new UsageError(`invalid value '${value}' for '--port <PORT>': number too large to fit in target type`);
  return port;
}

function flagHost(args: ParsedArgs): string | undefined {
  const value = flagString(args, '--host');
  if (value !== undefined && isIP(value) === 0) throw new UsageError(`invalid value '${value}' for '--host <HOST>': invalid IP address syntax`);
  return value;
}

/** dotenvy semantics as nym's setup_env uses them: existing variables win. */
function loadEnvFile(path: string, env: NodeJS.ProcessEnv): void {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ClientError(`failed to load the config env file ${path}: ${(error as Error).message}`);
  }
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!match || match[1] === undefined) continue;
    const value = (match[2] ?? '').replace(/^"(.*)"$|^'(.*)'$/, '$1$2');
    if (env[match[1]] === undefined) env[match[1]] = value;
  }
}

// --- init ---------------------------------------------------------------------------------------------
async function init(args: ParsedArgs, env: NodeJS.ProcessEnv, log: StandinLogger): Promise<number> {
  const id = flagString(args, '--id') ?? '';
  const port = flagPort(args) ?? DEFAULT_PORT;
  const host = flagHost(args) ?? DEFAULT_HOST;
  const output = flagString(args, '--output') ?? 'text';
  if (output !== 'text' && output !== 'json') throw new UsageError(`invalid value '${output}' for '--output <OUTPUT>'`);
  const disableSocket = flagBool(args, '--disable-socket') ?? false;
  const wantedGateway = flagString(args, '--gateway');
  if (wantedGateway !== undefined) {
    let bytes: Uint8Array | null;
    try {
      bytes = base58Decode(wantedGateway);
    } catch {
      bytes = null;
    }
    if (!bytes || !isEd25519Point(bytes)) throw new UsageError(`invalid value '${wantedGateway}' for '--gateway <GATEWAY>'`);
  }

  log.plain('Initialising client...');
  const paths = clientPaths(nymHome(env), id);
  if (existsSync(paths.configFile)) {
    log.plain(`native client "${id}" was already initialised before`);
    throw new ClientError(
      `this client (id: '${id}') has already been initialised before. If you want to add additional gateway, use \`add-gateway\` command`,
    );
  }
  let url: string;
  try {
    url = resolveLabGatewayUrl(env[LAB_ENV]);
  } catch (error) {
    if (error instanceof LabConfigError) throw new ClientError(`failed to resolve a query to nym API: ${error.message}`);
    throw error;
  }
  let gateway: string;
  try {
    gateway = (await helloGateway(url)).gateway;
  } catch (error) {
    throw new ClientError(`failed to resolve a query to nym API: the lab gateway at ${url} is unreachable: ${(error as Error).message}`);
  }
  if (wantedGateway !== undefined && wantedGateway !== gateway) throw new ClientError(`no gateway with id: ${wantedGateway}`);

  const identity = generateEd25519();
  const encryption = generateX25519();
  writeKeysAndStores(paths, {
    identityPrivate: identity.privateKey,
    identityPublic: identity.publicKey,
    encryptionPrivate: encryption.privateKey,
    encryptionPublic: encryption.publicKey,
    ackKey: new Uint8Array(randomBytes(16)),
  });
  const registeredAt = new Date().toISOString();
  writeState(paths, { gateway: { identity: gateway, listener: url, registeredAt }, senderTags: {} });
  writeConfig(paths, { version: NYM_CLIENT_VERSION, id, socketType: disableSocket ? 'None' : 'WebSocket', host, port });
  log.plain(`Saved configuration file to ${paths.configFile}`);

  const recipient = { identity: identity.publicKey, encryption: encryption.publicKey, gateway: base58Decode(gateway) };
  const address = formatRecipient(recipient);
  if (output === 'json') {
    process.stdout.write(
      `${JSON.stringify({
        version: NYM_CLIENT_VERSION,
        id,
        identity_key: base58Encode(identity.publicKey),
        encryption_key: base58Encode(encryption.publicKey),
        gateway_id: gateway,
        gateway_listener: url,
        fallback_listener: null,
        gateway_registration: registeredAt,
        // nym serialises the Recipient itself here: 96 numbers. Use client_address (nym.md §4.2).
        address: [...recipient.identity, ...recipient.encryption, ...recipient.gateway],
        client_listening_port: port,
        client_address: address,
      })}\n`,
    );
  } else {
    process.stdout.write(
      [
        `Version: ${NYM_CLIENT_VERSION}`,
        `ID: ${id}`,
        `Identity key: ${base58Encode(identity.publicKey)}`,
        `Encryption: ${base58Encode(encryption.publicKey)}`,
        `Gateway ID: ${gateway}`,
        `Gateway: ${url}`,
        `Registered at: ${registeredAt}`,
        `Client listening port: ${port}`,
        `Address of this client: ${address}`,
        '',
      ].join('\n'),
    );
  }
  return 0;
}

// --- run ----------------------------------------------------------------------------------------------
/** Resolves with the exit code once the client has stopped. */
async function run(args: ParsedArgs, env: NodeJS.ProcessEnv, log: StandinLogger): Promise<number> {
  const id = flagString(args, '--id') ?? '';
  const portOverride = flagPort(args);
  const hostOverride = flagHost(args);
  const disableSocket = flagBool(args, '--disable-socket');
  const noCover = args.flags.has('--no-cover');

  log.plain(`Starting client ${id}...`);
  const paths = clientPaths(nymHome(env), id);
  let config: ReturnType<typeof readConfig>;
  let state: StandinState;
  let keys: ReturnType<typeof readPublicKeys>;
  try {
    config = readConfig(paths);
    state = readState(paths);
    keys = readPublicKeys(paths);
  } catch (error) {
    const detail = error instanceof ConfigLoadError || error instanceof Error ? error.message : String(error);
    log.error(SRC.cliRun, `Failed to load config for ${id}. Are you sure you have run \`init\` before? (Error was: ${detail})`);
    throw new ClientError(`Failed to load config for: ${id}`);
  }
  if (disableSocket === true || config.socketType !== 'WebSocket') {
    throw new ClientError('Attempted to start the client in invalid socket mode');
  }
  const host = hostOverride ?? config.host;
  const port = portOverride ?? config.port;

  log.info(SRC.baseClient, 'Starting nym client');
  log.info(SRC.baseClient, 'Starting statistics control...');
  log.info(SRC.baseClient, 'Obtaining initial network topology');
  let url: string;
  try {
    url = resolveLabGatewayUrl(env[LAB_ENV]);
  } catch (error) {
    if (error instanceof LabConfigError) throw new ClientError(`failed to resolve a query to nym API: ${error.message}`);
    throw error;
  }
  log.info(SRC.baseClient, 'Starting topology refresher...');

  const link = new GatewayLink(url, base58Encode(keys.identity), base58Encode(keys.encryption));
  let registration: Awaited<ReturnType<GatewayLink['connect']>>;
  try {
    registration = await link.connect();
  } catch (error) {
    const detail = (error as Error).message;
    log.error(SRC.gatewayClient, `Could not authenticate and start up the gateway connection - connection failed: ${detail}`);
    throw new ClientError(`gateway client error (${state.gateway.identity}): ${detail}`);
  }
  if (registration.gatewayIdentity !== state.gateway.identity) {
    link.close();
    const message = `the gateway we're supposedly connected to does not exist. We'll not be able to send any packets to ourselves: ${state.gateway.identity}`;
    log.error(SRC.baseClient, message);
    throw new ClientError(message);
  }
  if (state.gateway.listener !== url) {
    state.gateway.listener = url; // the lab moved (new port); the identity is what matters
    writeState(paths, state);
  }

  log.info(SRC.baseClient, 'Starting received messages buffer controller...');
  log.info(SRC.baseClient, 'Starting mix traffic controller...');
  log.info(SRC.baseClient, 'Starting real traffic stream...');
  if (!noCover) log.info(SRC.baseClient, 'Starting loop cover traffic stream...');

  return new Promise<number>((resolve) => {
    let shuttingDown = false;
    // Declared before use by the core's callbacks; assigned right below.
    let listener: StandinWebsocketListener | null = null;
    const core = new StandinCore({
      identity: keys.identity,
      encryption: keys.encryption,
      registration,
      link,
      noCover,
      log,
      senderTags: state.senderTags,
      persistSenderTags: () => writeState(paths, state),
      deliver: (message) => listener?.push(message),
      onGatewayDead: () => shutdown(false),
    });
    listener = new StandinWebsocketListener(host, port, core, log);

    function shutdown(bySignal: boolean): void {
      if (shuttingDown) return;
      shuttingDown = true;
      if (bySignal) log.info(SRC.shutdown, 'sending cancellation after receiving shutdown signal');
      log.info(SRC.shutdown, 'waiting for tasks to finish... (press ctrl-c to force)');
      core.stop();
      listener?.close();
      // Give in-flight socket writes a moment, as the real task manager does (bounded by 10 s there).
      setTimeout(() => {
        log.info(SRC.shutdown, 'all tracked tasks successfully shutdown');
        log.info(SRC.nativeClient, 'Stopping nym-client');
        resolve(0);
      }, 50);
    }

    // ShutdownManager::default() listens for SIGINT only; SIGTERM keeps its default (death).
    process.on('SIGINT', () => {
      if (shuttingDown) {
        log.info(SRC.shutdown, 'forcing shutdown');
        resolve(0);
        return;
      }
      shutdown(true);
    });

    log.info(SRC.nativeClient, 'Starting websocket listener...');
    log.info(SRC.listener, `Running websocket on "${host}:${port}"`);
    // The bind happens in a spawned task in nym, so its failure can follow "startup finished".
    listener.listen().catch((error: Error) => {
      log.error(SRC.listener, error.message);
      shuttingDown = true;
      core.stop();
      resolve(1);
    });
    core.start();
    log.info(SRC.nativeClient, 'Client startup finished!');
    log.info(SRC.nativeClient, `The address of this client is: ${core.address}`);
  });
}

function buildInfo(): number {
  process.stdout.write(
    [
      `Binary Name:        nym-client`,
      `Build Version:      ${NYM_CLIENT_VERSION}`,
      `Build Profile:      underpass-lab-standin`,
      `Stand-in For:       nym-client ${NYM_CLIENT_VERSION} (lab mixnet only, via ${LAB_ENV})`,
      '',
    ].join('\n'),
  );
  return 0;
}

export async function main(argv: ReadonlyArray<string>, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const log = new StandinLogger(env);
  try {
    const args = parseArgs(argv);
    if (args === 'help') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (args === 'version') {
      process.stdout.write(`nym-client ${NYM_CLIENT_VERSION}\n`);
      return 0;
    }
    if (args.configEnvFile) loadEnvFile(args.configEnvFile, env);
    switch (args.command) {
      case 'init':
        return await init(args, env, log);
      case 'run':
        return await run(args, env, log);
      case 'build-info':
        return buildInfo();
      default:
        throw new ClientError(`'${args.command}' is not supported by the Underpass lab stand-in`);
    }
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`error: ${error.message}\n\nFor more information, try '--help'.\n`);
      return 2;
    }
    // main.rs: the fatal error goes to stdout, then exit code 1.
    const message = error instanceof Error ? error.message : String(error);
    process.stdout.write(`An error occurred: ${message}\n`);
    return 1;
  }
}

/** Program entry used by nym-client-standin.mjs. */
export async function runStandin(argv: ReadonlyArray<string>): Promise<never> {
  const code = await main(argv);
  process.exit(code);
}

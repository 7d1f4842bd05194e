// nym-client process knowledge: argv, init output, log lines, exit meanings and traffic settings.
import { describe, expect, it } from 'vitest';
import {
  classifyNymLine,
  describeNymExit,
  droppedReplyTag,
  fatalError,
  gatewaySignal,
  initArgs,
  nymEnv,
  parseHumantime,
  parseInitOutput,
  readTomlValues,
  runArgs,
  trafficFromValues,
} from './nym-process';

const ADDR =
  'CytBseW6yFXUMzz4SGAKdNLGR7q3sJLLYxyBGvutNEQV.4QXYyEVc5fUDjmmi8PrHN9tdUFV4PCvSJE1278cHyvoe@4sBbL1ngf1vtNqykydQKTFh26sQCw888GpUqvPvyNB4f';

describe('nym-client argv and env', () => {
  it('binds init and run to loopback with the given port, json output for init', () => {
    expect(initArgs('underpass-ab', 41000)).toEqual(['init', '--id', 'underpass-ab', '--host', '127.0.0.1', '--port', '41000', '--output', 'json']);
    expect(runArgs('underpass-ab', 41001)).toEqual(['run', '--id', 'underpass-ab', '--host', '127.0.0.1', '--port', '41001']);
  });

  it('isolates the home, turns colours off and keeps recipient-naming info logs out of real mode', () => {
    expect(nymEnv('/d/nym/home', false)).toMatchObject({ NYM_HOME_DIR: '/d/nym/home', NO_COLOR: '1', RUST_LOG: 'warn' });
    expect(nymEnv('/d/nym/home', true, { UNDERPASS_NYM_LAB: '/l.json' })).toMatchObject({ RUST_LOG: 'info', UNDERPASS_NYM_LAB: '/l.json' });
  });
});

describe('init output', () => {
  it('takes client_address (not the 96-number address array)', () => {
    const out = `${JSON.stringify({ version: '1.1.76', id: 'x', address: [1, 2], client_address: ADDR, gateway_id: 'G' })}\n`;
    expect(parseInitOutput(out)).toEqual({ address: ADDR, gateway: 'G' });
  });

  it('reports the fatal line when there is no JSON', () => {
    expect(() => parseInitOutput('An error occurred: failed to resolve a query to nym API: boom\n')).toThrow(/failed to resolve a query to nym API: boom/);
    expect(fatalError('\x1b[31mAn error occurred: Failed to load config for: x\x1b[0m')).toBe('Failed to load config for: x');
  });
});

describe('log lines', () => {
  it('strips ANSI and the timestamp and maps the level', () => {
    expect(classifyNymLine('stderr', '\x1b[2m2026-05-16T10:00:00.000Z\x1b[0m \x1b[33m WARN\x1b[0m client/mod.rs:1: something odd')).toEqual({
      level: 'warn',
      text: 'client/mod.rs:1: something odd',
    });
    expect(classifyNymLine('stderr', '2026-05-16T10:00:00Z  INFO x.rs:2: Client startup finished!').level).toBe('info');
    expect(classifyNymLine('stdout', 'An error occurred: nope')).toEqual({ level: 'error', text: 'An error occurred: nope' });
  });

  it('recognises the gateway-loss sequence and dropped replies', () => {
    expect(gatewaySignal('Attempting gateway reconnection...')).toBe('reconnecting');
    expect(gatewaySignal('managed to reconnect!')).toBe('reconnected');
    expect(gatewaySignal('Failed to send sphinx packet to the gateway 20 times in a row - assuming the gateway is dead')).toBe('dead');
    expect(gatewaySignal('Client startup finished!')).toBeNull();
    expect(droppedReplyTag("received reply request for 6CzGHguLGCk1f416kwDZB7 but we don't have any surbs stored for that recipient!")).toBe(
      '6CzGHguLGCk1f416kwDZB7',
    );
  });
});

describe('exits', () => {
  it('treats an unasked exit 0 as gateway loss, not a clean stop', () => {
    const e = describeNymExit(0, null, { sawGatewayDead: true, fatal: null });
    expect(e.code).toBe('NYM_FAILED');
    expect(e.message).toMatch(/lost its gateway/);
    expect(e.details).toMatchObject({ reason: 'gateway-lost' });
    expect(describeNymExit(0, null, { sawGatewayDead: false, fatal: null }).message).toMatch(/loses its gateway/);
  });

  it('keeps the fatal message for exit 1 and names the signal for kills', () => {
    expect(describeNymExit(1, null, { sawGatewayDead: false, fatal: 'gateway client error (G): refused' }).message).toBe(
      'nym-client failed: gateway client error (G): refused',
    );
    expect(describeNymExit(null, 'SIGKILL', { sawGatewayDead: false, fatal: null })).toMatchObject({ code: 'PROCESS_EXITED' });
  });
});

describe('traffic settings', () => {
  it('parses humantime durations', () => {
    expect(parseHumantime('20ms')).toBe(20);
    expect(parseHumantime('1s 500ms')).toBe(1500);
    expect(parseHumantime('500us')).toBe(0.5);
    expect(parseHumantime('soon')).toBeNull();
  });

  it('reads [debug.traffic] and [debug.cover_traffic] from config.toml', () => {
    const toml = `[client]\nid = 'x'\n\n[debug.traffic]\naverage_packet_delay = '50ms'\nmessage_sending_average_delay = '40ms'\n\n[debug.cover_traffic]\nloop_cover_traffic_average_delay = '1s'\n`;
    expect(trafficFromValues(readTomlValues(toml))).toEqual({
      source: 'config',
      messageSendingAverageDelayMs: 40,
      loopCoverAverageDelayMs: 1000,
      averagePacketDelayMs: 50,
      coverTrafficEnabled: true,
      sendingPacketsPerSecond: 25,
      coverPacketsPerSecond: 1,
    });
  });

  it("falls back to nym's defaults and honours a disabled cover stream", () => {
    expect(trafficFromValues(readTomlValues("[client]\nid = 'x'\n"))).toMatchObject({ source: 'default', sendingPacketsPerSecond: 50, coverPacketsPerSecond: 5, averagePacketDelayMs: 15 });
    expect(trafficFromValues(readTomlValues('[debug.cover_traffic]\ndisable_loop_cover_traffic_stream = true\n'))).toMatchObject({
      coverTrafficEnabled: false,
      coverPacketsPerSecond: 0,
    });
  });
});

// Bootstrap diagnosis from realistic event sequences: the __fixtures__/*.jsonl transcripts were
// captured from the bundled tor on the lab (closed bridge port, wrong obfs4 cert, unreachable
// authority, a good obfs4 bridge); clock skew uses tor's own message formats.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BootstrapObserver, type DiagnosisContext } from './diagnosis';
import type { TorEvent } from '../tor/control';

const T0 = 1_000_000;
function replay(file: string, ctx: DiagnosisContext, untilMs = Infinity): BootstrapObserver {
  const o = new BootstrapObserver(T0, ctx);
  for (const line of readFileSync(new URL(`./__fixtures__/${file}`, import.meta.url), 'utf8').split('\n')) {
    if (!line.trim()) continue;
    const { t, e } = JSON.parse(line) as { t: number; e: TorEvent };
    if (t > untilMs) break;
    o.observe(e, T0 + t);
  }
  return o;
}
const OBFS4 = { usingBridges: true, pluggable: true };
const DIRECT = { usingBridges: false, pluggable: false };

describe('diagnosis from captured lab transcripts', () => {
  it('a closed bridge port: "the bridge\'s port is closed"', () => {
    const o = replay('closed-bridge-port.jsonl', OBFS4);
    const d = o.diagnose(T0 + 30_000, { stallMs: 20_000 });
    expect(d.cause).toBe('bridge-port-closed');
    expect(d.title).toMatch(/bridge's port is closed \(127\.0\.0\.1:1\)/);
    expect(d.params).toEqual({ bridge: '127.0.0.1:1', clockSkewS: null, stalledS: null });
    expect(d.suggestBridge).toBe(true);
    expect(d.evidence.join('\n')).toMatch(/general SOCKS server failure to 127\.0\.0\.1:1 after \d+ ms/);
  });

  it('a closed bridge port is reported after three quick failures, before any stall', () => {
    const o = replay('closed-bridge-port.jsonl', OBFS4, 6_000);
    const d = o.diagnose(T0 + 6_000, { stallMs: 60_000 });
    expect(d.stalled).toBe(false);
    expect(d.cause).toBe('bridge-port-closed');
  });

  it('a wrong obfs4 cert: silent until the stall, then "handshake failed"', () => {
    const early = replay('wrong-cert.jsonl', OBFS4, 5_000).diagnose(T0 + 5_000, { stallMs: 15_000 });
    expect(early.cause).toBe('none');
    const stalled = replay('wrong-cert.jsonl', OBFS4, 20_000).diagnose(T0 + 20_000, { stallMs: 15_000 });
    expect(stalled).toMatchObject({ cause: 'bridge-handshake-failed', stalled: true, tag: 'conn_done_pt', progress: 2 });
    expect(stalled.nextStep).toMatch(/cert=/);
    // The PT gives up ~40 s later; that slow failure still reads as a handshake failure, not a closed port.
    const late = replay('wrong-cert.jsonl', OBFS4).diagnose(T0 + 45_000, { stallMs: 15_000 });
    expect(late.cause).toBe('bridge-handshake-failed');
  });

  it('unreachable directory authorities without bridges: "directory connections are blocked: try snowflake"', () => {
    const o = replay('authorities-unreachable.jsonl', DIRECT);
    const d = o.diagnose(T0 + 30_000, { stallMs: 20_000 });
    expect(d.cause).toBe('directory-blocked');
    expect(d.title).toMatch(/Directory connections are blocked/);
    expect(d.nextStep).toMatch(/snowflake/);
    expect(d.suggestBridge).toBe(true);
    expect(d.evidence.join('\n')).toMatch(/CONNECTREFUSED/);
  });

  it('a good obfs4 bridge ends in "none"', () => {
    const o = replay('obfs4-bridge-ok.jsonl', OBFS4);
    expect(o.progress).toBe(100);
    expect(o.diagnose(T0 + 60_000, { stallMs: 1 }).cause).toBe('none');
  });
});

describe('rules', () => {
  const ev = (e: TorEvent, o: BootstrapObserver, at: number) => o.observe(e, T0 + at);
  const phase = (progress: number, tag: string, extra: Record<string, string> = {}): TorEvent => ({
    type: 'STATUS_CLIENT',
    severity: extra.WARNING ? 'WARN' : 'NOTICE',
    action: 'BOOTSTRAP',
    args: { PROGRESS: String(progress), TAG: tag, SUMMARY: tag, ...extra },
    bootstrap: { severity: extra.WARNING ? 'WARN' : 'NOTICE', progress, tag, summary: tag, ...(extra.WARNING ? { warning: extra.WARNING, reason: extra.REASON, hostAddr: extra.HOSTADDR, count: 1 } : {}) },
  });

  it('clock skew from STATUS_GENERAL: "your clock is 2 hours behind"', () => {
    const o = new BootstrapObserver(T0, DIRECT);
    ev(phase(10, 'conn_done'), o, 100);
    ev({ type: 'STATUS_GENERAL', severity: 'WARN', action: 'CLOCK_SKEW', args: { SKEW: '-7203', SOURCE: 'OR:127.0.0.1:5000' } }, o, 200);
    const d = o.diagnose(T0 + 1000, { stallMs: 20_000 });
    expect(d.cause).toBe('clock-skew');
    expect(d.title).toBe("Your computer's clock is 2 hours behind.");
    expect(d.params).toEqual({ bridge: null, clockSkewS: -7203, stalledS: null });
    expect(d.suggestBridge).toBe(false);
  });

  it('clock skew from the WARN line: ours is the first direction named', () => {
    const o = new BootstrapObserver(T0, DIRECT);
    ev({ type: 'WARN', message: 'Received NETINFO cell with skewed time (OR:127.0.0.1:5000): It seems that our clock is ahead by 3 hours, 10 minutes, or that theirs is behind. Tor requires an accurate clock to work: please check your time, timezone, and date settings.' }, o, 10);
    expect(o.diagnose(T0 + 100, { stallMs: 20_000 }).title).toBe("Your computer's clock is 3 hours 10 minutes ahead.");
  });

  it('clock skew from the consensus notice', () => {
    const o = new BootstrapObserver(T0, DIRECT);
    ev({ type: 'NOTICE', message: 'Our clock is 1 days, 2 hours behind the time published in the consensus network status document (2026-11-26 00:00:00 UTC).  Tor needs an accurate clock to work correctly. Please check your time and date settings!' }, o, 10);
    expect(o.diagnose(T0 + 100, { stallMs: 20_000 }).cause).toBe('clock-skew');
  });

  it('small skews are ignored', () => {
    const o = new BootstrapObserver(T0, DIRECT);
    ev({ type: 'STATUS_GENERAL', severity: 'WARN', action: 'CLOCK_SKEW', args: { SKEW: '120', SOURCE: 'OR:x' } }, o, 10);
    expect(o.diagnose(T0 + 100, { stallMs: 20_000 }).cause).toBe('none');
  });

  it('a vanilla bridge timing out: "does not answer"', () => {
    const o = new BootstrapObserver(T0, { usingBridges: true, pluggable: false });
    for (let i = 0; i < 3; i++) ev(phase(5, 'conn', { WARNING: 'Connection timed out', REASON: 'TIMEOUT', HOSTADDR: '192.0.2.1:443' }), o, 1000 * i);
    const d = o.diagnose(T0 + 3000, { stallMs: 20_000 });
    expect(d.cause).toBe('bridge-timeout');
    expect(d.title).toMatch(/192\.0\.2\.1:443/);
  });

  it('a missing transport program', () => {
    const o = new BootstrapObserver(T0, OBFS4);
    ev({ type: 'WARN', message: "We were supposed to connect to bridge '127.0.0.1:5' using pluggable transport 'obfs4', but we can't find a pluggable transport proxy supporting 'obfs4'. This can happen if you haven't provided a ClientTransportPlugin line, or if your pluggable transport proxy stopped running." }, o, 10);
    expect(o.diagnose(T0 + 100, { stallMs: 20_000 }).cause).toBe('transport-missing');
  });

  it('stall detection: no progress for stallMs, and progress resets it', () => {
    const o = new BootstrapObserver(T0, DIRECT);
    ev(phase(50, 'loading_descriptors'), o, 1000);
    expect(o.diagnose(T0 + 10_000, { stallMs: 10_000 }).stalled).toBe(false);
    const d = o.diagnose(T0 + 11_001, { stallMs: 10_000 });
    expect(d).toMatchObject({ stalled: true, cause: 'stalled', suggestBridge: true, params: { stalledS: 10 } });
    ev(phase(75, 'enough_dirinfo'), o, 11_500);
    expect(o.diagnose(T0 + 12_000, { stallMs: 10_000 }).stalled).toBe(false);
  });

  it('relays unreachable after the consensus arrived', () => {
    const o = new BootstrapObserver(T0, DIRECT);
    ev(phase(75, 'enough_dirinfo'), o, 0);
    for (let i = 0; i < 3; i++) ev({ type: 'ORCONN', target: '$AA', relay: undefined, address: '192.0.2.7', port: 9001, status: 'FAILED', reason: 'TIMEOUT' }, o, 100 * i);
    expect(o.diagnose(T0 + 1000, { stallMs: 20_000 }).cause).toBe('relays-unreachable');
  });
});

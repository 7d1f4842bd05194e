// Pure bootstrap diagnosis: folds tor's control events (bootstrap phase/tag, STATUS_CLIENT/GENERAL
// warnings, ORCONN failures, WARN log lines, clock skew) into an observation and maps it to a
// plain-language cause and next step. Time is passed in; nothing here does I/O or looks anything up.
import type { Diagnosis, DiagnosisCause } from '../../../shared/domain/bridges';
import type { TorEvent } from '../tor/control';

export interface DiagnosisContext {
  usingBridges: boolean;
  /** The bridges use a pluggable transport (obfs4, webtunnel…): failures then arrive as the PT's SOCKS errors. */
  pluggable: boolean;
}

export interface DiagnosisOptions {
  /** No bootstrap progress for this long counts as a stall. */
  stallMs: number;
  /** Evidence-based causes are reported once there are this many failures (or a stall). */
  minFailures?: number;
}

interface Failure {
  at: number;
  reason: string;
  /** Address:port when tor named it. */
  addr: string | null;
  /** For pluggable transports: ms from the connection's launch to the PT's failure. */
  afterMs: number | null;
  source: 'orconn' | 'bootstrap' | 'pt';
}

/** A PT that fails this fast was refused (nothing listens); a slow failure means the handshake never completed. */
const QUICK_PT_FAILURE_MS = 3000;
/** Skew under this is tolerated by tor; above it consensus validation starts failing. */
const CLOCK_SKEW_REPORT_S = 30 * 60;
const REFUSED = new Set(['CONNECTREFUSED']);
const UNREACHABLE = new Set(['TIMEOUT', 'NOROUTE', 'RESOURCELIMIT']);
const HANDSHAKE = new Set(['IOERROR', 'DONE', 'MISC', 'IDENTITY', 'TLS_ERROR']);

export class BootstrapObserver {
  progress = 0;
  tag = 'starting';
  summary = 'Starting tor';
  lastProgressAt: number;
  readonly startedAt: number;
  private readonly launched = new Map<string, number>();
  private readonly failures: Failure[] = [];
  private clockSkewS: number | null = null;
  private clockSource: string | null = null;
  private transportProblem: string | null = null;
  private networkDown = false;
  private readonly warnings: string[] = [];

  constructor(
    now: number,
    readonly context: DiagnosisContext,
  ) {
    this.startedAt = now;
    this.lastProgressAt = now;
  }

  /** Seeds the phase from GETINFO status/bootstrap-phase when attaching to a running tor. */
  setPhase(progress: number, tag: string, summary: string, now: number): void {
    if (progress !== this.progress) this.lastProgressAt = now;
    this.progress = progress;
    this.tag = tag;
    this.summary = summary;
  }

  observe(e: TorEvent, now: number): void {
    switch (e.type) {
      case 'STATUS_CLIENT': {
        const b = e.bootstrap;
        if (b) {
          this.setPhase(b.progress, b.tag, b.summary, now);
          if (b.warning) this.failures.push({ at: now, reason: b.reason ?? 'MISC', addr: b.hostAddr ?? null, afterMs: null, source: 'bootstrap' });
          if (b.reason === 'CLOCK_SKEW') this.noteSkew(b.warning ?? '', null);
        }
        break;
      }
      case 'STATUS_GENERAL':
        if (e.action === 'CLOCK_SKEW' && e.args.SKEW !== undefined) {
          const skew = Number(e.args.SKEW);
          if (Number.isFinite(skew)) {
            this.clockSkewS = skew;
            this.clockSource = e.args.SOURCE ?? null;
          }
        }
        break;
      case 'ORCONN': {
        const key = e.relay?.fingerprint ?? e.target;
        if (e.status === 'LAUNCHED') this.launched.set(key, now);
        if (e.status === 'FAILED') this.failures.push({ at: now, reason: e.reason ?? 'MISC', addr: e.address && e.port ? `${e.address}:${e.port}` : null, afterMs: null, source: 'orconn' });
        break;
      }
      case 'WARN':
      case 'ERR':
        this.noteWarning(e.message, now);
        break;
      case 'NOTICE':
        // "Our clock is 2 hours, 0 minutes behind the time published in the consensus …"
        if (/clock is .*(behind|ahead)/i.test(e.message)) this.noteSkew(e.message, 'consensus');
        break;
      case 'NETWORK_LIVENESS':
        this.networkDown = e.status === 'DOWN';
        break;
      default:
        break;
    }
  }

  private noteWarning(message: string, now: number): void {
    this.warnings.push(message);
    if (this.warnings.length > 20) this.warnings.shift();
    // "Proxy Client: unable to connect OR connection (handshaking (proxy)) with 127.0.0.1:1 ID=<none> RSA_ID=<FPR> ("general SOCKS server failure")"
    const pt = /Proxy Client: unable to connect .*? with (\S+) .*?RSA_ID=([0-9A-F]{40}).*?\("([^"]*)"\)/.exec(message);
    if (pt) {
      const launchedAt = this.launched.get(pt[2] as string);
      this.failures.push({ at: now, reason: pt[3] ?? 'SOCKS failure', addr: pt[1] ?? null, afterMs: launchedAt === undefined ? null : now - launchedAt, source: 'pt' });
      return;
    }
    if (/can't find a pluggable transport proxy|Could not launch managed proxy|Managed proxy .* (failed|exited)|pluggable transport proxy .* (exited|terminated)/i.test(message)) {
      this.transportProblem = message;
      return;
    }
    if (/clock/i.test(message) && /(behind|ahead|skew)/i.test(message)) this.noteSkew(message, null);
  }

  private noteSkew(text: string, source: string | null): void {
    // "Clock skew -7200 in NETINFO cell from OR"
    const n = /skew (-?\d+)/i.exec(text);
    if (n) {
      this.clockSkewS = Number(n[1]);
      this.clockSource = source ?? this.clockSource;
      return;
    }
    // "… clock is behind by 2 hours, 0 minutes …" / "Our clock is 3 hours, 5 minutes ahead of …"
    const hm = /(\d+) hours?,? (\d+) minutes?/i.exec(text) ?? /(\d+) hours?()/i.exec(text);
    const days = /(\d+) days?/i.exec(text);
    if (hm || days) {
      const s = Number(days?.[1] ?? 0) * 86400 + Number(hm?.[1] ?? 0) * 3600 + Number(hm?.[2] || 0) * 60;
      // "It seems that our clock is ahead by 2 hours, 0 minutes, or that theirs is behind": ours comes first.
      const dir = /clock is (?:\S+ )?(ahead|behind)/i.exec(text)?.[1] ?? (/behind/i.test(text) ? 'behind' : 'ahead');
      this.clockSkewS = dir.toLowerCase() === 'behind' ? -s : s;
      this.clockSource = source ?? this.clockSource;
    }
  }

  diagnose(now: number, opts: DiagnosisOptions): Diagnosis {
    const stalledFor = now - this.lastProgressAt;
    const stalled = this.progress < 100 && stalledFor >= opts.stallMs;
    const base = { stalled, progress: this.progress, tag: this.tag, at: now };
    const make = (cause: DiagnosisCause, title: string, nextStep: string, evidence: string[], suggestBridge: boolean, params: Partial<Diagnosis['params']> = {}): Diagnosis => ({
      ...base,
      cause,
      title,
      nextStep,
      params: { bridge: null, clockSkewS: null, stalledS: null, ...params },
      evidence: [`tor is at ${this.progress}% (${this.tag}: ${this.summary})${stalled ? `, no progress for ${Math.round(stalledFor / 1000)} s` : ''}`, ...evidence],
      suggestBridge,
    });
    if (this.progress >= 100) return { ...make('none', 'Connected.', 'Nothing to do.', [], false), evidence: [] };

    if (this.clockSkewS !== null && Math.abs(this.clockSkewS) >= CLOCK_SKEW_REPORT_S) {
      const d = describeSkew(this.clockSkewS);
      return make('clock-skew', `Your computer's clock is ${d}.`, "Set your computer's date, time and time zone correctly, then reconnect; tor rejects the network's signed documents when the clock is this far off.", [`clock skew ${this.clockSkewS} s${this.clockSource ? ` (from ${this.clockSource})` : ''}`], false, { clockSkewS: this.clockSkewS });
    }
    if (this.transportProblem) {
      return make('transport-missing', 'The bridge program (pluggable transport) could not run.', 'Choose another bridge type; if it keeps failing, reinstall Underpass.', [this.transportProblem], false);
    }

    const failures = this.failures;
    const enough = stalled || failures.length >= (opts.minFailures ?? 3);
    const last = failures[failures.length - 1];
    const where = last?.addr ? ` (${last.addr})` : '';
    const bridge = { bridge: last?.addr ?? null };
    const evidence = failures.slice(-3).map((f) => `${f.source} failure: ${f.reason}${f.addr ? ` to ${f.addr}` : ''}${f.afterMs !== null ? ` after ${f.afterMs} ms` : ''}`);

    if (this.context.usingBridges) {
      if (enough && last) {
        const quickPt = failures.filter((f) => f.source === 'pt' && f.afterMs !== null && f.afterMs < QUICK_PT_FAILURE_MS).length;
        const slowPt = failures.filter((f) => f.source === 'pt' && (f.afterMs === null || f.afterMs >= QUICK_PT_FAILURE_MS)).length;
        if (failures.some((f) => REFUSED.has(f.reason)) || (quickPt > 0 && quickPt >= slowPt)) {
          return make('bridge-port-closed', `The bridge's port is closed${where}: nothing answers there.`, 'The bridge is offline or its address or port is wrong: check the line, or pick another bridge (try the built-in ones or snowflake).', evidence, true, bridge);
        }
        if (slowPt > 0 || failures.some((f) => HANDSHAKE.has(f.reason))) {
          return make('bridge-handshake-failed', `The bridge${where} accepted the connection but the handshake failed.`, 'Its cert= (or other arguments) is probably wrong or out of date: get a fresh line for this bridge, or pick another one.', evidence, true, bridge);
        }
        if (failures.some((f) => UNREACHABLE.has(f.reason))) {
          return make('bridge-timeout', `The bridge${where} does not answer: the connection times out.`, 'The bridge may be blocked or offline: try another bridge, or snowflake or meek, which are harder to block.', evidence, true, bridge);
        }
      }
      if (stalled && this.context.pluggable && (this.tag === 'conn_done_pt' || this.tag === 'handshake' || this.tag === 'conn_done')) {
        return make('bridge-handshake-failed', 'The bridge accepts connections but never completes the handshake.', "Its cert= is probably wrong or the bridge doesn't run this transport: get a fresh line for this bridge, or pick another one.", evidence, true);
      }
      if (stalled && (this.tag === 'conn_pt' || this.tag === 'conn' || this.tag === 'starting')) {
        return make('bridge-timeout', 'The bridge does not answer.', 'The bridge may be blocked or offline: try another bridge, or snowflake or meek, which are harder to block.', evidence, true);
      }
    } else {
      if (this.networkDown && stalled) {
        return make('no-network', 'Your computer seems to be offline.', 'Check your network connection (Wi-Fi, cable, captive portal), then reconnect.', ['tor reports the network as down', ...evidence], false);
      }
      if (enough && last && (failures.some((f) => REFUSED.has(f.reason) || UNREACHABLE.has(f.reason) || HANDSHAKE.has(f.reason)) || stalled)) {
        if (this.progress < 25) {
          return make('directory-blocked', 'Directory connections are blocked: tor cannot reach any directory server to download the list of relays.', 'Your network probably blocks Tor. Use a bridge: try snowflake, or obfs4 if that fails.', evidence, true);
        }
        return make('relays-unreachable', 'Tor has the list of relays but cannot connect to them.', 'Your network probably blocks connections to Tor relays. Use a bridge (obfs4 or snowflake).', evidence, true);
      }
    }
    if (stalled) {
      return make('stalled', `Tor has made no progress for ${Math.round(stalledFor / 1000)} seconds.`, this.context.usingBridges ? 'Try another bridge or bridge type.' : 'If this continues, your network may be blocking Tor: use a bridge.', evidence, !this.context.usingBridges, { stalledS: Math.round(stalledFor / 1000) });
    }
    return { ...make('none', 'Connecting…', 'Wait a moment.', [], false), evidence: [] };
  }
}

function describeSkew(s: number): string {
  const abs = Math.abs(s);
  const hours = Math.floor(abs / 3600);
  const minutes = Math.round((abs % 3600) / 60);
  const amount = hours >= 48 ? `${Math.round(hours / 24)} days` : hours > 0 ? `${hours} hour${hours === 1 ? '' : 's'}${minutes ? ` ${minutes} minutes` : ''}` : `${minutes} minutes`;
  return `${amount} ${s < 0 ? 'behind' : 'ahead'}`;
}

// GETINFO status/bootstrap-phase value and STATUS_CLIENT BOOTSTRAP arguments → BootstrapPhase
// (control-spec §3.9 "status/bootstrap-phase", §4.1.10 BOOTSTRAP). Pure; events.ts reuses it.
//
//   250-status/bootstrap-phase=NOTICE BOOTSTRAP PROGRESS=100 TAG=done SUMMARY="Done"
//   250 OK
import { TorProtocolError } from '../errors';
import { splitArgs } from '../keywords';
import { optionalInt, toInt } from './common';

export interface BootstrapPhase {
  // NOTICE for progress, WARN for a bootstrap problem (§4.1.10).
  severity: string;
  progress: number;
  tag: string;
  summary: string;
  // The rest only on problems (WARN).
  warning?: string;
  reason?: string;
  count?: number;
  recommendation?: string;
  // §4.1.10 says HOST=; tor has written HOSTID= since 0.3.x. Either lands here.
  host?: string;
  hostAddr?: string;
}

export function bootstrapFromKeywords(severity: string, kw: Record<string, string>): BootstrapPhase {
  const progress = kw.PROGRESS;
  if (progress === undefined) throw new TorProtocolError('BOOTSTRAP status without PROGRESS');
  return {
    severity,
    progress: toInt(progress, 'PROGRESS'),
    tag: kw.TAG ?? '',
    summary: kw.SUMMARY ?? '',
    warning: kw.WARNING,
    reason: kw.REASON,
    count: optionalInt(kw.COUNT, 'COUNT'),
    recommendation: kw.RECOMMENDATION,
    host: kw.HOSTID ?? kw.HOST,
    hostAddr: kw.HOSTADDR,
  };
}

export function parseBootstrapPhase(value: string): BootstrapPhase {
  const args = splitArgs(value);
  const [severity, action] = args.positional;
  if (severity === undefined || action !== 'BOOTSTRAP') {
    throw new TorProtocolError(`status/bootstrap-phase is not "<SEVERITY> BOOTSTRAP …": ${JSON.stringify(value.slice(0, 80))}`);
  }
  return bootstrapFromKeywords(severity, args.keywords);
}

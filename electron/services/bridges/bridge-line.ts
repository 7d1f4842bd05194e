// Pure bridge-line parser/validator: one or many lines (with or without the `Bridge ` prefix) into
// canonical Bridge values or field-level errors. Rules follow tor's Bridge option (IP literal, port,
// optional 40-hex fingerprint, key=value transport arguments) plus each transport's required args.
import { isIPv4, isIPv6 } from 'node:net';
import type { Bridge, BridgeFieldError, BridgeLineResult, Transport } from '../../../shared/domain/bridges';

/** Names a user may write, mapped to the transport we run (meek lines are run by lyrebird's meek_lite). */
const TRANSPORT_ALIASES: Readonly<Record<string, Transport>> = {
  obfs4: 'obfs4',
  webtunnel: 'webtunnel',
  snowflake: 'snowflake',
  meek_lite: 'meek_lite',
  meek: 'meek_lite',
};

interface ArgRule {
  required: readonly string[];
  check?: Readonly<Record<string, (value: string) => string | null>>;
}

const httpsUrl = (v: string): string | null => {
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? null : 'must be an http(s) URL';
  } catch {
    return 'must be a URL such as https://example.com/path';
  }
};

const ARG_RULES: Readonly<Record<Transport, ArgRule>> = {
  obfs4: {
    required: ['cert', 'iat-mode'],
    check: {
      // The obfs4 cert is 52 bytes in unpadded base64: 70 characters.
      cert: (v) => (/^[A-Za-z0-9+/]{70}$/.test(v) ? null : `must be 70 base64 characters (got ${v.length})`),
      'iat-mode': (v) => (/^[012]$/.test(v) ? null : 'must be 0, 1 or 2'),
    },
  },
  webtunnel: { required: ['url'], check: { url: httpsUrl } },
  meek_lite: { required: ['url'], check: { url: httpsUrl } },
  snowflake: { required: [], check: { url: httpsUrl, fingerprint: (v) => (/^[0-9A-Fa-f]{40}$/.test(v) ? null : 'must be 40 hex digits') } },
  vanilla: { required: [] },
};

const ARG_KEY = /^[A-Za-z0-9_.-]+$/;
const HEX = /^[0-9A-Fa-f]+$/;

/** Parses every non-empty, non-comment line of `text`. */
export function parseBridgeLines(text: string): BridgeLineResult[] {
  const out: BridgeLineResult[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const input = raw.trim();
    if (input === '' || input.startsWith('#')) return;
    out.push(parseBridgeLine(input, i + 1));
  });
  return out;
}

export function parseBridgeLine(input: string, lineNumber = 1): BridgeLineResult {
  const errors: BridgeFieldError[] = [];
  const fail = (field: BridgeFieldError['field'], message: string, arg: string | null = null) => errors.push({ field, arg, message });
  const result = (bridge: Bridge | null): BridgeLineResult => ({ lineNumber, input, bridge: errors.length ? null : bridge, errors });

  if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(input)) {
    fail('line', 'contains control characters');
    return result(null);
  }
  let tokens = input.trim().split(/\s+/);
  if (tokens[0]?.toLowerCase() === 'bridge') tokens = tokens.slice(1);
  if (tokens.length === 0) {
    fail('line', 'is empty after "Bridge"');
    return result(null);
  }

  // A vanilla bridge starts with its address; anything else must name a transport.
  let transport: Transport;
  const first = tokens[0] as string;
  if (looksLikeAddress(first)) {
    transport = 'vanilla';
  } else if (/^[A-Za-z][A-Za-z0-9_]*$/.test(first)) {
    const t = TRANSPORT_ALIASES[first.toLowerCase()];
    if (!t) {
      fail('transport', `unknown transport "${first}" (known: obfs4, webtunnel, snowflake, meek_lite, or none for a plain bridge)`);
      return result(null);
    }
    transport = t;
    tokens = tokens.slice(1);
  } else {
    fail('line', 'is not a bridge line: expected "[transport] address:port [fingerprint] [key=value …]"');
    return result(null);
  }

  const addrToken = tokens[0];
  if (addrToken === undefined) {
    fail('address', 'is missing: expected address:port after the transport');
    return result(null);
  }
  const hp = parseHostPort(addrToken);
  if ('error' in hp) fail(hp.field, hp.error);

  let rest = tokens.slice(1);
  let fingerprint: string | null = null;
  const fp = rest[0];
  if (fp !== undefined && !fp.includes('=')) {
    rest = rest.slice(1);
    const bare = fp.startsWith('$') ? fp.slice(1) : fp;
    if (!HEX.test(bare)) fail('fingerprint', `"${fp}" is not a fingerprint: it must be 40 hex digits`);
    else if (bare.length !== 40) fail('fingerprint', `must be 40 hex digits (got ${bare.length})`);
    else fingerprint = bare.toUpperCase();
  }

  const args: [string, string][] = [];
  const seen = new Set<string>();
  for (const tok of rest) {
    const eq = tok.indexOf('=');
    if (eq <= 0) {
      fail('args', `"${tok}" is not a key=value argument`);
      continue;
    }
    const key = tok.slice(0, eq);
    const value = tok.slice(eq + 1);
    if (!ARG_KEY.test(key)) {
      fail('args', `"${key}" is not a valid argument name`, key);
      continue;
    }
    if (seen.has(key)) {
      fail('args', `${key}= is given twice`, key);
      continue;
    }
    seen.add(key);
    if (value === '') fail('args', `${key}= has no value`, key);
    else {
      const problem = ARG_RULES[transport].check?.[key]?.(value);
      if (problem) fail('args', `${key}= ${problem}`, key);
    }
    args.push([key, value]);
  }
  if (transport === 'vanilla' && args.length > 0) fail('args', 'a plain bridge (no transport) takes no key=value arguments');
  for (const key of ARG_RULES[transport].required) {
    if (!seen.has(key)) fail('args', `${transport} needs ${key}=`, key);
  }

  if ('error' in hp) return result(null);
  const addr = hp.address.includes(':') ? `[${hp.address}]` : hp.address;
  const parts = [...(transport === 'vanilla' ? [] : [transport]), `${addr}:${hp.port}`, ...(fingerprint ? [fingerprint] : []), ...args.map(([k, v]) => `${k}=${v}`)];
  return result({ transport, address: hp.address, port: hp.port, fingerprint, args, line: parts.join(' ') });
}

/** The canonical line of each valid result, or every error; for callers that must not apply half a list. */
export function validBridgesOrErrors(results: BridgeLineResult[]): { bridges: Bridge[]; invalid: BridgeLineResult[] } {
  const invalid = results.filter((r) => r.bridge === null);
  return { bridges: invalid.length ? [] : results.map((r) => r.bridge as Bridge), invalid };
}

/** One line per failing input: "line 2: fingerprint must be 40 hex digits (got 39)". */
export function describeErrors(results: BridgeLineResult[]): string {
  return results
    .filter((r) => r.errors.length)
    .map((r) => `line ${r.lineNumber}: ${r.errors.map((e) => (e.field === 'args' || e.field === 'line' || e.field === 'transport' ? e.message : `${e.field} ${e.message}`)).join('; ')}`)
    .join('\n');
}

function looksLikeAddress(tok: string): boolean {
  return tok.startsWith('[') || /^[0-9.]+:/.test(tok) || /^[0-9.]+$/.test(tok);
}

function parseHostPort(tok: string): { address: string; port: number } | { field: 'address' | 'port'; error: string } {
  let host: string;
  let portText: string;
  if (tok.startsWith('[')) {
    const close = tok.indexOf(']');
    if (close < 0) return { field: 'address', error: `"${tok}" has "[" without "]"` };
    host = tok.slice(1, close);
    if (tok[close + 1] !== ':') return { field: 'port', error: `is missing after "${tok.slice(0, close + 1)}" (write [address]:port)` };
    portText = tok.slice(close + 2);
    if (!isIPv6(host)) return { field: 'address', error: `"${host}" is not an IPv6 address` };
  } else {
    const colon = tok.lastIndexOf(':');
    if (colon < 0) return { field: 'port', error: `is missing in "${tok}" (write address:port)` };
    host = tok.slice(0, colon);
    portText = tok.slice(colon + 1);
    if (host.includes(':')) return { field: 'address', error: 'an IPv6 address must be in brackets: [address]:port' };
    if (!isIPv4(host)) return { field: 'address', error: `"${host}" is not an IPv4 address (bridges need an IP address, not a name)` };
  }
  if (!/^[0-9]{1,5}$/.test(portText)) return { field: 'port', error: `"${portText}" is not a port number` };
  const port = Number(portText);
  if (port < 1 || port > 65535) return { field: 'port', error: `${port} is out of range (1–65535)` };
  return { address: host, port };
}

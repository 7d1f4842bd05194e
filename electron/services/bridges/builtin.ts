// The built-in bridge choices: Tor Browser's public lines (builtin-bridges.json, dated, with its
// source) plus a one-sentence explanation each. These are public addresses: tests only check the
// file's shape and the configuration generated from it, never dial them.
import { z } from 'zod';
import data from './builtin-bridges.json' with { type: 'json' };
import type { BuiltinChoiceId, Transport } from '../../../shared/domain/bridges';

export const builtinFileSchema = z.object({
  source: z.object({
    url: z.url(),
    mirror: z.url(),
    commit: z.string().regex(/^[0-9a-f]{40}$/),
    retrievedAt: z.iso.date(),
  }),
  recommendedDefault: z.enum(['obfs4', 'snowflake', 'meek', 'webtunnel']),
  bridges: z.object({
    obfs4: z.array(z.string()),
    snowflake: z.array(z.string()),
    meek: z.array(z.string()),
    webtunnel: z.array(z.string()),
  }),
});
export type BuiltinFile = z.infer<typeof builtinFileSchema>;

export const BUILTIN: BuiltinFile = builtinFileSchema.parse(data);

export interface BuiltinInfo {
  id: BuiltinChoiceId;
  label: string;
  transport: Transport;
  explanation: string;
}

export const BUILTIN_INFO: readonly BuiltinInfo[] = [
  {
    id: 'obfs4',
    label: 'obfs4',
    transport: 'obfs4',
    explanation:
      'Makes your traffic look like random bytes to a fixed address, which gets past keyword and protocol filters; fast, but a censor that blocks unknown traffic or these published addresses stops it.',
  },
  {
    id: 'snowflake',
    label: 'Snowflake',
    transport: 'snowflake',
    explanation:
      'Looks like a video call (WebRTC) to short-lived volunteer proxies found through a well-known website, so it works where bridge addresses are blocked; slower and less steady than obfs4.',
  },
  {
    id: 'meek',
    label: 'meek (Azure/CDN)',
    transport: 'meek_lite',
    explanation:
      'Hides inside ordinary HTTPS to a big content-delivery network that a censor hesitates to block; works almost everywhere but is the slowest option.',
  },
  {
    id: 'webtunnel',
    label: 'WebTunnel',
    transport: 'webtunnel',
    explanation:
      'Looks like a visit to an ordinary HTTPS website and helps where only web browsing is allowed; it needs a bridge line from bridges.torproject.org because Tor Browser ships none built in.',
  },
];

export function builtinLines(id: BuiltinChoiceId): string[] {
  return BUILTIN.bridges[id];
}

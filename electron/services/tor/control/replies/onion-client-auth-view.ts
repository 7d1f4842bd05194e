// ONION_CLIENT_AUTH_VIEW reply → stored client-side v3 credentials (control-spec §3.32).
// Pure. The private keys are returned to the caller, never logged.
//
//   250-ONION_CLIENT_AUTH_VIEW
//   250-CLIENT pk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad x25519:QPi5q7MN2Z4tourHHrRhejwM8Il5kvKE44bcKZG2zmI=
//   250 OK
import { TorProtocolError } from '../errors';
import type { Reply } from '../framing';
import { splitArgs, splitList } from '../keywords';
import { bodyLines } from './common';

export interface OnionClientCredential {
  serviceId: string;
  keyType: string;
  privateKey: string;
  clientName?: string;
  flags: string[];
}

export interface OnionClientAuthView {
  // The address asked about, when ONION_CLIENT_AUTH_VIEW was given one.
  serviceId?: string;
  clients: OnionClientCredential[];
}

export function parseOnionClientAuthView(reply: Reply): OnionClientAuthView {
  const lines = bodyLines(reply, 'ONION_CLIENT_AUTH_VIEW');
  const view: OnionClientAuthView = { clients: [] };
  let sawHeader = false;
  for (const line of lines) {
    const args = splitArgs(line.text);
    const head = args.positional[0];
    if (head === 'ONION_CLIENT_AUTH_VIEW') {
      sawHeader = true;
      const address = args.positional[1];
      if (address !== undefined) view.serviceId = address;
    } else if (head === 'CLIENT') {
      const address = args.positional[1];
      const credential = args.positional[2];
      const colon = credential === undefined ? -1 : credential.indexOf(':');
      if (address === undefined || credential === undefined || colon <= 0) {
        throw new TorProtocolError(`bad ONION_CLIENT_AUTH_VIEW CLIENT line: ${JSON.stringify(line.text.slice(0, 60))}`);
      }
      const client: OnionClientCredential = {
        serviceId: address,
        keyType: credential.slice(0, colon),
        privateKey: credential.slice(colon + 1),
        flags: splitList(args.keywords.Flags),
      };
      const name = args.keywords.ClientName;
      if (name !== undefined) client.clientName = name;
      view.clients.push(client);
    }
  }
  if (!sawHeader) throw new TorProtocolError('ONION_CLIENT_AUTH_VIEW reply has no header line');
  return view;
}

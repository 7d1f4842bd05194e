// ADD_ONION reply → service id, generated private key, client credentials (control-spec §3.27).
// Pure. The private key is returned to the caller; it must never be logged (style rule 12).
//
//   250-ServiceID=pk6hfztpooqslqdx2trcifkafitwya665nxifhvfpflh4qpobrv5gjad
//   250-PrivateKey=ED25519-V3:KOeCWEtJeP5wn5waeuZ4HkWuSGjC/trT3XvxkXHx22AMOrhnZC7JAgfj3wUqiRE5uanzHe8saXR8tVCNvnykGw==
//   250-ClientAuthV3=7TVBVSPZLIAK4EZGJFV4FV6IK4RYQ4FHK5Q5FJQWGRUO3MIDIJEQ
//   250 OK
import { TorProtocolError } from '../errors';
import type { Reply } from '../framing';
import { splitKeyValue } from '../keywords';
import { bodyLines } from './common';

export interface AddOnionResult {
  serviceId: string;
  // Present only when tor generated the key and DiscardPK was not set. `keyType` is e.g. "ED25519-V3";
  // pass both back as { type: 'ED25519-V3', key } to recreate the same service.
  privateKey?: { keyType: string; key: string };
  clientAuthV3: string[];
  // v2 "ClientAuth=name:blob" lines; kept only so old replies parse.
  clientAuth: { name: string; blob: string }[];
}

export function parseAddOnion(reply: Reply): AddOnionResult {
  let serviceId: string | undefined;
  let privateKey: AddOnionResult['privateKey'];
  const clientAuthV3: string[] = [];
  const clientAuth: AddOnionResult['clientAuth'] = [];
  for (const line of bodyLines(reply, 'ADD_ONION')) {
    const { key, value } = splitKeyValue(line.text);
    if (value === null) throw new TorProtocolError(`ADD_ONION line is not key=value: ${JSON.stringify(line.text.slice(0, 40))}`);
    switch (key) {
      case 'ServiceID':
        serviceId = value;
        break;
      case 'PrivateKey': {
        const colon = value.indexOf(':');
        if (colon <= 0) throw new TorProtocolError('ADD_ONION PrivateKey is not KeyType:KeyBlob');
        privateKey = { keyType: value.slice(0, colon), key: value.slice(colon + 1) };
        break;
      }
      case 'ClientAuthV3':
        clientAuthV3.push(value);
        break;
      case 'ClientAuth': {
        const colon = value.indexOf(':');
        clientAuth.push(colon === -1 ? { name: value, blob: '' } : { name: value.slice(0, colon), blob: value.slice(colon + 1) });
        break;
      }
      default:
        break;
    }
  }
  if (serviceId === undefined) throw new TorProtocolError('ADD_ONION reply has no ServiceID');
  const result: AddOnionResult = { serviceId, clientAuthV3, clientAuth };
  if (privateKey) result.privateKey = privateKey;
  return result;
}

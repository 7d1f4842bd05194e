// Maps nym service and websocket-layer failures to the IPC vocabulary, keeping nym's error kind in details.
import { ServiceError } from '../../util/service-error';
import type { IpcErrorData } from '../../../shared/errors';
import { NymProtocolError, NymServerError, NymSocketClosed, NymTimeout, NymValidationError } from './websocket';

export class NymServiceError extends ServiceError {}

export function nymErrorToIpc(e: unknown): IpcErrorData {
  if (e && typeof e === 'object' && 'toIpcError' in e && typeof e.toIpcError === 'function') return (e as { toIpcError(): IpcErrorData }).toIpcError();
  if (e instanceof NymValidationError) {
    const addressy = e.field === 'recipient' || e.field === 'senderTag';
    return { code: addressy ? 'NYM_INVALID_ADDRESS' : 'IPC_INVALID_ARGS', message: e.message, details: { field: e.field } };
  }
  if (e instanceof NymServerError) return { code: 'NYM_FAILED', message: e.message, details: { kind: e.kind } };
  if (e instanceof NymSocketClosed) return { code: 'NYM_NOT_RUNNING', message: 'The Nym client is not connected (it stopped or is restarting).' };
  if (e instanceof NymTimeout) return { code: 'IPC_TIMEOUT', message: e.message };
  if (e instanceof NymProtocolError) return { code: 'NYM_PROTOCOL', message: e.message, details: { kind: e.kind } };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Whatever a handler throws reaches the UI with a stable code. */
export async function nymCall<T>(fn: () => Promise<T> | T): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const data = nymErrorToIpc(e);
    throw new NymServiceError(data.code, data.message, data.details);
  }
}

// Maps tor control failures to the IPC vocabulary, keeping tor's own status code in details.
import type { IpcErrorData } from '../../../shared/errors';
import { ServiceError } from '../../util/service-error';
import { TorArgumentError, TorAuthError, TorOperationFailed, TorProtocolError, TorSocketClosed, TorTimeout } from './control/errors';

export class TorServiceError extends ServiceError {}

export function torErrorToIpc(e: unknown): IpcErrorData {
  if (e instanceof TorServiceError) return e.toIpcError();
  if (e instanceof TorOperationFailed) return { code: 'TOR_CONTROL_FAILED', message: e.torMessage || e.message, details: { status: e.status } };
  if (e instanceof TorAuthError) return { code: 'TOR_AUTH_FAILED', message: e.message, details: e.status === undefined ? undefined : { status: e.status } };
  if (e instanceof TorProtocolError) return { code: 'TOR_CONTROL_PROTOCOL', message: e.message };
  if (e instanceof TorArgumentError) return { code: 'IPC_INVALID_ARGS', message: e.message };
  if (e instanceof TorSocketClosed) return { code: 'TOR_NOT_RUNNING', message: 'tor is not running (its control connection closed)' };
  if (e instanceof TorTimeout) return { code: 'IPC_TIMEOUT', message: e.message };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Wraps a service call so whatever tor throws reaches the UI with its code. */
export async function torCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const data = torErrorToIpc(e);
    throw new TorServiceError(data.code, data.message, data.details);
  }
}

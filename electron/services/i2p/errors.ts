// Maps SAM, I2PControl and service failures to the IPC vocabulary, keeping SAM's RESULT code and
// i2pd's MESSAGE in details so the UI can say exactly what the router answered.
import { ServiceError } from '../../util/service-error';
import type { IpcErrorData } from '../../../shared/errors';
import { SamInvalidArgument, SamProtocolError, SamResultError, SamSocketClosed, SamTimeout, SamUnsupported } from './sam';
import { I2pControlError } from './i2pcontrol/replies';

export class I2pServiceError extends ServiceError {}

const RESULT_TEXT: Record<string, string> = {
  CANT_REACH_PEER: 'the destination cannot be reached (no LeaseSet found)',
  INVALID_KEY: 'the router rejected the key or destination as invalid',
  DUPLICATED_ID: 'a session with this name already exists on the router',
  DUPLICATED_DEST: 'this destination is already in use on the router',
  INVALID_ID: 'the router has no session with this name',
  I2P_ERROR: 'the router reported an error',
  TIMEOUT: 'the router timed out',
};

export function i2pErrorToIpc(e: unknown): IpcErrorData {
  if (e instanceof I2pServiceError) return e.toIpcError();
  if (e instanceof SamResultError) {
    const what = RESULT_TEXT[e.code] ?? `SAM answered ${e.code}`;
    return {
      code: 'SAM_FAILED',
      message: `${what}${e.samMessage ? ` (${e.samMessage})` : ''}`,
      details: { result: e.code, reply: e.reply, ...(e.samMessage === undefined ? {} : { samMessage: e.samMessage }) },
    };
  }
  if (e instanceof SamInvalidArgument) return { code: 'IPC_INVALID_ARGS', message: e.message };
  if (e instanceof SamUnsupported) return { code: 'SAM_FAILED', message: e.message, details: { result: 'UNSUPPORTED' } };
  if (e instanceof SamProtocolError) return { code: 'SAM_PROTOCOL', message: e.message };
  if (e instanceof SamSocketClosed) return { code: 'I2P_NOT_RUNNING', message: 'the SAM bridge closed the connection (is i2pd running?)' };
  if (e instanceof SamTimeout) return { code: 'IPC_TIMEOUT', message: e.message };
  if (e instanceof I2pControlError) return { code: 'I2P_CONTROL_FAILED', message: e.message, details: { kind: e.kind, ...(e.rpcCode === null ? {} : { rpcCode: e.rpcCode }) } };
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : String(e) };
}

/** Wraps a service call so whatever SAM or I2PControl throws reaches the UI with its code. */
export async function i2pCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const data = i2pErrorToIpc(e);
    throw new I2pServiceError(data.code, data.message, data.details);
  }
}

// Typed supervisor errors; the code is the stable IPC ErrorCode the UI shows.
import type { ErrorCode, IpcErrorData } from '../../shared/errors';

export class SupervisorError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'SupervisorError';
  }

  toIpcError(): IpcErrorData {
    return { code: this.code, message: this.message };
  }
}

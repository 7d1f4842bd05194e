// The one base class for errors a service hands to IPC: a stable ErrorCode, a message fit for the
// UI, and optional details that keep the daemon's own code (tor's status, SAM's RESULT …).
import type { ErrorCode, IpcErrorData } from '../../shared/errors';

export class ServiceError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: IpcErrorData['details'],
  ) {
    super(message);
    this.name = new.target.name;
  }

  toIpcError(): IpcErrorData {
    return { code: this.code, message: this.message, ...(this.details ? { details: this.details } : {}) };
  }
}

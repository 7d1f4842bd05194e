// Result envelope: errors cross IPC as data, never as thrown objects (ipcMain.handle forwards only
// `message`, and contextBridge strips custom error classes).
import { z } from 'zod';
import { IpcErrorSchema, type ErrorCode, type IpcErrorData } from '../errors';

export type Result<T> = { ok: true; value: T } | { ok: false; error: IpcErrorData };

export function ok<T>(value: T): Result<T> {
  return { ok: true, value };
}

export function err(code: ErrorCode, message: string, details?: IpcErrorData['details']): Result<never> {
  return details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
}

export function resultSchema<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: IpcErrorSchema }),
  ]);
}

/** Thrown by the renderer's unwrap() so react-query sees a failure that still carries its code. */
export class IpcError extends Error {
  readonly code: ErrorCode;
  readonly details: IpcErrorData['details'];
  constructor(data: IpcErrorData) {
    super(data.message);
    this.name = 'IpcError';
    this.code = data.code;
    this.details = data.details;
  }
}

export function unwrap<T>(result: Result<T>): T {
  if (result.ok) return result.value;
  throw new IpcError(result.error);
}

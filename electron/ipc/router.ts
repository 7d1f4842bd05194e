// Host-neutral dispatch: one entry point both hosts call. Validates the channel and arguments
// against the contract, calls the handler, checks the result against its schema and wraps every
// outcome in a Result. Handlers never learn which host called them.
import { z } from 'zod';
import type { Handlers } from '../../shared/ipc/api';
import { findChannel } from '../../shared/ipc/contract';
import { err, ok, type Result } from '../../shared/ipc/result';
import type { IpcErrorData } from '../../shared/errors';
import type { ScopedLogger } from '../logging/logger';


type AnyHandler = (args: unknown) => Promise<unknown>;

export class IpcRouter {
  constructor(
    private readonly handlers: Handlers,
    private readonly log: ScopedLogger,
  ) {}

  async dispatch(channel: string, rawArgs: unknown): Promise<Result<unknown>> {
    const ref = findChannel(channel);
    if (!ref || ref.def.kind !== 'invoke') return err('IPC_UNKNOWN_CHANNEL', `unknown channel: ${channel.slice(0, 128)}`);
    const parsed = ref.def.args.safeParse(rawArgs);
    if (!parsed.success) return err('IPC_INVALID_ARGS', z.prettifyError(parsed.error));
    const service = this.handlers[ref.service] as Record<string, AnyHandler>;
    const handler = service[ref.name];
    if (!handler) return err('NOT_IMPLEMENTED', `${channel} has no handler`);
    let value: unknown;
    try {
      value = await handler(parsed.data);
    } catch (e) {
      const error = toIpcError(e);
      if (error.code === 'INTERNAL') this.log.error(`${channel} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      return { ok: false, error };
    }
    const checked = ref.def.result.safeParse(value);
    if (!checked.success) {
      this.log.error(`${channel} returned a value outside its schema: ${z.prettifyError(checked.error)}`);
      return err('IPC_INVALID_RESULT', `${channel} produced an invalid result`);
    }
    return ok(checked.data);
  }
}

/** Anything a service throws becomes data: typed errors keep their code, the rest is INTERNAL. */
export function toIpcError(e: unknown): IpcErrorData {
  if (e && typeof e === 'object' && 'toIpcError' in e && typeof e.toIpcError === 'function') {
    return (e as { toIpcError(): IpcErrorData }).toIpcError();
  }
  return { code: 'INTERNAL', message: e instanceof Error ? e.message : 'unexpected error' };
}

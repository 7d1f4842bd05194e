// Builds the typed Api from the contract over any transport (Electron preload or the headless
// WebSocket). The receiving side validates too: a result or event that fails its schema becomes an
// IPC_INVALID_RESULT error instead of reaching the UI as an untyped value.
import { z } from 'zod';
import type { Api, ApiTransport } from './api';
import { listChannels } from './contract';
import { err, resultSchema, type Result } from './result';

export function buildApi(transport: ApiTransport, onInvalidEvent?: (channel: string, issue: string) => void): Api {
  const api: Record<string, Record<string, unknown>> = {};
  for (const ref of listChannels()) {
    const service = (api[ref.service] ??= {});
    if (ref.def.kind === 'invoke') {
      const envelope = resultSchema(ref.def.result);
      const argsSchema = ref.def.args;
      service[ref.name] = async (args?: unknown): Promise<Result<unknown>> => {
        // Checked here as well so a bad call fails fast with field errors, before any I/O.
        const parsedArgs = argsSchema.safeParse(args);
        if (!parsedArgs.success) return err('IPC_INVALID_ARGS', z.prettifyError(parsedArgs.error));
        let raw: unknown;
        try {
          raw = await transport.invoke(ref.channel, args);
        } catch (e) {
          return err('IPC_DISCONNECTED', e instanceof Error ? e.message : 'the host did not answer');
        }
        const parsed = envelope.safeParse(raw);
        if (!parsed.success) return err('IPC_INVALID_RESULT', `${ref.channel}: ${z.prettifyError(parsed.error)}`);
        return parsed.data;
      };
    } else {
      const payloadSchema = ref.def.payload;
      service[ref.name] = (listener: (payload: unknown) => void) =>
        transport.subscribe(ref.channel, (payload) => {
          const parsed = payloadSchema.safeParse(payload);
          if (parsed.success) listener(parsed.data);
          else onInvalidEvent?.(ref.channel, z.prettifyError(parsed.error));
        });
    }
  }
  return api as unknown as Api;
}

// Frames of the headless host's WebSocket: the same contract as Electron IPC, as JSON text.
// Client → host: {t:'invoke', id, channel, args}. Host → client: {t:'result', id, result} or
// {t:'event', channel, payload}. `id` correlates answers; a frame that cannot be read gets a
// result with id null and the connection stays open.
import { z } from 'zod';
import { IpcErrorSchema } from '../errors';

export const WS_PROTOCOL = 'underpass.v1';
/** The token travels as a second subprotocol ("auth.<hex>") because browsers cannot set headers. */
export const WS_AUTH_PREFIX = 'auth.';
export const MAX_FRAME_BYTES = 256 * 1024;

export const InvokeFrameSchema = z
  .object({
    t: z.literal('invoke'),
    id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
    channel: z.string().max(128),
    args: z.unknown().optional(),
  })
  .strict();
export type InvokeFrame = z.infer<typeof InvokeFrameSchema>;

export const ResultFrameSchema = z.object({
  t: z.literal('result'),
  id: z.number().int().nonnegative().nullable(),
  result: z.union([
    z.object({ ok: z.literal(true), value: z.unknown() }),
    z.object({ ok: z.literal(false), error: IpcErrorSchema }),
  ]),
});
export const EventFrameSchema = z.object({ t: z.literal('event'), channel: z.string(), payload: z.unknown() });
export const HostFrameSchema = z.discriminatedUnion('t', [ResultFrameSchema, EventFrameSchema]);
export type HostFrame = z.infer<typeof HostFrameSchema>;

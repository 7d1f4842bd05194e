// The stable error vocabulary that crosses IPC. The renderer switches on these codes, so a code is
// never renamed or reused; add new ones at the end of their group. Daemon-specific detail (tor's
// numeric status, SAM's RESULT, nym's error kind) travels in `details`, not in the code.
import { z } from 'zod';

export const ERROR_CODES = [
  // IPC and validation
  'IPC_BAD_REQUEST', // the frame or envelope is not a request we understand
  'IPC_FRAME_TOO_LARGE', // the frame exceeds the host's size limit
  'IPC_UNKNOWN_CHANNEL', // no such channel in the contract
  'IPC_INVALID_ARGS', // arguments failed the channel's schema
  'IPC_INVALID_RESULT', // the handler returned something that failed the result schema (a bug in main)
  'IPC_UNAUTHORIZED', // wrong sender, token, Origin or Host
  'IPC_DISCONNECTED', // the host went away before answering
  'IPC_TIMEOUT', // no answer in time
  'INTERNAL', // an unexpected error in main; the message is safe to show, the stack stays in the log
  'NOT_IMPLEMENTED', // the feature behind this channel has not landed in this build
  // process supervision
  'PROCESS_NOT_FOUND',
  'PROCESS_SPAWN_FAILED',
  'PROCESS_NOT_READY',
  'PROCESS_EXITED',
  'PROCESS_STOP_TIMEOUT',
  'BINARY_NOT_FOUND',
  // configuration and storage
  'CONFIG_INVALID',
  'STORAGE_FAILED',
  // tor
  'TOR_CONTROL_FAILED', // tor answered with an error status; details.status keeps tor's code
  'TOR_CONTROL_PROTOCOL', // tor's reply could not be parsed
  'TOR_AUTH_FAILED',
  'TOR_NOT_RUNNING',
  'TOR_BOOTSTRAP_TIMEOUT',
  'TOR_RATE_LIMITED',
  'TOR_SOCKS_FAILED',
  'BRIDGE_INVALID', // a bridge line or choice was rejected; the message names every bad field
  'BRIDGE_TRANSPORT_UNAVAILABLE', // the bridge needs a pluggable transport this install cannot run
  // i2p
  'SAM_FAILED', // details.result keeps SAM's RESULT code
  'SAM_PROTOCOL',
  'I2P_NOT_RUNNING',
  'I2P_CONTROL_FAILED', // I2PControl refused or failed; details.kind says how
  'I2P_TUNNEL_NOT_FOUND',
  // nym
  'NYM_FAILED', // details.kind keeps nym-client's error kind
  'NYM_PROTOCOL',
  'NYM_INVALID_ADDRESS',
  'NYM_NOT_RUNNING',
  // onion drop
  'DROP_NOT_FOUND',
  'DROP_FAILED', // the drop's server or its onion service could not start; the message says why
  'DROP_INVALID_KEY', // an age public or secret key was rejected; details.field names the field
  'DROP_DECRYPT_FAILED', // wrong secret key, or a damaged/incomplete file; the message says which
  'DROP_SCHEDULE_INVALID', // a start time in the past or a bad duration; details.field names the field
  // onion services manager
  'ONION_SERVICE_NOT_FOUND',
  'ONION_SERVICE_INVALID', // details maps each bad field ("ports.0.targetHost") to what is wrong
  'ONION_SERVICE_FAILED', // tor could not publish the service; the message says why
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
export const ErrorCodeSchema = z.enum(ERROR_CODES);

export const IpcErrorSchema = z.object({
  code: ErrorCodeSchema,
  message: z.string().max(4000),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).optional(),
});
export type IpcErrorData = z.infer<typeof IpcErrorSchema>;

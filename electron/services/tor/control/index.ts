// Public surface of the Tor control client: `import { TorController } from '…/tor/control'`.
// Re-exports only; no logic lives here.
export { TorController, type ControllerOptions, type OnionClientAuthAddResult } from './controller';
export { TorConnection, describeTarget, type ConnectionOptions, type ControlTarget } from './connection';
export { authenticate, chooseAuthMethods, readCookie, safeCookieHashes, type AuthOptions, type AuthResult } from './auth';
export {
  TorControlError,
  TorProtocolError,
  TorArgumentError,
  TorOperationFailed,
  TorAuthError,
  TorSocketClosed,
  TorTimeout,
} from './errors';
export { ReplyFramer, frameAll, type Frame, type Reply, type ReplyLine, type Divider } from './framing';
export * from './commands';
export {
  parseEvent,
  TYPED_EVENT_NAMES,
  type TorEvent,
  type TorEventType,
  type TorEventOf,
  type CircEvent,
  type StreamEvent,
  type OrConnEvent,
  type BwEvent,
  type CircBwEvent,
  type StreamBwEvent,
  type HsDescEvent,
  type StatusEvent,
  type StatusEventType,
  type LogEvent,
  type LogSeverity,
  type NetworkLivenessEvent,
  type ConfChangedEvent,
  type UnknownEvent,
} from './events';
export { tokenize, splitArgs, type ArgToken, type SplitArgs } from './keywords';
export type { ProtocolInfo, AuthMethod } from './replies/protocolinfo';
export type { AddOnionResult } from './replies/add-onion';
export type { OnionClientAuthView, OnionClientCredential } from './replies/onion-client-auth-view';
export type { CircuitInfo, CircuitStatus } from './replies/circuit-status';
export type { StreamInfo, StreamStatus } from './replies/stream-status';
export type { OrConnInfo, OrConnStatus } from './replies/orconn-status';
export type { EntryGuard, EntryGuardStatus } from './replies/entry-guards';
export type { BootstrapPhase } from './replies/bootstrap-phase';
export type { Relay } from './replies/consensus';
export type { RelayRef } from './replies/relay-ref';
export { parseProtocolInfo } from './replies/protocolinfo';
export { parseGetInfo } from './replies/getinfo';
export { parseGetConf } from './replies/getconf';
export { parseAddOnion } from './replies/add-onion';
export { parseOnionClientAuthView } from './replies/onion-client-auth-view';
export { parseExtendCircuit } from './replies/extendcircuit';
export { parseCircuitStatus } from './replies/circuit-status';
export { parseStreamStatus } from './replies/stream-status';
export { parseOrConnStatus } from './replies/orconn-status';
export { parseEntryGuards } from './replies/entry-guards';
export { parseBootstrapPhase } from './replies/bootstrap-phase';
export { parseRouterStatusEntries } from './replies/consensus';

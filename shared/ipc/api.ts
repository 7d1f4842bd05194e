// The renderer's view of the contract: `api.tor.getStatus()` returns a Result, `api.tor.onStatus(fn)`
// subscribes and returns an unsubscribe function. Derived, never written by hand.
import type { ArgsOf, Contract, EventName, InvokeName, ParsedArgsOf, PayloadOf, ResultOf, ServiceName } from './contract';
import type { Result } from './result';

type InvokeFn<S extends ServiceName, M extends InvokeName<S>> = undefined extends ArgsOf<S, M>
  ? (args?: ArgsOf<S, M>) => Promise<Result<ResultOf<S, M>>>
  : (args: ArgsOf<S, M>) => Promise<Result<ResultOf<S, M>>>;

type EventFn<S extends ServiceName, E extends EventName<S>> = (listener: (payload: PayloadOf<S, E>) => void) => () => void;

export type ServiceApi<S extends ServiceName> = { [M in InvokeName<S>]: InvokeFn<S, M> } & {
  [E in EventName<S>]: EventFn<S, E>;
};

export type Api = { [S in ServiceName]: ServiceApi<S> };

/** Transport-neutral bridge a host client implements; buildApi() turns it into an Api. */
export interface ApiTransport {
  invoke(channel: string, args: unknown): Promise<unknown>;
  subscribe(channel: string, listener: (payload: unknown) => void): () => void;
}

/** Handlers implement every invoke channel; main fails to compile if one is missing. */
export type Handlers = {
  [S in ServiceName]: {
    [M in InvokeName<S>]: (args: ParsedArgsOf<S, M>) => Promise<ResultOf<S, M>>;
  };
};

export type EventPayloads = {
  [S in ServiceName]: { [E in EventName<S>]: PayloadOf<S, E> };
};

export type { Contract };

// Subscribes a component to a contract event for its lifetime.
// Pass a stable listener (useCallback) or it resubscribes on every render.
import { useEffect } from 'react';

export function useMainEvent<P>(subscribe: (listener: (payload: P) => void) => () => void, listener: (payload: P) => void): void {
  useEffect(() => subscribe(listener), [subscribe, listener]);
}

// Picks the transport once at start: Electron's preload bridge (`window.api`) when present,
// otherwise the headless host's WebSocket with the token from the URL fragment.
import type { Api } from '../../shared/ipc/api';
import { buildApi } from '../../shared/ipc/build-api';
import { createWsTransport, type ConnectionState } from './ws-client';
import { useConnectionStore } from '../ui/connection-store';

const TOKEN_KEY = 'underpass.token';

function headlessToken(): string | null {
  const match = /(?:^#|&)token=([0-9a-f]{16,128})/.exec(window.location.hash);
  if (match?.[1]) {
    // Keep the token out of the address bar (and screenshots), but survive a reload.
    sessionStorage.setItem(TOKEN_KEY, match[1]);
    history.replaceState(null, '', window.location.pathname + window.location.search);
    return match[1];
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

function createApi(): Api {
  if (window.api) {
    useConnectionStore.getState().set('open', 'electron');
    return window.api;
  }
  const token = headlessToken() ?? '';
  const url = `${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/ipc`;
  const transport = createWsTransport(url, token, (s: ConnectionState) => useConnectionStore.getState().set(s, 'headless'));
  return buildApi(transport, (channel, issue) => console.error(`dropped an invalid ${channel} event: ${issue}`));
}

export const api: Api = createApi();

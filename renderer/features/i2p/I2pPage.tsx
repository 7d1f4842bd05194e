// The I2P page: the router's live status from I2PControl (network status, uptime, tunnels, peers,
// bandwidth graph), router commands, and the app's server and client tunnels. Nothing is simulated.
import { useTranslation } from 'react-i18next';
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api } from '../../ipc/api';
import { unwrap } from '../../../shared/ipc/result';
import type { ServerTunnel } from '../../../shared/domain/i2p';
import { ErrorNote } from '../../ui/ErrorNote';
import { BandwidthGraph } from '../tor/BandwidthGraph';
import { formatBytes } from '../tor/format';
import { BridgeQr } from '../bridges/BridgeQr';
import { useI2pBandwidth, useI2pEvents, useI2pStatus, useI2pTunnels } from './queries';

function uptime(ms: number): string {
  const s = Math.floor(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h} h ${m} min` : m > 0 ? `${m} min ${s % 60} s` : `${s} s`;
}

export function I2pPage() {
  const { t } = useTranslation();
  useI2pEvents();
  const status = useI2pStatus();
  const bandwidth = useI2pBandwidth();
  const start = useMutation({ mutationFn: async () => unwrap(await api.supervisor.start({ id: 'i2p' })) });
  const transit = useMutation({ mutationFn: async (enabled: boolean) => unwrap(await api.i2p.setTransit({ enabled })) });
  const shutdown = useMutation({ mutationFn: async () => unwrap(await api.i2p.shutdownGraceful()) });

  if (status.isPending) return <p>{t('common.loading')}</p>;
  if (status.isError) return <ErrorNote error={status.error} />;
  const s = status.data;
  const r = s.router;
  return (
    <div className="stack">
      <section aria-labelledby="i2p-router-h">
        <h2 id="i2p-router-h">{t('i2p.router')}</h2>
        {!s.running ? (
          <button type="button" onClick={() => start.mutate()} disabled={start.isPending} data-testid="i2p-start">
            {t('i2p.start')}
          </button>
        ) : null}
        {start.isError ? <ErrorNote error={start.error} /> : null}
        <dl className="kv" data-testid="i2p-router-status">
          <dt>{t('i2p.state')}</dt>
          <dd data-testid="i2p-state">{s.ready ? t('i2p.ready') : s.running ? t('i2p.starting') : t('i2p.stopped')}</dd>
          <dt>{t('i2p.netStatus')}</dt>
          <dd data-testid="i2p-net-status">{r ? t(`i2p.net.${r.netStatus}`) : '—'}</dd>
          <dt>{t('i2p.version')}</dt>
          <dd>{s.version ?? '—'}</dd>
          <dt>{t('i2p.uptime')}</dt>
          <dd data-testid="i2p-uptime">{r ? uptime(r.uptimeMs) : '—'}</dd>
          <dt>{t('i2p.tunnels')}</dt>
          <dd data-testid="i2p-tunnels-participating">{r ? t('i2p.tunnelsValue', { participating: r.participatingTunnels, rate: r.tunnelSuccessRate }) : '—'}</dd>
          <dt>{t('i2p.peers')}</dt>
          <dd data-testid="i2p-peers">{r ? t('i2p.peersValue', { active: r.activePeers, known: r.knownPeers }) : '—'}</dd>
          <dt>{t('i2p.traffic')}</dt>
          <dd>{r ? t('i2p.trafficValue', { received: formatBytes(r.totalReceivedBytes), sent: formatBytes(r.totalSentBytes) }) : '—'}</dd>
        </dl>
        {s.shuttingDown ? <p role="status">{t('i2p.shuttingDown')}</p> : null}
        <div className="actions">
          <button type="button" disabled={!r || transit.isPending} onClick={() => r && transit.mutate(!r.transit)} data-testid="i2p-transit">
            {r?.transit ? t('i2p.transitOff') : t('i2p.transitOn')}
          </button>
          <button type="button" disabled={!s.ready || shutdown.isPending || s.shuttingDown} onClick={() => shutdown.mutate()}>
            {t('i2p.shutdownGraceful')}
          </button>
        </div>
        {transit.isError ? <ErrorNote error={transit.error} /> : null}
        {shutdown.isError ? <ErrorNote error={shutdown.error} /> : null}
      </section>
      <BandwidthGraph samples={bandwidth.data ?? []} />
      <Tunnels ready={s.ready} />
    </div>
  );
}

function ServerRow({ tunnel }: { tunnel: ServerTunnel }) {
  const { t } = useTranslation();
  const [qr, setQr] = useState(false);
  const toggle = useMutation({
    mutationFn: async () => unwrap(tunnel.state === 'stopped' ? await api.i2p.startServerTunnel({ id: tunnel.id }) : await api.i2p.stopServerTunnel({ id: tunnel.id })),
  });
  const remove = useMutation({ mutationFn: async () => unwrap(await api.i2p.removeServerTunnel({ id: tunnel.id })) });
  return (
    <li data-testid="i2p-server-tunnel" data-state={tunnel.state}>
      <strong>{tunnel.name}</strong> 127.0.0.1:{tunnel.targetPort} → <span className="code" data-testid="i2p-b32">{tunnel.b32}</span> ({t(`i2p.tunnelState.${tunnel.state}`)})
      {tunnel.error ? <span className="muted"> {tunnel.error}</span> : null}
      <div className="actions">
        <button type="button" onClick={() => void navigator.clipboard?.writeText(tunnel.b32)} aria-label={t('i2p.copyOf', { name: tunnel.name })}>
          {t('i2p.copy')}
        </button>
        <button type="button" onClick={() => setQr(!qr)} aria-expanded={qr} aria-label={t('i2p.qrOf', { name: tunnel.name })}>
          {t('i2p.qr')}
        </button>
        <button type="button" onClick={() => toggle.mutate()} disabled={toggle.isPending}>
          {tunnel.state === 'stopped' ? t('i2p.startTunnel') : t('i2p.stopTunnel')}
        </button>
        <button type="button" onClick={() => remove.mutate()} disabled={remove.isPending} aria-label={t('i2p.removeOf', { name: tunnel.name })}>
          {t('i2p.remove')}
        </button>
      </div>
      {qr ? <BridgeQr line={tunnel.b32} /> : null}
      {toggle.isError ? <ErrorNote error={toggle.error} /> : null}
      {remove.isError ? <ErrorNote error={remove.error} /> : null}
    </li>
  );
}

function Tunnels({ ready }: { ready: boolean }) {
  const { t } = useTranslation();
  const tunnels = useI2pTunnels();
  const [name, setName] = useState('');
  const [port, setPort] = useState('');
  const [cName, setCName] = useState('');
  const [cPort, setCPort] = useState('');
  const [cDest, setCDest] = useState('');
  const createServer = useMutation({ mutationFn: async () => unwrap(await api.i2p.createServerTunnel({ name: name.trim(), targetPort: Number(port) })) });
  const createClient = useMutation({
    mutationFn: async () => unwrap(await api.i2p.createClientTunnel({ name: cName.trim(), localPort: Number(cPort), destination: cDest.trim() })),
  });
  const removeClient = useMutation({ mutationFn: async (id: string) => unwrap(await api.i2p.removeClientTunnel({ id })) });
  const submitServer = (e: FormEvent) => {
    e.preventDefault();
    createServer.mutate();
  };
  const submitClient = (e: FormEvent) => {
    e.preventDefault();
    createClient.mutate();
  };
  return (
    <>
      <section aria-labelledby="i2p-servers-h">
        <h2 id="i2p-servers-h">{t('i2p.serverTunnels')}</h2>
        <p className="muted">{t('i2p.serverHelp')}</p>
        <form onSubmit={submitServer} className="actions">
          <label>
            {t('i2p.name')} <input value={name} onChange={(e) => setName(e.target.value)} required maxLength={60} data-testid="i2p-server-name" />
          </label>
          <label>
            {t('i2p.localPort')} <input value={port} onChange={(e) => setPort(e.target.value)} inputMode="numeric" required data-testid="i2p-server-port" />
          </label>
          <button type="submit" disabled={!ready || createServer.isPending}>
            {t('i2p.createServer')}
          </button>
        </form>
        {createServer.isError ? <ErrorNote error={createServer.error} /> : null}
        <ul>{tunnels.data?.servers.map((s) => <ServerRow key={s.id} tunnel={s} />)}</ul>
      </section>
      <section aria-labelledby="i2p-clients-h">
        <h2 id="i2p-clients-h">{t('i2p.clientTunnels')}</h2>
        <p className="muted">{t('i2p.clientHelp')}</p>
        <form onSubmit={submitClient} className="actions">
          <label>
            {t('i2p.name')} <input value={cName} onChange={(e) => setCName(e.target.value)} required maxLength={60} data-testid="i2p-client-name" />
          </label>
          <label>
            {t('i2p.localPort')} <input value={cPort} onChange={(e) => setCPort(e.target.value)} inputMode="numeric" required data-testid="i2p-client-port" />
          </label>
          <label>
            {t('i2p.destination')} <input value={cDest} onChange={(e) => setCDest(e.target.value)} required data-testid="i2p-client-dest" />
          </label>
          <button type="submit" disabled={!ready || createClient.isPending}>
            {t('i2p.createClient')}
          </button>
        </form>
        {createClient.isError ? <ErrorNote error={createClient.error} /> : null}
        <ul>
          {tunnels.data?.clients.map((c) => (
            <li key={c.id} data-testid="i2p-client-tunnel" data-state={c.state}>
              <strong>{c.name}</strong> 127.0.0.1:{c.localPort} → <span className="code">{c.destination.length > 80 ? `${c.destination.slice(0, 40)}…` : c.destination}</span> (
              {t(`i2p.tunnelState.${c.state}`)})
              <button type="button" onClick={() => removeClient.mutate(c.id)} aria-label={t('i2p.removeOf', { name: c.name })}>
                {t('i2p.remove')}
              </button>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

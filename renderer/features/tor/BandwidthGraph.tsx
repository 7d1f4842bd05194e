// Read/written bytes per second over the last five minutes (uPlot), with the latest values as text
// for screen readers.
import { useTranslation } from 'react-i18next';
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { BandwidthSample } from '../../../shared/domain/tor';
import { formatBytes } from './format';

export function BandwidthGraph({ samples }: { samples: BandwidthSample[] }) {
  const { t } = useTranslation();
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    if (!host.current) return;
    const opts: uPlot.Options = {
      width: Math.max(300, host.current.clientWidth || 600),
      height: 160,
      legend: { show: true },
      scales: { x: { time: true } },
      axes: [{ stroke: '#a9b6c3' }, { stroke: '#a9b6c3', values: (_u, vals) => vals.map((v) => formatBytes(v)) }],
      series: [{}, { label: t('tor.receivedPerS'), stroke: '#7cc4ff' }, { label: t('tor.sentPerS'), stroke: '#6fdc8c' }],
    };
    plot.current = new uPlot(opts, [[], [], []], host.current);
    return () => {
      plot.current?.destroy();
      plot.current = null;
    };
  }, [t]);

  useEffect(() => {
    plot.current?.setData([samples.map((s) => s.time / 1000), samples.map((s) => s.read), samples.map((s) => s.written)]);
  }, [samples]);

  const last = samples[samples.length - 1];
  return (
    <section aria-labelledby="bw-h">
      <h2 id="bw-h">{t('tor.bandwidth')}</h2>
      <div ref={host} className="graph" data-testid="bandwidth-graph" data-samples={samples.length} aria-hidden="true" />
      <p className="muted" data-testid="bandwidth-now">
        {last ? t('tor.bandwidthNow', { read: formatBytes(last.read), written: formatBytes(last.written) }) : t('tor.waitingSample')}
      </p>
    </section>
  );
}

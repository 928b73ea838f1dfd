import { useEffect, useState } from 'preact/hooks';
import { useLoad, useStream } from '../api';
import { Leak, Meter, Status } from '../components/badges';
import { bytes, duration } from '../format';
import type { EventRow, Sample, ServiceView } from '../types';
import { arr, Empty, LoadState } from './common';

/** Every service, live: state changes reload the list, samples update figures in place. */
export function Overview({ go }: { go: (path: string) => void }) {
  const [version, setVersion] = useState(0);
  const [samples, setSamples] = useState<Record<string, Sample>>({});
  const list = useLoad<ServiceView[]>('/api/v1/services', version);
  // Uptimes move on without events: refresh every 10 s as well.
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), 10_000);
    return () => clearInterval(timer);
  }, []);
  const live = useStream('', {
    event: (e) => {
      const row = e as EventRow;
      if (row.kind !== 'sample') setVersion((v) => v + 1);
    },
    sample: (s) => {
      const smp = s as Sample;
      setSamples((m) => ({ ...m, [smp.service]: smp }));
    },
  });
  if (list.state !== 'ok') return <LoadState load={list} what="services" />;
  const rows = arr(list.data).map((s) => {
    const smp = samples[s.name];
    return smp && (s.sampled_at ?? 0) < smp.t ? { ...s, ...smp, leak: smp.leak ?? s.leak } : s;
  });
  return (
    <section aria-labelledby="h-overview">
      <h1 id="h-overview">
        Services <LiveDot live={live} />
      </h1>
      {rows.length === 0 ? (
        <Empty>
          No services yet. Start one with <code>vigil start --name NAME -- CMD</code> or{' '}
          <code>vigil apply vigil.yaml</code>.
        </Empty>
      ) : (
        <ul class="cards" aria-label="services">
          {rows.map((s) => (
            <li class="card" key={s.name} data-service={s.name}>
              <h2>
                <a
                  href={`/services/${encodeURIComponent(s.name)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    go(`/services/${encodeURIComponent(s.name)}`);
                  }}
                >
                  {s.name}
                </a>{' '}
                <Status status={s.status} />
              </h2>
              <dl class="facts">
                <dt>pid</dt>
                <dd data-testid="pid">{s.pid ?? '—'}</dd>
                <dt>uptime</dt>
                <dd>{duration(s.uptime_s)}</dd>
                <dt>restarts</dt>
                <dd>{s.restarts}</dd>
                <dt>fds</dt>
                <dd>
                  <Meter value={s.fds} limit={s.fd_limit} label={`${s.name} open files`} />
                </dd>
                <dt>memory</dt>
                <dd>
                  <Meter
                    value={s.rss_bytes}
                    limit={s.mem_limit_bytes}
                    label={`${s.name} memory`}
                    format={bytes}
                  />
                </dd>
                <dt>fd leak</dt>
                <dd>
                  <Leak leak={s.leak?.fds} what="fds" />
                </dd>
                <dt>memory leak</dt>
                <dd>
                  <Leak leak={s.leak?.rss} what="rss" />
                </dd>
              </dl>
              {s.conditions && s.conditions.length > 0 ? (
                <p class="conditions">
                  <span aria-hidden="true">⚠ </span>
                  {s.conditions.join(', ')}
                </p>
              ) : null}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** Whether the live stream is connected, said in words. */
export function LiveDot({ live }: { live: boolean }) {
  return (
    <span class={`live ${live ? 'on' : 'off'}`} role="status">
      <span aria-hidden="true">{live ? '●' : '○'}</span> {live ? 'live' : 'reconnecting'}
    </span>
  );
}

import { useEffect, useState } from 'preact/hooks';
import { post, useLoad, useStream } from '../api';
import { when } from '../format';
import type { Alert, EventRow } from '../types';
import { arr, Empty, LoadState } from './common';

/** Open and resolved alerts; open ones can be acknowledged. */
export function Alerts() {
  const [version, setVersion] = useState(0);
  const [err, setErr] = useState<string | null>(null);
  const alerts = useLoad<Alert[]>('/api/v1/alerts', version);
  // Alerts also resolve without an event this page recognises: refresh every 15 s as well.
  useEffect(() => {
    const timer = setInterval(() => setVersion((v) => v + 1), 15_000);
    return () => clearInterval(timer);
  }, []);
  useStream('', {
    event: (e) => {
      if ((e as EventRow).kind.startsWith('alert')) setVersion((v) => v + 1);
    },
  });
  if (alerts.state !== 'ok') return <Wrap>{<LoadState load={alerts} what="alerts" />}</Wrap>;
  const all = arr(alerts.data);
  const open = all.filter((a) => a.status === 'open');
  const resolved = all.filter((a) => a.status !== 'open');
  const ack = async (id: number) => {
    setErr(await post(`/api/v1/alerts/${id}/ack`));
    setVersion((v) => v + 1);
  };
  return (
    <Wrap>
      {err ? (
        <p role="alert" class="error">
          {err}
        </p>
      ) : null}
      <h2>Open ({open.length})</h2>
      {open.length === 0 ? <Empty>No open alerts.</Empty> : <AlertList list={open} ack={ack} />}
      <h2>Resolved ({resolved.length})</h2>
      {resolved.length === 0 ? <Empty>No resolved alerts.</Empty> : <AlertList list={resolved} />}
    </Wrap>
  );
}

function Wrap({ children }: { children: preact.ComponentChildren }) {
  return (
    <section aria-labelledby="h-alerts">
      <h1 id="h-alerts">Alerts</h1>
      {children}
    </section>
  );
}

function AlertList({ list, ack }: { list: Alert[]; ack?: (id: number) => void }) {
  return (
    <ul class="alerts">
      {list.map((a) => (
        <li key={a.id} class={`alert sev-${a.severity}`} data-alert={a.id}>
          <p>
            <span class="badge">
              <span aria-hidden="true">
                {a.severity === 'critical' || a.severity === 'fail' ? '✖ ' : '⚠ '}
              </span>
              {a.severity}
            </span>{' '}
            <strong>{a.service}</strong> · {a.kind}
          </p>
          <p>{a.message}</p>
          <p class="muted">
            opened {when(a.opened_at)}
            {a.resolved_at ? ` · resolved ${when(a.resolved_at)}` : ''}
            {a.acked_at ? ` · acknowledged ${when(a.acked_at)}` : ''}
          </p>
          {ack && !a.acked_at ? (
            <button
              type="button"
              onClick={() => ack(a.id)}
              aria-label={`Acknowledge alert ${a.id} of ${a.service}`}
            >
              ✓ Acknowledge
            </button>
          ) : a.acked_at ? (
            <p>
              <span aria-hidden="true">✓ </span>acknowledged
            </p>
          ) : null}
        </li>
      ))}
    </ul>
  );
}

import { useMemo, useState } from 'preact/hooks';
import { post, useLoad, useStream, type Load } from '../api';
import { Leak, Meter, Status } from '../components/badges';
import { Chart } from '../components/Chart';
import { bytes, duration, slope, when } from '../format';
import type { EventRow, FdsDetail, HistoryPoint, Inspect, LogLine, Run, Sample } from '../types';
import { arr, Empty, Guard, LoadState } from './common';
import { LiveDot } from './Overview';

const HISTORY_WINDOW_MS = 6 * 3600_000;
const MAX_LOG_LINES = 500;

/** One service: figures, charts, fds, sockets, processes, runs, logs and controls. */
export function Service({ name }: { name: string }) {
  const enc = encodeURIComponent(name);
  const [version, setVersion] = useState(0);
  const [since] = useState(() => Date.now() - HISTORY_WINDOW_MS);
  const [livePoints, setLivePoints] = useState<HistoryPoint[]>([]);
  const [liveLogs, setLiveLogs] = useState<LogLine[]>([]);
  const insp = useLoad<Inspect>(`/api/v1/services/${enc}`, version);
  const hist = useLoad<{ points: HistoryPoint[] }>(`/api/v1/services/${enc}/history?since=${since}`);
  const logs = useLoad<{ lines: LogLine[] }>(`/api/v1/services/${enc}/logs?n=200`);
  const live = useStream(`?service=${enc}&logs=1`, {
    event: (e) => {
      if ((e as EventRow).kind !== 'sample') setVersion((v) => v + 1);
    },
    sample: (s) => setLivePoints((p) => [...p.slice(-2000), s as Sample]),
    log: (l) => setLiveLogs((p) => [...p.slice(-MAX_LOG_LINES), l as LogLine]),
  });

  if (insp.state !== 'ok') return <LoadState load={insp} what={`service ${name}`} />;
  // The newest live sample, if newer than the inspected figures, wins (figures, verdicts, projection).
  const latest = livePoints[livePoints.length - 1] as Sample | undefined;
  const fresh = latest && latest.t > (insp.data.sampled_at ?? 0) ? latest : null;
  const s: Inspect = fresh
    ? {
        ...insp.data,
        rss_bytes: fresh.rss_bytes,
        mem_limit_bytes: fresh.mem_limit_bytes,
        leak: fresh.leak ?? insp.data.leak,
      }
    : insp.data;
  const detail: FdsDetail | null =
    typeof (s as unknown as { fds: unknown }).fds === 'object' && s.fds !== null
      ? (s.fds as unknown as FdsDetail)
      : null;
  const fdsNow = fresh ? fresh.fds : detail ? detail.total : s.fds;
  const fdLimit = fresh ? fresh.fd_limit : detail ? detail.limit : s.fd_limit;

  return (
    <article aria-labelledby="h-service">
      <h1 id="h-service">
        {name} <Status status={s.status} /> <LiveDot live={live} />
      </h1>
      <Controls name={name} status={s.status} onDone={() => setVersion((v) => v + 1)} />
      <dl class="facts wide">
        <dt>pid</dt>
        <dd data-testid="pid">{s.pid ?? '—'}</dd>
        <dt>uptime</dt>
        <dd>{duration(s.uptime_s)}</dd>
        <dt>restarts</dt>
        <dd>{s.restarts}</dd>
        <dt>fds</dt>
        <dd>
          <Meter value={fdsNow} limit={fdLimit} label="open files" />
        </dd>
        <dt>memory</dt>
        <dd>
          <Meter value={s.rss_bytes} limit={s.mem_limit_bytes} label="memory" format={bytes} />
        </dd>
        <dt>fd leak</dt>
        <dd>
          <Leak leak={s.leak?.fds} what="fds" />
        </dd>
        <dt>memory leak</dt>
        <dd>
          <Leak leak={s.leak?.rss} what="rss" />
        </dd>
        {s.command ? (
          <>
            <dt>command</dt>
            <dd>
              <code>{s.command.join(' ')}</code>
            </dd>
          </>
        ) : null}
        {s.failed_reason ? (
          <>
            <dt>failed</dt>
            <dd>{s.failed_reason}</dd>
          </>
        ) : null}
      </dl>
      <Guard what="charts">
        <Charts hist={hist} live={livePoints} insp={s} />
      </Guard>
      <Guard what="open files">
        <Fds detail={detail} />
      </Guard>
      <Guard what="sockets">
        <Sockets sockets={s.sockets} />
      </Guard>
      <Guard what="process tree">
        <Processes procs={s.processes} />
      </Guard>
      <Guard what="runs">
        <Runs runs={s.runs} />
      </Guard>
      <Guard what="logs">
        <Logs initial={logs} live={liveLogs} />
      </Guard>
    </article>
  );
}

function Controls({ name, status, onDone }: { name: string; status: string; onDone: () => void }) {
  const [busy, setBusy] = useState<string | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const act = async (action: 'start' | 'stop' | 'restart') => {
    setBusy(action);
    setErr(null);
    const e = await post(`/api/v1/services/${encodeURIComponent(name)}/${action}`);
    setBusy(null);
    setErr(e);
    onDone();
  };
  const running = status !== 'stopped' && status !== 'failed';
  return (
    <div class="controls" role="group" aria-label={`controls of ${name}`}>
      <button
        type="button"
        disabled={busy !== null || running}
        onClick={() => act('start')}
        aria-label={`Start ${name}`}
      >
        ▶ Start
      </button>
      <button
        type="button"
        disabled={busy !== null || !running}
        onClick={() => act('stop')}
        aria-label={`Stop ${name}`}
      >
        ■ Stop
      </button>
      <button
        type="button"
        disabled={busy !== null}
        onClick={() => act('restart')}
        aria-label={`Restart ${name}`}
      >
        ↻ Restart
      </button>
      {busy ? <span role="status"> {busy}ing…</span> : null}
      {err ? (
        <span role="alert" class="error">
          {' '}
          {err}
        </span>
      ) : null}
    </div>
  );
}

function Charts({
  hist,
  live,
  insp,
}: {
  hist: Load<{ points: HistoryPoint[] }>;
  live: HistoryPoint[];
  insp: Inspect;
}) {
  const points = useMemo(() => {
    const base = hist.state === 'ok' ? arr(hist.data?.points) : [];
    const last = base.length ? base[base.length - 1]!.t : 0;
    // Live samples may arrive out of order with respect to each other: the x axis must be sorted.
    return [...base, ...live.filter((p) => p.t > last)].sort((a, b) => a.t - b.t);
  }, [hist, live]);
  if (hist.state !== 'ok' && hist.state !== 'missing' && live.length === 0)
    return <LoadState load={hist} what="history" />;
  if (points.length === 0)
    return (
      <section aria-labelledby="h-charts">
        <h2 id="h-charts">Over time</h2>
        <Empty>No history yet: samples appear here once the daemon records them.</Empty>
      </section>
    );
  const xs = points.map((p) => p.t / 1000);
  const fds = points.map((p) => p.fds);
  const fdLimit = points.map((p) => p.fd_limit);
  const rss = points.map((p) => p.rss_bytes);
  const memLimit = points.map((p) => p.mem_limit_bytes);
  // Projected trend: from the last point along the slope, up to exhaustion (or one window ahead).
  const projFds = projection(xs, fds, insp.leak?.fds?.slope_per_hour, insp.leak?.fds?.eta_s);
  const projRss = projection(xs, rss, insp.leak?.rss?.slope_per_hour, insp.leak?.rss?.eta_s);
  const fdData = withProjection(xs, [fds, fdLimit], projFds);
  const memData = withProjection(xs, [rss, memLimit], projRss);
  return (
    <section aria-labelledby="h-charts">
      <h2 id="h-charts">Over time</h2>
      <div class="charts">
        <Chart
          title="Open files (process nearest its limit)"
          data={fdData}
          points={xs.length}
          projected={projFds.length > 0}
          series={[
            { label: 'fds', stroke: '#2a6fdb' },
            { label: 'limit', stroke: '#c0392b', dash: [6, 4] },
            { label: 'projected', stroke: '#e67e22', dash: [2, 3] },
          ]}
        />
        <Chart
          title="Memory (whole tree, RSS)"
          data={memData}
          points={xs.length}
          projected={projRss.length > 0}
          format={bytes}
          series={[
            { label: 'rss', stroke: '#16a085' },
            { label: 'limit', stroke: '#c0392b', dash: [6, 4] },
            { label: 'projected', stroke: '#e67e22', dash: [2, 3] },
          ]}
        />
      </div>
    </section>
  );
}

function projection(
  xs: number[],
  ys: (number | null)[],
  perHour: number | null | undefined,
  etaS: number | null | undefined,
): [number, number][] {
  const x0 = xs[xs.length - 1];
  const y0 = ys[ys.length - 1];
  if (x0 === undefined || y0 === null || y0 === undefined || !perHour || !etaS || etaS <= 0) return [];
  const span = Math.max(600, x0 - (xs[0] ?? x0));
  const x1 = x0 + Math.min(etaS, span);
  return [
    [x0, y0],
    [x1, y0 + (perHour * (x1 - x0)) / 3600],
  ];
}

function withProjection(
  xs: number[],
  cols: (number | null)[][],
  proj: [number, number][],
): (number | null)[][] {
  const extra = proj.length ? proj[1]![0] : null;
  const x = extra !== null ? [...xs, extra] : [...xs];
  const out: (number | null)[][] = [x];
  // The limit (the last column) carries on under the projection, so the crossing is visible.
  cols.forEach((c, i) => {
    const carry = i === cols.length - 1 ? (c[c.length - 1] ?? null) : null;
    out.push(extra !== null ? [...c, carry] : [...c]);
  });
  const p: (number | null)[] = xs.map(() => null);
  if (proj.length) {
    p[p.length - 1] = proj[0]![1];
    p.push(proj[1]![1]);
  }
  out.push(p);
  return out;
}

function Fds({ detail }: { detail: FdsDetail | null }) {
  const types = Object.entries(detail?.by_type ?? {}).sort((a, b) => b[1] - a[1]);
  const top = arr(detail?.top_targets);
  return (
    <section aria-labelledby="h-fds">
      <h2 id="h-fds">Open files</h2>
      {types.length === 0 && top.length === 0 ? (
        <Empty>No data yet: fds by type and top targets appear once the probe classifies them.</Empty>
      ) : (
        <div class="two">
          <table>
            <caption>By type</caption>
            <thead>
              <tr>
                <th scope="col">type</th>
                <th scope="col" class="num">
                  count
                </th>
              </tr>
            </thead>
            <tbody>
              {types.map(([t, n]) => (
                <tr key={t}>
                  <td>{t}</td>
                  <td class="num">{n}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <table>
            <caption>Top targets</caption>
            <thead>
              <tr>
                <th scope="col">target</th>
                <th scope="col" class="num">
                  count
                </th>
                <th scope="col" class="num">
                  growth
                </th>
              </tr>
            </thead>
            <tbody>
              {top.map((t) => (
                <tr key={t.target}>
                  <td class="target">{t.target}</td>
                  <td class="num">{t.count}</td>
                  <td class="num">
                    {t.slope_per_hour && t.slope_per_hour > 0 ? <span aria-hidden="true">↗ </span> : null}
                    {slope(t.slope_per_hour)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function Sockets({ sockets }: { sockets: Inspect['sockets'] }) {
  const rows = arr(sockets?.by_remote);
  const states = Object.entries(sockets?.by_state ?? {});
  return (
    <section aria-labelledby="h-sockets">
      <h2 id="h-sockets">Sockets</h2>
      {rows.length === 0 && states.length === 0 ? (
        <Empty>No data yet: no sockets sampled.</Empty>
      ) : (
        <>
          {states.length ? (
            <p>
              {states.map(([k, v]) => (
                <span class="chip" key={k}>
                  {k}: {v}
                </span>
              ))}
            </p>
          ) : null}
          <table>
            <caption>By remote endpoint</caption>
            <thead>
              <tr>
                <th scope="col">remote</th>
                <th scope="col">protocol</th>
                <th scope="col">state</th>
                <th scope="col" class="num">
                  count
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((r) => (
                <tr key={`${r.remote}|${r.protocol}|${r.state}`}>
                  <td class="target">{r.remote}</td>
                  <td>{r.protocol}</td>
                  <td>{r.state}</td>
                  <td class="num">{r.count}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </section>
  );
}

type Proc = NonNullable<Inspect['processes']>[number];

function Processes({ procs }: { procs: Inspect['processes'] }) {
  const list = arr(procs);
  const pids = new Set(list.map((p) => p.pid));
  const roots = list.filter((p) => !pids.has(p.ppid));
  const kids = (pid: number) => list.filter((p) => p.ppid === pid);
  const node = (p: Proc, depth: number) => (
    <li key={p.pid}>
      <code>{p.pid}</code> {p.cmd}{' '}
      <span class="muted">
        — fds {p.fds ?? '—'}
        {p.fd_limit ? ` / ${p.fd_limit}` : ''}, {bytes(p.rss_bytes)}
      </span>
      {depth < 20 && kids(p.pid).length ? <ul>{kids(p.pid).map((k) => node(k, depth + 1))}</ul> : null}
    </li>
  );
  return (
    <section aria-labelledby="h-procs">
      <h2 id="h-procs">Process tree</h2>
      {list.length === 0 ? (
        <Empty>No data yet: the process tree appears once the probe samples it.</Empty>
      ) : (
        <ul class="tree">{roots.map((r) => node(r, 0))}</ul>
      )}
    </section>
  );
}

function Runs({ runs }: { runs: Run[] | undefined }) {
  const list = arr(runs);
  const longest = Math.max(1, ...list.map((r) => (r.ended_at ?? Date.now()) - r.started_at));
  return (
    <section aria-labelledby="h-runs">
      <h2 id="h-runs">Recent runs</h2>
      {list.length === 0 ? (
        <Empty>No runs recorded yet.</Empty>
      ) : (
        <ol class="runs">
          {list.map((r) => {
            const ms = (r.ended_at ?? Date.now()) - r.started_at;
            const kind = runKind(r);
            const crashed = kind === 'crash';
            const exit =
              r.ended_at === null
                ? 'running'
                : r.exit_known === false
                  ? 'exit status unknown'
                  : r.signal
                    ? `killed by ${r.signal}`
                    : `exit ${r.exit_code ?? '?'}`;
            return (
              <li key={r.id} class={kind}>
                <span
                  class="run-bar"
                  style={{ width: `${Math.max(2, (100 * ms) / longest)}%` }}
                  aria-hidden="true"
                />
                <span>
                  <span aria-hidden="true">{RUN_ICON[kind]} </span>
                  {crashed ? (
                    <strong>crash: </strong>
                  ) : kind === 'acted' ? (
                    <strong>restarted by Vigil: </strong>
                  ) : null}
                  {when(r.started_at)} · {duration(ms / 1000)} · pid {r.pid ?? '—'} · {exit}
                  {r.reason ? ` · ${r.reason}` : ''}
                </span>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}

const ON_PURPOSE = new Set(['stopped', 'restarted', 'exited']);
const BY_VIGIL = new Set(['health', 'leak-fds', 'leak-memory', 'memory-limit', 'fd-limit']);
const RUN_ICON = { running: '●', ok: '○', acted: '↻', crash: '✖' } as const;

/** Running, ended on purpose, ended by a Vigil action (graceful restart), or crashed. */
function runKind(r: Run): keyof typeof RUN_ICON {
  if (r.ended_at === null) return 'running';
  if (r.reason && ON_PURPOSE.has(r.reason)) return 'ok';
  if (r.reason && BY_VIGIL.has(r.reason)) return 'acted';
  return 'crash';
}

function Logs({ initial, live }: { initial: Load<{ lines: LogLine[] }>; live: LogLine[] }) {
  const lines = [...(initial.state === 'ok' ? arr(initial.data?.lines) : []), ...live].slice(-MAX_LOG_LINES);
  return (
    <section aria-labelledby="h-logs">
      <h2 id="h-logs">Logs</h2>
      {lines.length === 0 ? (
        <Empty>
          {initial.state === 'missing'
            ? 'No data yet: this daemon does not serve logs (yet).'
            : 'No log lines yet.'}
        </Empty>
      ) : (
        <pre class="logs" role="log" aria-label="log lines, newest last" tabIndex={0}>
          {lines.map((l, i) => (
            <div key={i} class={l.stream === 'err' ? 'err' : ''}>
              {/* t is null for lines of a service that logs without timestamps (never shown as 1970). */}
              {typeof l.t === 'number' && l.t > 0 ? (
                <span class="muted">{new Date(l.t).toLocaleTimeString()} </span>
              ) : null}
              {l.stream === 'err' ? <span class="tag">err </span> : null}
              {l.text}
            </div>
          ))}
        </pre>
      )}
    </section>
  );
}

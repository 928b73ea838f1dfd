import { existsSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { VigilClient } from '../../client/client.js';
import type { ServiceView } from '../../daemon/views.js';
import { VigilError } from '../../errors.js';
import { jsonOption, parse, splitDashDash } from '../args.js';
import { UsageError, type Command } from '../command.js';
import { shortLocal } from './schedule.js';
import { formatBytes, formatDuration, paint, printJson, table, type CliIO } from '../output.js';

/** The interpreter for a script, by its extension (`app.py` → python3 -u). */
export function interpreterFor(file: string): { argv: string[]; env: Record<string, string> } {
  switch (extname(file)) {
    case '.py':
      return { argv: ['python3', '-u', file], env: { PYTHONUNBUFFERED: '1' } };
    case '.js':
    case '.mjs':
    case '.cjs':
      return { argv: [process.execPath, file], env: {} };
    case '.sh':
      return { argv: ['/bin/sh', file], env: {} };
    default:
      return { argv: [file], env: {} };
  }
}

/** A service name from a file name: `strategies/momentum.py` → `momentum`. */
export function nameFromFile(file: string): string {
  const base = basename(file, extname(file))
    .replace(/[^a-zA-Z0-9._-]/g, '-')
    .replace(/^[^a-zA-Z0-9]+/, '');
  return base.slice(0, 64) || 'service';
}

function statusText(io: CliIO, s: ServiceView): string {
  const color =
    s.status === 'running'
      ? 'green'
      : s.status === 'failed' || s.status === 'crash-loop'
        ? 'red'
        : s.status === 'backoff' || s.status === 'starting' || s.status === 'stopping'
          ? 'yellow'
          : 'dim';
  const next = s.status === 'scheduled' && s.next_start ? ` next ${shortLocal(s.next_start)}` : '';
  return paint(io, color, s.status) + next + (s.conditions.length ? ` (${s.conditions.join(', ')})` : '');
}

function leakText(s: ServiceView): string {
  const parts: string[] = [];
  for (const [metric, v] of Object.entries(s.leak)) {
    if (!v || v.verdict === 'ok') continue;
    const eta = v.eta_s !== null ? ` eta ${formatDuration(v.eta_s)}` : '';
    parts.push(`${metric} ${v.verdict}${eta}`);
  }
  return parts.length ? parts.join('; ') : s.leak.fds || s.leak.rss ? 'ok' : '-';
}

function printServices(io: CliIO, list: ServiceView[]): void {
  if (list.length === 0) {
    io.out("No services. Start one with 'vigil start app.py' or 'vigil apply vigil.yaml'.\n");
    return;
  }
  io.out(
    table(
      ['NAME', 'STATUS', 'PID', 'UPTIME', 'RESTARTS', 'FDS', 'MEMORY', 'LEAK'],
      list.map((s) => [
        s.name,
        statusText(io, s),
        s.pid === null ? '-' : String(s.pid),
        formatDuration(s.uptime_s),
        String(s.restarts),
        s.fds === null ? '-' : `${s.fds}/${s.fd_limit ?? '?'}`,
        formatBytes(s.rss_bytes),
        leakText(s),
      ]),
    ),
  );
}

export const start: Command = {
  name: 'start',
  summary: 'start a service by name, a script (app.py, app.js), or any command (--name N -- CMD ARGS)',
  usage:
    'vigil start NAME | vigil start SCRIPT [--name N] [options] [-- ARGS…] | vigil start --name N [options] -- CMD ARGS…\n' +
    'Options: --restart always|on-failure|never  --nofile SOFT[:HARD]  --memory SIZE  --cwd DIR  --env K=V (repeatable)  --json',
  async run(args, io) {
    const { before, after } = splitDashDash(args);
    const { values, positionals } = parse(
      before,
      {
        name: { type: 'string' },
        restart: { type: 'string' },
        nofile: { type: 'string' },
        memory: { type: 'string' },
        cwd: { type: 'string' },
        env: { type: 'string', multiple: true },
        ...jsonOption,
      },
      1,
    );
    const client = new VigilClient();
    const target = positionals[0];
    const show = (v: ServiceView) => {
      if (values.json) printJson(io, v);
      else io.out(`${v.name}: ${v.status}${v.pid !== null ? `, pid ${v.pid}` : ''}\n`);
      return v.status === 'failed' ? 1 : 0;
    };
    const cwd = resolve(values.cwd ?? process.cwd());
    const env: Record<string, string> = {};
    for (const kv of values.env ?? []) {
      const i = kv.indexOf('=');
      if (i <= 0) throw new UsageError(`--env takes KEY=VALUE, not '${kv}'`);
      env[kv.slice(0, i)] = kv.slice(i + 1);
    }
    const options: Record<string, unknown> = {};
    if (values.restart !== undefined) options.restart = values.restart;
    if (values.memory !== undefined) options.limits = { memory: values.memory };
    if (values.nofile !== undefined) {
      const m = /^(\d+)(?::(\d+))?$/.exec(values.nofile);
      if (!m) throw new UsageError(`--nofile takes SOFT or SOFT:HARD, not '${values.nofile}'`);
      options.limits = {
        ...((options.limits as object) ?? {}),
        nofile: { soft: Number(m[1]), ...(m[2] ? { hard: Number(m[2]) } : {}) },
      };
    }

    if (target === undefined) {
      if (!values.name || !after || after.length === 0) {
        throw new UsageError('give a service name, a script, or --name NAME -- COMMAND');
      }
      return show(await client.startNew({ name: values.name, command: after, cwd, env, options }));
    }
    const path = resolve(cwd, target);
    const isFile = existsSync(path) && statSync(path).isFile();
    if (!isFile) {
      if (after || Object.keys(options).length || values.name) {
        throw new VigilError(
          'FILE_NOT_FOUND',
          `${target}: no such file (to run a command: vigil start --name NAME -- CMD ARGS…)`,
        );
      }
      return show(await client.start(target));
    }
    const name = values.name ?? nameFromFile(path);
    const existing = (await client.list()).find((s) => s.name === name);
    if (existing && !after && Object.keys(options).length === 0) return show(await client.start(name));
    const interp = interpreterFor(path);
    return show(
      await client.startNew({
        name,
        command: [...interp.argv, ...(after ?? [])],
        cwd,
        env: { ...interp.env, ...env },
        options,
      }),
    );
  },
};

function survivorsNote(io: CliIO, name: string, survivors: { pid: number; cmd: string }[]): number {
  if (survivors.length === 0) return 0;
  io.err(
    `${name}: ${survivors.length} process(es) still alive after the stop: ${survivors.map((s) => `${s.pid} (${s.cmd})`).join(', ')}\n`,
  );
  return 1;
}

export const stop: Command = {
  name: 'stop',
  summary: 'stop a service (whole process tree), or all',
  usage: 'vigil stop NAME|all [--json]',
  async run(args, io) {
    const { values, positionals } = parse(args, { ...jsonOption }, 1);
    const target = positionals[0];
    if (!target) throw new UsageError('give a service name, or all');
    const client = new VigilClient();
    const names = target === 'all' ? (await client.list()).map((s) => s.name) : [target];
    const results = await Promise.all(names.map((n) => client.stop(n)));
    if (values.json) printJson(io, target === 'all' ? results : results[0]);
    let code = 0;
    for (const r of results) {
      if (!values.json) io.out(`${r.name}: ${r.status}\n`);
      code |= survivorsNote(io, r.name, r.survivors);
    }
    return code;
  },
};

export const restart: Command = {
  name: 'restart',
  summary: 'restart a service gracefully',
  usage: 'vigil restart NAME [--json]',
  async run(args, io) {
    const { values, positionals } = parse(args, { ...jsonOption }, 1);
    if (!positionals[0]) throw new UsageError('give a service name');
    const v = await new VigilClient().restart(positionals[0]);
    if (values.json) printJson(io, v);
    else io.out(`${v.name}: ${v.status}${v.pid !== null ? `, pid ${v.pid}` : ''}\n`);
    return 0;
  },
};

export const rm: Command = {
  name: 'rm',
  summary: 'stop a service and forget it',
  usage: 'vigil rm NAME [--json]',
  async run(args, io) {
    const { values, positionals } = parse(args, { ...jsonOption }, 1);
    if (!positionals[0]) throw new UsageError('give a service name');
    const r = await new VigilClient().remove(positionals[0]);
    if (values.json) printJson(io, r);
    else io.out(`${r.removed}: removed\n`);
    return survivorsNote(io, r.removed, r.survivors);
  },
};

export const ls: Command = {
  name: 'ls',
  summary: 'list services with status, resources and leak verdicts',
  usage: 'vigil ls [--json]',
  async run(args, io) {
    const { values } = parse(args, { ...jsonOption });
    const list = await new VigilClient().list();
    if (values.json) printJson(io, list);
    else printServices(io, list);
    return 0;
  },
};

export const inspect: Command = {
  name: 'inspect',
  summary: 'everything about one service: processes, descriptors, sockets, leaks, last exit',
  usage: 'vigil inspect NAME [--json]',
  async run(args, io) {
    const { values, positionals } = parse(args, { ...jsonOption }, 1);
    if (!positionals[0]) throw new UsageError('give a service name');
    const v = await new VigilClient().inspect(positionals[0]);
    if (values.json) {
      printJson(io, v);
      return 0;
    }
    io.out(describeService(v as unknown as InspectView));
    return 0;
  },
};

export const events: Command = {
  name: 'events',
  summary: 'recent events (state changes, crashes, restarts, alerts); -f to follow',
  usage: 'vigil events [-f] [-n N] [--service NAME] [--json]',
  async run(args, io) {
    const { values } = parse(args, {
      follow: { type: 'boolean', short: 'f' },
      n: { type: 'string', short: 'n' },
      service: { type: 'string' },
      ...jsonOption,
    });
    const client = new VigilClient();
    const limit = values.n ? Number(values.n) : 50;
    if (!Number.isInteger(limit) || limit < 1) throw new UsageError(`-n takes a positive whole number`);
    const print = (rows: Awaited<ReturnType<VigilClient['events']>>) => {
      for (const e of rows) {
        if (values.json) io.out(JSON.stringify(e) + '\n');
        else
          io.out(
            `${new Date(e.t).toISOString()}  ${(e.service || '-').padEnd(16)} ${e.kind.padEnd(12)} ${e.message}\n`,
          );
      }
    };
    const rows = await client.events({ limit, service: values.service });
    if (values.json && !values.follow) {
      printJson(io, rows);
      return 0;
    }
    print(rows);
    if (!values.follow) return 0;
    // Live from the daemon's event stream, resuming after the last row printed (nothing lost between).
    const since = rows.length ? rows[rows.length - 1]!.id : 0;
    for await (const m of client.stream({ service: values.service, since })) {
      if (m.event === 'event') print([m.data as (typeof rows)[number]]);
    }
    throw new VigilError('DAEMON_GONE', 'the daemon closed the event stream (stopped?)');
  },
};

/** What `inspect --json` returns (the parts the text view uses). */
interface InspectView extends Omit<ServiceView, 'leak'> {
  fds_detail?: never;
  processes: {
    pid: number;
    ppid: number;
    cmd: string;
    fds: number;
    fd_limit: number | null;
    rss_bytes: number;
  }[];
  sockets: {
    by_state: Record<string, number>;
    by_remote: { remote: string; protocol: string; state: string; count: number }[];
  } | null;
  leak: Record<string, { verdict: string; reason?: string; eta_s: number | null } | null>;
}

function rate(perHour: number | null | undefined): string {
  if (perHour === null || perHour === undefined || Math.abs(perHour) < 0.5) return '';
  return `, ${perHour > 0 ? '+' : ''}${Math.round(perHour)}/h`;
}

interface FdsDetail {
  total: number | null;
  limit: number | null;
  nearest_pid: number | null;
  nearest_fds: number | null;
  by_type: Record<string, number> | null;
  top_targets: { target: string; count: number; slope_per_hour: number | null }[];
}

/** `inspect` in plain words: what is open, what grows, who is nearest its limit, why it last died. */
export function describeService(v: InspectView): string {
  const f = (v as unknown as { fds: FdsDetail | null }).fds;
  const lines: string[] = [];
  lines.push(
    `${v.name}: ${v.status}${v.pid !== null ? `, pid ${v.pid}` : ''}, up ${formatDuration(v.uptime_s)}, ${v.restarts} restart${v.restarts === 1 ? '' : 's'}`,
  );
  lines.push(`  command: ${v.command.join(' ')}`);
  lines.push(`  cwd: ${v.cwd ?? '-'}    nofile: soft ${v.nofile.soft}, hard ${v.nofile.hard}`);
  if (f && f.total !== null) {
    const procs = v.processes.length;
    lines.push(
      `  descriptors: ${f.total} open in ${procs} process${procs === 1 ? '' : 'es'}; pid ${f.nearest_pid} holds ${f.nearest_fds} of its ${f.limit ?? '?'}`,
    );
    if (f.by_type) {
      const types = Object.entries(f.by_type).filter(([, n]) => n > 0);
      lines.push('  by type: ' + types.map(([k, n]) => `${k} ${n}`).join(', '));
    }
    for (const t of f.top_targets.slice(0, 5)) {
      lines.push(`  ${t.target} open ${t.count} times${rate(t.slope_per_hour)}`);
    }
  }
  for (const r of v.sockets?.by_remote.slice(0, 5) ?? []) {
    lines.push(
      `  ${r.count} ${r.protocol.toUpperCase()} connection${r.count === 1 ? '' : 's'} ${r.state} to ${r.remote}`,
    );
  }
  if (v.rss_bytes !== null) {
    const pss = v.pss_bytes !== null ? `, ${formatBytes(v.pss_bytes)} PSS` : '';
    lines.push(
      `  memory: ${formatBytes(v.rss_bytes)} resident (whole tree)${pss}, limit ${formatBytes(v.mem_limit_bytes)}`,
    );
  }
  for (const [metric, l] of Object.entries(v.leak ?? {})) {
    if (l) lines.push(`  leak (${metric}): ${l.verdict}${l.reason ? ` — ${l.reason}` : ''}`);
  }
  if (v.processes.length > 1) {
    lines.push('  processes:');
    for (const p of v.processes) {
      lines.push(
        `    ${p.pid} (parent ${p.ppid}) ${p.fds}/${p.fd_limit ?? '?'} fds, ${formatBytes(p.rss_bytes)}  ${p.cmd}`,
      );
    }
  }
  if (v.last_exit) {
    lines.push(
      `  last exit: ${v.last_exit.detail} (${v.last_exit.reason}) at ${new Date(v.last_exit.at).toISOString()}`,
    );
  }
  if (v.failed_reason) lines.push(`  failed: ${v.failed_reason}`);
  if (v.standby_pid !== null && v.standby_pid !== undefined)
    lines.push(`  standby: pid ${v.standby_pid} waits to replace it at once if it crashes`);
  return lines.join('\n') + '\n';
}

import { writeFileSync } from 'node:fs';
import { VigilClient } from '../../client/client.js';
import { parseDuration } from '../../config/units.js';
import { formatTraceCsv, type TraceRow } from '../../leak/index.js';
import { parse } from '../args.js';
import { UsageError, type Command } from '../command.js';

export const exportCmd: Command = {
  name: 'export',
  summary: "write a service's resource history as a trace CSV (what `vigil analyze` reads)",
  usage: 'vigil export NAME --csv [--since DUR] [-o FILE]   (DUR like 30m, 6h, 2d; default 24h)',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      { csv: { type: 'boolean' }, since: { type: 'string' }, output: { type: 'string', short: 'o' } },
      1,
    );
    const name = positionals[0];
    if (!name) throw new UsageError('give a service name');
    if (!values.csv) throw new UsageError('say the format: --csv (the trace format of `vigil analyze`)');
    const sinceMs = values.since === undefined ? 24 * 3600_000 : parseDuration(values.since);
    if (sinceMs === undefined)
      throw new UsageError(`--since takes a duration like 30m, 6h or 2d, not '${values.since}'`);
    const h = await new VigilClient().history(name, { since: Date.now() - sinceMs });
    const rows: TraceRow[] = h.points
      .filter(
        (p) => p.fds !== null && p.fd_limit !== null && p.rss_bytes !== null && p.mem_limit_bytes !== null,
      )
      .map((p) => ({
        t: Math.round(p.t / 1000),
        fds: p.fds!,
        fd_limit: p.fd_limit!,
        rss_bytes: p.rss_bytes!,
        mem_limit_bytes: p.mem_limit_bytes!,
      }));
    const csv = formatTraceCsv(rows);
    if (values.output) {
      writeFileSync(values.output, csv);
      io.err(`wrote ${rows.length} samples (${h.resolution}) to ${values.output}\n`);
    } else io.out(csv);
    return 0;
  },
};

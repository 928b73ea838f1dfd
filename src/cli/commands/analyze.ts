import { readFile } from 'node:fs/promises';
import { VigilError, errorMessage } from '../../errors.js';
import { parseTraceCsv } from '../../leak/trace-csv.js';
import { replayTrace, type ReplayResult } from '../../leak/replay.js';
import { formatAmount, formatSpan } from '../../leak/format.js';
import type { Command } from '../command.js';
import { UsageError } from '../command.js';
import { paint, printJson, table, type CliIO } from '../output.js';

function summary(r: ReplayResult) {
  return {
    verdict: r.final.verdict,
    first_alarm_t: r.first_alarm_t,
    eta_t_at_alarm: r.eta_t_at_alarm === null ? null : Math.round(r.eta_t_at_alarm),
    slope_per_hour: r.final.slope_per_hour,
  };
}

/** `vigil analyze FILE.csv [--json]`: replays a trace through the leak detector, as the daemon would live. */
export const analyze: Command = {
  name: 'analyze',
  summary: 'replay a trace CSV through the leak detector',
  usage: 'vigil analyze FILE.csv [--json]',
  async run(args, io) {
    const json = args.includes('--json');
    const files = args.filter((a) => a !== '--json');
    const unknown = files.find((a) => a.startsWith('-'));
    if (unknown) throw new UsageError(`unknown option '${unknown}'`);
    if (files.length !== 1) throw new UsageError('expected exactly one trace file');
    const file = files[0]!;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      throw new VigilError('TRACE_UNREADABLE', `cannot read ${file}: ${errorMessage(err)}`, { file });
    }
    const rows = parseTraceCsv(text, file);
    if (rows.length === 0) throw new VigilError('TRACE_EMPTY', `${file}: no samples after the header`);
    const res = replayTrace(rows);
    if (json) {
      printJson(io, { fds: summary(res.fds), rss: summary(res.rss) });
      return 0;
    }
    printHuman(io, rows[0]!.t, rows[rows.length - 1]!.t, rows.length, res);
    return 0;
  },
};

function printHuman(
  io: CliIO,
  t0: number,
  t1: number,
  n: number,
  res: { fds: ReplayResult; rss: ReplayResult },
): void {
  io.out(`${n} samples over ${formatSpan(t1 - t0)}\n\n`);
  const rows = (['fds', 'rss'] as const).map((m) => {
    const r = res[m];
    const v = r.final.verdict;
    const style = v === 'leak' ? 'red' : v === 'growing' ? 'yellow' : 'green';
    const alarm =
      r.first_alarm_t === null
        ? '-'
        : `+${formatSpan(r.first_alarm_t - t0)}` +
          (r.eta_t_at_alarm === null ? '' : `, limit predicted at +${formatSpan(r.eta_t_at_alarm - t0)}`);
    const slope = r.final.slope_per_hour;
    const rate = slope === null ? '-' : `${slope >= 0 ? '+' : '-'}${formatAmount(m, Math.abs(slope))}/h`;
    return [m, paint(io, style, v), rate, alarm, r.final.reason];
  });
  io.out(table(['METRIC', 'VERDICT', 'SLOPE', 'FIRST ALARM', 'REASON'], rows));
}

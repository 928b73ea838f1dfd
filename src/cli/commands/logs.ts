import { VigilClient, type LogLine, type LogQuery } from '../../client/client.js';
import { parseDuration } from '../../config/units.js';
import { intOption, jsonOption, parse } from '../args.js';
import { UsageError, type Command } from '../command.js';
import { paint, type CliIO } from '../output.js';

function printLine(io: CliIO, l: LogLine, json: boolean): void {
  if (json) io.out(JSON.stringify(l) + '\n');
  else if (l.stream === 'err') io.out(paint(io, 'red', l.text) + '\n');
  else io.out(l.text + '\n');
}

export const logs: Command = {
  name: 'logs',
  summary: "a service's output: last lines, -f to follow, --since, --grep, --out/--err",
  usage: 'vigil logs NAME [-f] [-n N] [--since DUR] [--grep RE] [--out|--err] [--json]',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      {
        follow: { type: 'boolean', short: 'f' },
        n: { type: 'string', short: 'n' },
        since: { type: 'string' },
        grep: { type: 'string' },
        out: { type: 'boolean' },
        err: { type: 'boolean' },
        ...jsonOption,
      },
      1,
    );
    const name = positionals[0];
    if (!name) throw new UsageError('give a service name');
    if (values.grep !== undefined) {
      try {
        new RegExp(values.grep);
      } catch (err) {
        throw new UsageError(`--grep: ${(err as Error).message}`);
      }
    }
    let since: number | undefined;
    if (values.since !== undefined) {
      const d = parseDuration(values.since);
      if (d === undefined)
        throw new UsageError(`--since takes a duration like 10m or 2h, not '${values.since}'`);
      since = Date.now() - d;
    }
    const q: LogQuery = {
      n: intOption('n', values.n, 1, 100_000) ?? (values.follow ? 10 : 100),
      since,
      grep: values.grep,
      stream: values.out && !values.err ? 'out' : values.err && !values.out ? 'err' : 'both',
    };
    const client = new VigilClient();
    const json = Boolean(values.json);
    const { lines } = await client.logs(name, q);
    if (json && !values.follow) {
      io.out(JSON.stringify(lines, null, 2) + '\n');
      return 0;
    }
    for (const l of lines) printLine(io, l, json);
    if (!values.follow) return 0;
    const ac = new AbortController();
    process.once('SIGINT', () => ac.abort());
    for await (const l of client.followLogs(name, { grep: q.grep, stream: q.stream }, ac.signal))
      printLine(io, l, json);
    return 0;
  },
};

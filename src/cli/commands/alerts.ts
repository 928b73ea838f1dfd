import { VigilClient } from '../../client/client.js';
import { intOption, jsonOption, parse } from '../args.js';
import { UsageError, type Command } from '../command.js';
import { formatDuration, paint, printJson, table } from '../output.js';

export const alerts: Command = {
  name: 'alerts',
  summary: 'open and recent alerts; `alerts ack ID` acknowledges one',
  usage: 'vigil alerts [--open] [--service NAME] [-n N] [--json] | vigil alerts ack ID [--json]',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      {
        open: { type: 'boolean' },
        service: { type: 'string' },
        n: { type: 'string', short: 'n' },
        ...jsonOption,
      },
      2,
    );
    const client = new VigilClient();
    if (positionals[0] === 'ack') {
      const id = intOption('id', positionals[1], 1);
      if (id === undefined)
        throw new UsageError('give the id of the alert to acknowledge (see vigil alerts)');
      const a = await client.ackAlert(id);
      if (values.json) printJson(io, a);
      else
        io.out(
          `alert ${id} acknowledged${a.kind === 'leak-loop' ? '; leak restarts of ' + a.service + ' resume' : ''}\n`,
        );
      return 0;
    }
    if (positionals.length > 0) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const list = await client.alerts({
      status: values.open ? 'open' : undefined,
      service: values.service,
      limit: intOption('n', values.n, 1, 10_000) ?? 50,
    });
    if (values.json) {
      printJson(io, list);
      return 0;
    }
    if (list.length === 0) {
      io.out('No alerts.\n');
      return 0;
    }
    const now = Date.now();
    io.out(
      table(
        ['ID', 'STATUS', 'SEVERITY', 'SERVICE', 'KIND', 'AGE', 'MESSAGE'],
        list.map((a) => [
          String(a.id),
          a.status === 'open' ? paint(io, 'bold', a.acked_at ? 'open (acked)' : 'open') : 'resolved',
          a.severity === 'critical' ? paint(io, 'red', 'critical') : paint(io, 'yellow', 'warning'),
          a.service ?? '(daemon)',
          a.kind,
          formatDuration((now - a.opened_at) / 1000),
          a.message,
        ]),
      ),
    );
    return 0;
  },
};

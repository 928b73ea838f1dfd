import { VigilClient } from '../../client/client.js';
import type { ShownInstant } from '../../schedule/describe.js';
import type { ScheduleEntry } from '../../schedule/enforcer.js';
import { jsonOption, parse } from '../args.js';
import type { Command } from '../command.js';
import { printJson, table, type CliIO } from '../output.js';

/** "2026-11-24T09:20:00+05:30" in Asia/Kolkata → "2026-11-24 09:20 Asia/Kolkata" (seconds only if set). */
export function shortLocal(i: ShownInstant): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(i.local);
  if (!m) return `${i.local} ${i.zone}`;
  const secs = m[3] && m[3] !== ':00' ? m[3] : '';
  return `${m[1]} ${m[2]}${secs} ${i.zone}`;
}

/** "2026-11-24T03:50:00Z" → "2026-11-24 03:50Z" (seconds only if set). */
function shortUtc(i: ShownInstant): string {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?/.exec(i.utc);
  if (!m) return i.utc;
  const secs = m[3] && m[3] !== ':00' ? m[3] : '';
  return `${m[1]} ${m[2]}${secs}Z`;
}

function stateOf(e: ScheduleEntry): string {
  const parts = [e.active ? 'window open' : 'waiting'];
  if (e.held_until) parts.push(`held until ${shortLocal(e.held_until)}`);
  if (e.manual_run)
    parts.push(`started by hand until ${e.manual_run.until ? shortLocal(e.manual_run.until) : 'stopped'}`);
  return parts.join(', ');
}

function printSchedule(io: CliIO, list: ScheduleEntry[]): void {
  if (list.length === 0) {
    io.out("No scheduled services. Give a service a 'schedule:' in vigil.yaml and apply it.\n");
    return;
  }
  const at = (i: ShownInstant | null, f: (i: ShownInstant) => string) => (i ? f(i) : 'none ahead');
  io.out(
    table(
      ['NAME', 'STATE', 'NEXT START', 'NEXT START (UTC)', 'NEXT STOP', 'NEXT STOP (UTC)'],
      list.map((e) => [
        e.service,
        stateOf(e),
        at(e.next_start, shortLocal),
        at(e.next_start, shortUtc),
        at(e.next_stop, shortLocal),
        at(e.next_stop, shortUtc),
      ]),
    ),
  );
  for (const e of list) io.out(`${e.service}: ${e.windows.map((w) => w.summary).join('; ')}\n`);
}

export const schedule: Command = {
  name: 'schedule',
  summary: 'scheduled services with their next start and stop (in their zone and in UTC)',
  usage: 'vigil schedule [--json]',
  async run(args, io) {
    const { values } = parse(args, { ...jsonOption });
    const list = await new VigilClient().schedule();
    if (values.json) printJson(io, list);
    else printSchedule(io, list);
    return 0;
  },
};

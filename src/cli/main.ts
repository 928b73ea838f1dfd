import { VigilError, errorMessage } from '../errors.js';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { analyze } from './commands/analyze.js';
import { apply, dashboard, down, up } from './commands/daemon-cmds.js';
import { doctor } from './commands/doctor.js';
import { startup } from './commands/startup.js';
import { exportCmd } from './commands/export.js';
import { logs } from './commands/logs.js';
import { alerts } from './commands/alerts.js';
import { schedule } from './commands/schedule.js';
import { events, inspect, ls, restart, rm, start, stop } from './commands/service-cmds.js';
import { defaultIO, type CliIO } from './output.js';

/** Every command, in the order `vigil help` lists them. */
export const commands: Command[] = [
  up,
  down,
  apply,
  start,
  stop,
  restart,
  rm,
  ls,
  inspect,
  logs,
  events,
  alerts,
  schedule,
  exportCmd,
  dashboard,
  analyze,
  startup,
  doctor,
];

function help(io: CliIO): void {
  const w = Math.max(...commands.map((c) => c.name.length));
  io.out('vigil — a process supervisor that catches leaks before they kill your services\n\n');
  io.out('Usage: vigil COMMAND [options]\n\n');
  for (const c of commands) io.out(`  ${c.name.padEnd(w)}  ${c.summary}\n`);
  io.out('\nRun `vigil help COMMAND` for a command’s options. Most commands accept --json.\n');
}

/** Runs the CLI with `argv` (without node and script), returning the exit code. */
export async function main(argv: string[], io: CliIO = defaultIO()): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    const target = rest[0] && commands.find((c) => c.name === rest[0]);
    if (target) io.out(`Usage: ${target.usage}\n`);
    else help(io);
    return 0;
  }
  if (name === '--version' || name === '-V') {
    const { version } = await import('../version.js');
    io.out(`${version}\n`);
    return 0;
  }
  const cmd = commands.find((c) => c.name === name);
  if (!cmd) {
    io.err(`vigil: unknown command '${name}'. Run 'vigil help' for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(`Usage: ${cmd.usage}\n`);
    return 0;
  }
  try {
    return await cmd.run(rest, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`vigil ${name}: ${err.message}\nUsage: ${cmd.usage}\n`);
      return 2;
    }
    if (err instanceof VigilError) {
      io.err(`vigil ${name}: ${err.message}\n`);
      return 1;
    }
    io.err(`vigil ${name}: ${errorMessage(err)}\n`);
    return 1;
  }
}

import { VigilError, errorMessage } from '../errors.js';
import type { Command } from './command.js';
import { UsageError } from './command.js';
import { defaultIO, type CliIO } from './output.js';

/**
 * Every command, in the order `vigil help` lists them, loaded only when run: importing all of them would
 * cost every command ~15 ms of module loading for the other seventeen.
 */
const loaders: [string, () => Promise<Command>][] = [
  ['up', async () => (await import('./commands/daemon-cmds.js')).up],
  ['down', async () => (await import('./commands/daemon-cmds.js')).down],
  ['apply', async () => (await import('./commands/daemon-cmds.js')).apply],
  ['start', async () => (await import('./commands/service-cmds.js')).start],
  ['stop', async () => (await import('./commands/service-cmds.js')).stop],
  ['restart', async () => (await import('./commands/service-cmds.js')).restart],
  ['rm', async () => (await import('./commands/service-cmds.js')).rm],
  ['ls', async () => (await import('./commands/service-cmds.js')).ls],
  ['inspect', async () => (await import('./commands/service-cmds.js')).inspect],
  ['logs', async () => (await import('./commands/logs.js')).logs],
  ['events', async () => (await import('./commands/service-cmds.js')).events],
  ['alerts', async () => (await import('./commands/alerts.js')).alerts],
  ['schedule', async () => (await import('./commands/schedule.js')).schedule],
  ['export', async () => (await import('./commands/export.js')).exportCmd],
  ['dashboard', async () => (await import('./commands/daemon-cmds.js')).dashboard],
  ['analyze', async () => (await import('./commands/analyze.js')).analyze],
  ['startup', async () => (await import('./commands/startup.js')).startup],
  ['doctor', async () => (await import('./commands/doctor.js')).doctor],
];

/** Every command (all modules loaded), in the order `vigil help` lists them. */
export async function allCommands(): Promise<Command[]> {
  return Promise.all(loaders.map(([, load]) => load()));
}

async function findCommand(name: string): Promise<Command | undefined> {
  const l = loaders.find(([n]) => n === name);
  return l ? l[1]() : undefined;
}

function help(io: CliIO, commands: Command[]): void {
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
    const target = rest[0] ? await findCommand(rest[0]) : undefined;
    if (target) io.out(`Usage: ${target.usage}\n`);
    else help(io, await allCommands());
    return 0;
  }
  if (name === '--version' || name === '-V') {
    const { version } = await import('../version.js');
    io.out(`${version}\n`);
    return 0;
  }
  const cmd = await findCommand(name);
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

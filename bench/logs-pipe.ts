/**
 * What the pipe's size does to log throughput, with and without a supervisor: the writer of
 * bench/logs.ts (1 GiB of numbered 100-byte lines in 1 MB writes) `> file`, piped into `cat > file`
 * through the kernel's default 64 KiB pipe and through a pipe grown to 1 MiB, and captured by
 * ServiceLogs (in its own process) with its pipes left at 64 KiB and grown (the default). Side by
 * side, alternating, every line checked.
 *
 * Run: npx tsx bench/logs-pipe.ts [--gib 1] [--rounds 5]   (needs perl for the grown `cat` pipe)
 */
import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import {
  benchLogs,
  directToFile,
  formatBench,
  viaCat,
  viaCatGrownPipe,
  viaServiceLogs,
  viaServiceLogsDefaultPipe,
} from './logs.js';

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const arg = (name: string, def: number): number => {
    const i = process.argv.indexOf(name);
    return i > 0 ? Number(process.argv[i + 1]) : def;
  };
  const gib = arg('--gib', 1);
  const rounds = arg('--rounds', 5);
  const t = Date.now();
  const load0 = loadavg()[0] as number;
  const rows = await benchLogs({
    bytes: Math.round(gib * 1024 ** 3),
    rounds,
    contenders: [directToFile, viaCat, viaCatGrownPipe, viaServiceLogsDefaultPipe, viaServiceLogs],
  });
  process.stdout.write(
    `${new Date().toISOString()}: ${gib} GiB per run, ${rounds} rounds, ${cpus().length} CPUs, load ` +
      `${load0.toFixed(1)} → ${(loadavg()[0] as number).toFixed(1)}, Node ${process.version}, ` +
      `${((Date.now() - t) / 1000).toFixed(0)} s\n\n`,
  );
  process.stdout.write(formatBench(rows));
  process.exitCode = rows.every((r) => r.intact) ? 0 : 1;
}

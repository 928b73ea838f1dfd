import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { resolveHome } from '../../daemon/home.js';
import { jsonOption, parse } from '../args.js';
import type { Command } from '../command.js';
import { printJson } from '../output.js';

/** A systemd unit that runs the daemon at boot; services come back with it. */
export function systemdUnit(opts: { home: string; port: number; file?: string; user: boolean }): string {
  const bin = fileURLToPath(new URL('../../../../bin/vigil.js', import.meta.url));
  const exec = [process.execPath, bin, 'up', ...(opts.file ? [opts.file] : [])].map((a) =>
    /\s/.test(a) ? `"${a}"` : a,
  );
  return `[Unit]
Description=Vigil process supervisor (VIGIL_HOME=${opts.home})
After=network-online.target
Wants=network-online.target

[Service]
Type=simple
Environment=VIGIL_HOME=${opts.home}
Environment=VIGIL_PORT=${opts.port}
ExecStart=${exec.join(' ')}
# The daemon stops its services gracefully itself (each within its stop_grace); only signal the daemon.
KillMode=process
TimeoutStopSec=120
Restart=on-failure
RestartSec=2
# Services get soft 1024 by default; this is the ceiling they may be raised to.
LimitNOFILE=1048576
# Let Vigil create cgroups for its services below its own.
Delegate=yes

[Install]
WantedBy=${opts.user ? 'default.target' : 'multi-user.target'}
`;
}

export const startup: Command = {
  name: 'startup',
  summary: 'print (or --install) a systemd unit that starts the daemon at boot',
  usage: 'vigil startup [FILE] [--install] [--user] [--unit-dir DIR] [--json]',
  async run(args, io) {
    const { values, positionals } = parse(
      args,
      {
        install: { type: 'boolean' },
        user: { type: 'boolean' },
        'unit-dir': { type: 'string' },
        ...jsonOption,
      },
      1,
    );
    const home = resolveHome();
    const port = Number(process.env.VIGIL_PORT || 7171);
    const user = Boolean(values.user) || process.geteuid?.() !== 0;
    const unit = systemdUnit({
      home,
      port,
      file: positionals[0] ? resolve(positionals[0]) : undefined,
      user,
    });
    const dir =
      values['unit-dir'] ?? (user ? join(homedir(), '.config', 'systemd', 'user') : '/etc/systemd/system');
    const path = join(dir, 'vigil.service');
    if (!values.install) {
      if (values.json) printJson(io, { path, unit });
      else io.out(unit + `\n# Install with: vigil startup --install   (writes ${path})\n`);
      return 0;
    }
    mkdirSync(dir, { recursive: true });
    writeFileSync(path, unit, { mode: 0o644 });
    let enabled = false;
    let note = '';
    if (!values['unit-dir']) {
      try {
        const sc = (a: string[]) =>
          execFileSync('systemctl', [...(user ? ['--user'] : []), ...a], { stdio: 'pipe' });
        sc(['daemon-reload']);
        sc(['enable', 'vigil.service']);
        enabled = true;
      } catch (err) {
        note = `wrote ${path}, but could not enable it with systemctl (${(err as Error).message.split('\n')[0]}); run: systemctl ${user ? '--user ' : ''}enable --now vigil`;
      }
    }
    if (values.json) printJson(io, { path, installed: true, enabled, note: note || undefined });
    else
      io.out(
        note
          ? note + '\n'
          : `Installed ${path}${enabled ? ' and enabled it: the daemon starts at boot' : ''}.\n`,
      );
    return 0;
  },
};

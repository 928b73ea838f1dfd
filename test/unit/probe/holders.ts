// Spawns test/fixtures/probe/holder.py children that hold descriptors open, and cleans them up.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fixture } from '../../helpers/paths.js';

export interface Holder {
  pid: number;
  info: { pid: number; grandchild?: number; zombie?: number };
  child: ChildProcess;
}

const live = new Set<Holder>();

/** Starts holder.py with `args` (through `prlimit --nofile=S:H` when given) and waits for its ready line. */
export async function spawnHolder(
  args: string[],
  opts: { nofile?: [number, number]; env?: Record<string, string> } = {},
): Promise<Holder> {
  const py = ['python3', fixture('probe', 'holder.py'), ...args];
  const argv = opts.nofile ? ['prlimit', `--nofile=${opts.nofile[0]}:${opts.nofile[1]}`, '--', ...py] : py;
  const child = spawn(argv[0] as string, argv.slice(1), {
    stdio: ['pipe', 'pipe', 'inherit'],
    env: { ...process.env, ...opts.env },
  });
  const line = await new Promise<string>((resolve, reject) => {
    const rl = createInterface({ input: child.stdout! });
    rl.once('line', (l) => {
      rl.close();
      resolve(l);
    });
    child.once('exit', (code) => reject(new Error(`holder exited early with ${code}: ${args.join(' ')}`)));
  });
  const h: Holder = { pid: child.pid!, info: JSON.parse(line) as Holder['info'], child };
  live.add(h);
  return h;
}

function killPid(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** Kills a holder and what it left behind (its double-forked grandchild), and waits for it. */
export async function killHolder(h: Holder): Promise<void> {
  live.delete(h);
  killPid(h.info.grandchild);
  if (h.child.exitCode === null && h.child.signalCode === null) {
    const exited = new Promise((r) => h.child.once('exit', r));
    killPid(h.pid);
    await exited;
  }
}

/** Kills every holder still alive (for after() hooks). */
export async function killAllHolders(): Promise<void> {
  await Promise.all([...live].map(killHolder));
}

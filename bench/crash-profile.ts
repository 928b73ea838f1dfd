// Where Vigil's daemon spends its time between a service's crash and the replacement's exec: runs the
// daemon under --cpu-prof, kills one service N times (as bench/supervisors.ts does), then summarises the
// profile by function (inclusive and self time) and the daemon's CPU time per restart.
// Run: cd bench && npm run bench:crash-profile   (BENCH_KILLS=200 by default)
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ChildWatcher, cpuMs, isAlive, nowMs, pidsWithArg, rssBytes, sleep, sleepSync } from './procfs.js';
import { removeDir, run } from './tools.js';

const KILLS = Number(process.env.BENCH_KILLS ?? 200);
const SERVICES = Number(process.env.BENCH_SERVICES ?? 100);
/** `crash` (default): N kills of one service; `start`: one apply of 100 services. */
const MODE = process.env.PROFILE === 'start' ? 'start' : 'crash';
/** Count only samples with this function on the stack (e.g. `startMany`), to see inside one phase. */
const FOCUS = process.env.PROFILE_FOCUS;

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Self and inclusive time (ms) per function, from a V8 .cpuprofile. */
function summarise(p: Profile, root: string): { name: string; self: number; incl: number }[] {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const label = (n: ProfileNode) => {
    const f = n.callFrame;
    const url = f.url.replace(`file://${root}/`, '');
    return `${f.functionName || '(anonymous)'} ${url ? `${url}:${f.lineNumber + 1}` : ''}`.trim();
  };
  const stackHas = (leaf: number, fn: string): boolean => {
    for (let id: number | undefined = leaf; id !== undefined; id = parent.get(id))
      if (byId.get(id)!.callFrame.functionName === fn) return true;
    return false;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const dt = (p.timeDeltas[i + 1] ?? 0) / 1000;
    let id: number | undefined = p.samples[i]!;
    if (FOCUS && !stackHas(id, FOCUS)) continue;
    const leaf = byId.get(id)!;
    self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
    const seen = new Set<string>();
    while (id !== undefined) {
      const l = label(byId.get(id)!);
      if (!seen.has(l)) incl.set(l, (incl.get(l) ?? 0) + dt);
      seen.add(l);
      id = parent.get(id);
    }
  }
  return [...incl.entries()].map(([name, t]) => ({ name, incl: t, self: self.get(name) ?? 0 }));
}

async function main(): Promise<void> {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const dir = mkdtempSync(join(tmpdir(), 'vigil-crash-profile-'));
  const home = join(dir, 'home');
  const profDir = join(dir, 'prof');
  const env = { ...process.env, VIGIL_HOME: home };
  const daemon = spawn(
    process.execPath,
    ['--cpu-prof', `--cpu-prof-dir=${profDir}`, join(root, 'bin', 'vigil.js'), 'up', '--port', '0'],
    { env, stdio: 'ignore' },
  );
  const pid = daemon.pid!;
  const marker = `3600.${process.pid}9999`;
  try {
    for (let i = 0; i < 200 && !existsSync(join(home, 'daemon.json')); i++) await sleep(50);
    const file = join(dir, 'vigil.yaml');
    const vigil = (...a: string[]) => run(process.execPath, [join(root, 'bin', 'vigil.js'), ...a], env);
    const svc = (arg: string) => ({
      command: ['sleep', arg],
      cwd: dir,
      backoff: { initial: 0, max: 0, reset: 0 },
      min_uptime: 0,
    });
    let headline: string;
    let n: number;
    if (MODE === 'start') {
      // 100 services in one apply, as the bench does; the profile is then divided per service.
      n = SERVICES;
      const services: Record<string, unknown> = {};
      for (let i = 0; i < n; i++) services[`s${i}`] = svc(`${marker}${i}`);
      writeFileSync(file, JSON.stringify({ services }));
      const w = new ChildWatcher(
        pid,
        (argv) => basename(argv[0] ?? '') === 'sleep' && (argv[1] ?? '').startsWith(marker),
      );
      const cpu0 = cpuMs(pid);
      const t = nowMs();
      let cliMs = 0;
      const applying = vigil('apply', file).then(() => (cliMs = nowMs() - t));
      let allMs = NaN;
      for (let i = 0; nowMs() - t < 60_000; i++) {
        if (w.scan().length >= n) {
          allMs = nowMs() - t;
          break;
        }
        sleepSync(0.5);
        if (i % 20 === 0) await new Promise((r) => setImmediate(r));
      }
      await applying;
      await sleep(1000);
      headline =
        `${n} services: all running after ${allMs.toFixed(0)} ms (the CLI returned after ${cliMs.toFixed(0)} ms); ` +
        `daemon CPU ${((cpuMs(pid) - cpu0) / n).toFixed(2)} ms per service`;
    } else {
      n = KILLS;
      writeFileSync(file, JSON.stringify({ services: { crash: svc(marker) } }));
      await vigil('apply', file);
      const w = new ChildWatcher(pid, (argv) => basename(argv[0] ?? '') === 'sleep' && argv[1] === marker);
      let current = 0;
      for (const until = Date.now() + 10_000; !current && Date.now() < until; sleepSync(1))
        current = w.scan()[0] ?? 0;
      await sleep(500);
      const lat: number[] = [];
      const cpu0 = cpuMs(pid);
      for (let k = 0; k < KILLS; k++) {
        const old = current;
        w.forget(old);
        const t = nowMs();
        process.kill(old, 'SIGKILL');
        let next = 0;
        while (!next && nowMs() - t < 5000) {
          next = w.scan().find((p) => p !== old) ?? 0;
          if (!next) sleepSync(0.5);
        }
        if (!next) throw new Error('no replacement within 5 s');
        lat.push(nowMs() - t);
        current = next;
        sleepSync(50);
      }
      lat.sort((a, b) => a - b);
      headline =
        `${KILLS} kills: crash → replacement median ${lat[Math.floor(lat.length / 2)]!.toFixed(2)} ms, ` +
        `p95 ${lat[Math.ceil(0.95 * lat.length) - 1]!.toFixed(2)} ms; daemon CPU ${((cpuMs(pid) - cpu0) / KILLS).toFixed(2)} ms per restart`;
    }
    const rssMiB = (rssBytes(pid) / 1048576).toFixed(1);
    daemon.kill('SIGINT');
    for (let i = 0; i < 200 && isAlive(pid); i++) await sleep(50);
    const prof = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (!prof) throw new Error('the daemon wrote no CPU profile');
    const rows = summarise(JSON.parse(readFileSync(join(profDir, prof), 'utf8')) as Profile, root);
    const unit = MODE === 'start' ? 'service' : 'restart';
    const out: string[] = [
      headline,
      `daemon RSS at the end: ${rssMiB} MiB`,
      '',
      `Vigil functions by inclusive time in the profile, whole run (ms, per ${unit}):`,
    ];
    const per = (x: number) => `${x.toFixed(0).padStart(6)} ms ${(x / n).toFixed(3).padStart(7)}`;
    for (const r of rows
      .filter((r) => r.name.includes('dist/src/'))
      .sort((a, b) => b.incl - a.incl)
      .slice(0, FOCUS ? 60 : 25))
      out.push(`  incl ${per(r.incl)}  self ${per(r.self)}  ${r.name}`);
    out.push('', `Top functions by self time (ms, per ${unit}):`);
    for (const r of rows.sort((a, b) => b.self - a.self).slice(0, FOCUS ? 30 : 15))
      out.push(`  self ${per(r.self)}  ${r.name}`);
    process.stdout.write(out.join('\n') + '\n');
  } finally {
    if (isAlive(pid)) daemon.kill('SIGKILL');
    await sleep(200);
    for (const p of pidsWithArg(marker)) {
      try {
        process.kill(p, 'SIGKILL');
      } catch {
        // gone
      }
    }
    removeDir(dir);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`crash-profile failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});

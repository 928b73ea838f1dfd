// Two costs behind Vigil's restart latency and memory, measured in isolation:
//  (a) Node's spawn() forks the whole daemon synchronously, so its cost grows with the daemon's resident memory;
//  (b) Vigil's /proc scan (findServiceProcesses) reads every /proc/N/stat and /proc/N/environ with readFileSync,
//      which allocates a 64 KiB buffer per file whose size the kernel reports as 0.
// Run: cd bench && npm run bench:daemon-costs
import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { findServiceProcesses } from '../src/supervisor/proc.js';
import { nowMs } from './procfs.js';

const MiB = 1024 * 1024;
const rss = () => process.memoryUsage().rss / MiB;

async function spawnCost(extraMiB: number): Promise<string> {
  const keep: Buffer[] = [];
  for (let i = 0; i < extraMiB; i++) keep.push(Buffer.alloc(MiB, 1));
  const ts: number[] = [];
  for (let i = 0; i < 60; i++) {
    const t = nowMs();
    const c = spawn('/bin/sh', ['-c', 'exit 0'], { detached: true, stdio: 'ignore', env: process.env });
    ts.push(nowMs() - t);
    await new Promise((r) => c.once('exit', r));
  }
  ts.sort((a, b) => a - b);
  return `spawn() call with RSS ${rss().toFixed(0)} MiB: median ${ts[30]!.toFixed(2)} ms, p90 ${ts[54]!.toFixed(2)} ms (${keep.length} MiB held)`;
}

function scanMemory(reuse: boolean): string {
  const buf = Buffer.alloc(16384);
  const readInto = (path: string) => {
    let fd: number | undefined;
    try {
      fd = openSync(path, 'r');
      return readSync(fd, buf, 0, buf.length, 0);
    } catch {
      return 0;
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
  };
  const r0 = rss();
  const t = nowMs();
  let procs = 0;
  for (let i = 0; i < 300; i++) {
    if (!reuse) findServiceProcesses(999_999, { key: 'VIGIL_SERVICE_ID', value: 'bench/none' }, 999_999);
    else {
      const pids = readdirSync('/proc').filter((n) => /^\d+$/.test(n));
      procs = pids.length;
      for (const p of pids) {
        readInto(`/proc/${p}/stat`);
        readInto(`/proc/${p}/environ`);
      }
    }
  }
  const what = reuse ? 'same reads into one reused buffer' : "Vigil's findServiceProcesses";
  return `300 scans, ${what}: ${((nowMs() - t) / 300).toFixed(2)} ms per scan, RSS ${r0.toFixed(0)} → ${rss().toFixed(0)} MiB${procs ? ` (${procs} processes)` : ''}`;
}

function child(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.once('error', reject);
    c.once('close', () => resolve(out.trim()));
  });
}

async function main(): Promise<void> {
  const [mode, arg] = process.argv.slice(2);
  if (mode === 'spawn') return void process.stdout.write((await spawnCost(Number(arg))) + '\n');
  if (mode === 'scan') return void process.stdout.write(scanMemory(arg === 'reuse') + '\n');
  // Each measurement in a fresh process, so one does not inherit the other's heap.
  for (const args of [
    ['spawn', '0'],
    ['spawn', '100'],
    ['scan', 'vigil'],
    ['scan', 'reuse'],
  ])
    process.stdout.write((await child(args)) + '\n');
}

void main();

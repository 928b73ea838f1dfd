import { execFile } from 'node:child_process';
import { parseBootTime } from './parse-meminfo.js';
import { readProcText } from './proc-read.js';

let ticks: Promise<number> | undefined;
let boot: Promise<number | null> | undefined;

/** Clock ticks per second (CLK_TCK): `getconf CLK_TCK`, asked once; 100 (Linux's value) if that fails. */
export function clockTicks(): Promise<number> {
  ticks ??= new Promise((resolve) => {
    execFile('getconf', ['CLK_TCK'], { timeout: 2000 }, (err, stdout) => {
      const n = Number(String(stdout).trim());
      resolve(!err && Number.isInteger(n) && n > 0 ? n : 100);
    });
  });
  return ticks;
}

/** Boot time in seconds since the epoch (btime of /proc/stat), read once. */
export function bootTimeSec(): Promise<number | null> {
  boot ??= readProcText('/proc/stat').then((t) => (t === null ? null : parseBootTime(t)));
  return boot;
}

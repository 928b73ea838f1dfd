// `vigil analyze FILE.csv [--json]` replays a real file through the detector (the real CLI code path).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main.js';
import type { CliIO } from '../../../src/cli/output.js';
import { formatTraceCsv, type TraceRow } from '../../../src/leak/trace-csv.js';

function capture(): CliIO & { stdout: string; stderr: string } {
  const io = {
    stdout: '',
    stderr: '',
    color: false,
    out: (s: string) => {
      io.stdout += s;
    },
    err: (s: string) => {
      io.stderr += s;
    },
  };
  return io;
}

/** 12 hours at 15 s: fds leak 100/h towards 1024, memory flat. */
function leakingTrace(): TraceRow[] {
  const rows: TraceRow[] = [];
  for (let i = 0; i * 15 <= 12 * 3600; i++) {
    const t = 1767225600 + i * 15;
    const fds = Math.min(1024, Math.round(200 + (i * 15 * 100) / 3600 + (i % 7)));
    rows.push({ t, fds, fd_limit: 1024, rss_bytes: 200e6 + (i % 11) * 1e6, mem_limit_bytes: 2 ** 30 });
    if (fds >= 1024) break;
  }
  return rows;
}

const dir = mkdtempSync(join(tmpdir(), 'vigil-analyze-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

test('analyze --json reports the fds leak, its first alarm and ETA, and no rss alarm', async () => {
  const rows = leakingTrace();
  const file = join(dir, 'leak.csv');
  writeFileSync(file, formatTraceCsv(rows));
  const io = capture();
  assert.equal(await main(['analyze', file, '--json'], io), 0, io.stderr);
  const out = JSON.parse(io.stdout);
  const end = rows[rows.length - 1]!.t;
  assert.equal(out.fds.verdict, 'leak');
  assert.ok(out.fds.first_alarm_t > rows[0]!.t && out.fds.first_alarm_t < end);
  assert.ok(Math.abs(out.fds.eta_t_at_alarm - end) < 0.3 * (end - out.fds.first_alarm_t));
  assert.ok(Math.abs(out.fds.slope_per_hour - 100) < 15, `slope ${out.fds.slope_per_hour}`);
  assert.equal(out.rss.first_alarm_t, null);
  assert.equal(out.rss.eta_t_at_alarm, null);
  assert.notEqual(out.rss.verdict, 'leak');
});

test('analyze without --json prints a short table for people', async () => {
  const file = join(dir, 'leak.csv');
  writeFileSync(file, formatTraceCsv(leakingTrace()));
  const io = capture();
  assert.equal(await main(['analyze', file], io), 0, io.stderr);
  assert.match(io.stdout, /METRIC\s+VERDICT/);
  assert.match(io.stdout, /^fds\s+leak\s+\+\d+\/h/m);
  assert.match(io.stdout, /limit 1024 /);
});

test('analyze on a malformed file fails with one line naming the file and line', async () => {
  const file = join(dir, 'bad.csv');
  writeFileSync(file, 't,fds,fd_limit,rss_bytes,mem_limit_bytes\n1,2,3,4,5\n2,x,3,4,5\n');
  const io = capture();
  assert.equal(await main(['analyze', file, '--json'], io), 1);
  assert.equal(io.stdout, '');
  assert.equal(io.stderr, `vigil analyze: ${file}:3: fds is not a number: 'x'\n`);
});

test('analyze on a missing file or without a file fails clearly', async () => {
  const io = capture();
  assert.equal(await main(['analyze', join(dir, 'nope.csv')], io), 1);
  assert.match(io.stderr, /^vigil analyze: cannot read .*nope\.csv: /);
  const io2 = capture();
  assert.equal(await main(['analyze'], io2), 2);
  assert.match(io2.stderr, /expected exactly one trace file/);
});

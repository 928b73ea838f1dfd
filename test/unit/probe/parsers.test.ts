import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fixture } from '../../helpers/paths.js';
import { parseProcStat } from '../../../src/probe/parse-stat.js';
import { parseProcStatus } from '../../../src/probe/parse-status.js';
import { parseProcLimits, finiteLimit } from '../../../src/probe/parse-limits.js';
import { parseSmapsRollup } from '../../../src/probe/parse-smaps-rollup.js';
import { parseEnviron, environHas, environValues } from '../../../src/probe/parse-environ.js';
import { parseMeminfo, parseBootTime } from '../../../src/probe/parse-meminfo.js';
import { ProcParseError } from '../../../src/probe/parse-error.js';

const read = (name: string): string => readFileSync(fixture('probe', name), 'utf8');

test('stat: captured text of a running process', () => {
  const s = parseProcStat(read('stat-self.txt'));
  assert.equal(s.pid, 5953);
  assert.equal(s.comm, 'cat');
  assert.equal(s.state, 'R');
  assert.equal(s.ppid, 5950);
  assert.equal(s.pgrp, 5950);
  assert.equal(s.session, 3432);
  assert.equal(s.num_threads, 1);
  assert.equal(s.start_ticks, 45726);
  assert.equal(s.vsize_bytes, 3133440);
  assert.equal(s.rss_pages, 387);
});

test('stat-comm-with-close-paren-space-open-paren-does-not-shift-fields', () => {
  const s = parseProcStat(read('stat-comm-parens.txt'));
  assert.equal(s.pid, 4242);
  assert.equal(s.comm, 'a) (b) c');
  assert.equal(s.state, 'R');
  assert.equal(s.ppid, 5950);
  assert.equal(s.start_ticks, 45726);
});

test('stat: a comm holding spaces and a trailing newline in the file', () => {
  const s = parseProcStat('77 (my worker 1) S 1 77 77 0 -1 0 0 0 0 0 3 4 0 0 20 0 5 0 999 100 7\n');
  assert.equal(s.comm, 'my worker 1');
  assert.equal(s.utime_ticks, 3);
  assert.equal(s.stime_ticks, 4);
  assert.equal(s.num_threads, 5);
  assert.equal(s.start_ticks, 999);
  assert.equal(s.rss_pages, 7);
});

test('stat: a zombie (captured) reads as state Z', () => {
  const s = parseProcStat(read('zombie-stat.txt'));
  assert.equal(s.state, 'Z');
  assert.equal(s.comm, 'python3');
  assert.equal(s.rss_pages, 0);
});

test('stat: truncated or empty text is a ProcParseError with code PROBE_PARSE', () => {
  for (const bad of ['', '12 (x) S 1 2', 'garbage']) {
    assert.throws(
      () => parseProcStat(bad),
      (e: unknown) => e instanceof ProcParseError && e.code === 'PROBE_PARSE',
    );
  }
});

test('status: VmRSS, VmSwap, Threads, Uid and Gid of a captured process', () => {
  const s = parseProcStatus(read('status-self.txt'));
  assert.equal(s.name, 'cat');
  assert.equal(s.rss_bytes, 1760 * 1024);
  assert.equal(s.swap_bytes, 0);
  assert.equal(s.threads, 1);
  assert.deepEqual(s.uid, [0, 0, 0, 0]);
  assert.deepEqual(s.gid, [0, 0, 0, 0]);
});

test('status-of-zombie-has-no-memory-fields-and-gives-null-not-zero-or-NaN', () => {
  const s = parseProcStatus(read('zombie-status.txt'));
  assert.equal(s.state, 'Z');
  assert.equal(s.rss_bytes, null);
  assert.equal(s.swap_bytes, null);
  assert.equal(s.threads, 1);
});

test('limits: soft and hard of open files, processes and address space; unlimited kept as such', () => {
  const l = parseProcLimits(read('limits-self.txt'));
  assert.deepEqual(l.open_files, { soft: 20000, hard: 20000, unit: 'files' });
  assert.deepEqual(l.processes, { soft: 96365, hard: 96365, unit: 'processes' });
  assert.deepEqual(l.address_space, { soft: 'unlimited', hard: 'unlimited', unit: 'bytes' });
  assert.equal(Object.keys(l.all).length, 16);
  const low = parseProcLimits(read('limits-low-nofile.txt'));
  assert.deepEqual(low.open_files, { soft: 64, hard: 1048576, unit: 'files' });
  assert.deepEqual(low.processes, { soft: 512, hard: 4096, unit: 'processes' });
  // A row without a unit column.
  assert.deepEqual(low.all['Max nice priority'], { soft: 0, hard: 0, unit: null });
  assert.equal(finiteLimit(low.address_space?.soft), null);
  assert.equal(finiteLimit(low.open_files?.soft), 64);
});

test('smaps_rollup: Pss, Rss, Swap, SwapPss in bytes; empty text gives nulls', () => {
  const r = parseSmapsRollup(read('smaps_rollup-self.txt'));
  assert.deepEqual(r, { rss_bytes: 1772 * 1024, pss_bytes: 411 * 1024, swap_bytes: 0, swap_pss_bytes: 0 });
  assert.deepEqual(parseSmapsRollup(''), {
    rss_bytes: null,
    pss_bytes: null,
    swap_bytes: null,
    swap_pss_bytes: null,
  });
});

test('environ: NUL-separated, values with "=", first occurrence wins', () => {
  const text = read('environ-marker.bin');
  const env = parseEnviron(text);
  assert.equal(env.get('VIGIL_SERVICE'), 'web-1');
  assert.equal(env.get('X'), 'a=b');
  assert.equal(env.get('EMPTY'), '');
  assert.equal(env.get('PATH'), '/usr/bin:/bin');
});

test('environHas-matches-whole-entries-only-not-prefixes-or-suffixes', () => {
  const text = read('environ-marker.bin');
  assert.equal(environHas(text, 'VIGIL_SERVICE', 'web-1'), true);
  assert.equal(environHas(text, 'VIGIL_SERVICE', 'shadow'), true);
  assert.equal(environHas(text, 'VIGIL_SERVICE', 'web'), false);
  assert.equal(environHas(text, 'SERVICE', 'web-1'), false);
  assert.equal(environHas(text, 'EMPTY', ''), true);
  assert.equal(environHas('', 'A', 'b'), false);
  assert.equal(environHas('A=b', 'A', 'b'), true);
});

test('environValues lists every whole value of a key, agreeing with environHas', () => {
  const text = read('environ-marker.bin');
  const values = environValues(text, 'VIGIL_SERVICE');
  assert.ok(values.includes('web-1') && values.includes('shadow'));
  for (const v of ['web-1', 'shadow', 'web', '', 'web-12'])
    assert.equal(values.includes(v), environHas(text, 'VIGIL_SERVICE', v), v);
  assert.deepEqual(environValues(text, 'SERVICE'), []);
  assert.deepEqual(environValues(text, 'EMPTY'), ['']);
  assert.deepEqual(environValues('A=b', 'A'), ['b']);
  assert.deepEqual(environValues('', 'A'), []);
});

test('meminfo and /proc/stat btime', () => {
  const m = parseMeminfo(read('meminfo.txt'));
  assert.equal(m.total_bytes, 24684084 * 1024);
  assert.ok(m.available_bytes !== null && m.available_bytes <= m.total_bytes);
  assert.equal(parseBootTime('cpu  1 2 3\nbtime 1795430000\nprocesses 10\n'), 1795430000);
  assert.equal(parseBootTime('cpu 1\n'), null);
});

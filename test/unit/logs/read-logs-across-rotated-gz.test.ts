import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { readLogs } from '../../../src/logs/read-logs.js';
import { ServiceLogs } from '../../../src/logs/service-logs.js';
import { NUMBERED, killChildren, removeHome, sleep, spawnCaptured, tempHome } from './helpers.js';

const home = tempHome();
let phase2Start = 0;
const seq = (text: string): number => Number(text.slice(0, 10));

before(async () => {
  // Two runs with timestamps and gzip: 3000 stdout lines and 500 stderr lines each, small files.
  const logs = new ServiceLogs({
    home,
    service: 'r',
    options: { max_size: 64 * 1024, keep: 100, compress: true, timestamps: true },
  });
  const script = (start: number): string =>
    `python3 "$0" 3000 100 100 0 1 ${start} && python3 "$0" 500 100 100 0 2 ${start + 100000}`;
  spawnCaptured(logs, 'sh', ['-c', script(0), NUMBERED]);
  assert.equal(await logs.waitDrained(20_000), true);
  await sleep(30);
  phase2Start = Date.now();
  await sleep(30);
  spawnCaptured(logs, 'sh', ['-c', script(3000), NUMBERED]);
  assert.equal(await logs.waitDrained(20_000), true);
  await logs.close(); // waits for the compressions
});
after(() => {
  killChildren();
  removeHome(home);
});

test('fixture really spans gzipped rotated files of both streams', () => {
  const names = readdirSync(`${home}/logs/r`);
  assert.ok(names.filter((n) => /^out\.log\.\d+\.gz$/.test(n)).length >= 5, names.join(' '));
  assert.ok(
    names.some((n) => /^err\.log\.\d+\.gz$/.test(n)),
    names.join(' '),
  );
});

test('readLogs --out returns every stdout line in order across .gz files', async () => {
  const lines = await readLogs(home, 'r', { streams: ['out'] });
  assert.equal(lines.length, 6000);
  lines.forEach((l, i) => assert.equal(seq(l.text), i));
  assert.ok(lines.every((l) => l.stream === 'out' && l.t !== null));
});

test('readLogs -n merges both streams by time and returns the last n', async () => {
  const lines = await readLogs(home, 'r', { n: 600 });
  assert.equal(lines.length, 600);
  // Run 2 wrote its 3000 stdout lines, then its 500 stderr lines: the last 600 are 100 out + 500 err.
  assert.deepEqual(
    lines.slice(0, 100).map((l) => [l.stream, seq(l.text)]),
    Array.from({ length: 100 }, (_, i) => ['out', 5900 + i]),
  );
  assert.deepEqual(
    lines.slice(100).map((l) => [l.stream, seq(l.text)]),
    Array.from({ length: 500 }, (_, i) => ['err', 103000 + i]),
  );
  for (let i = 1; i < lines.length; i++) assert.ok((lines[i]?.t ?? 0) >= (lines[i - 1]?.t ?? 0));
});

test('readLogs --since keeps only lines captured after the time', async () => {
  const lines = await readLogs(home, 'r', { since: phase2Start });
  assert.equal(lines.length, 3500);
  assert.equal(seq(lines[0]?.text ?? ''), 3000);
  assert.ok(lines.every((l) => (l.t as number) >= phase2Start));
});

test('readLogs --grep filters on the text, combined with --err and -n', async () => {
  const all = await readLogs(home, 'r', { grep: /^000000123\d /, streams: ['out'] });
  assert.deepEqual(
    all.map((l) => seq(l.text)),
    [1230, 1231, 1232, 1233, 1234, 1235, 1236, 1237, 1238, 1239],
  );
  const err = await readLogs(home, 'r', { grep: /^00001000[0-4]\d /, streams: ['err'], n: 3 });
  assert.deepEqual(
    err.map((l) => seq(l.text)),
    [100047, 100048, 100049],
  );
});

test('without timestamps: stdout first, then stderr', async () => {
  const h = tempHome();
  try {
    const logs = new ServiceLogs({ home: h, service: 'p', options: {} });
    spawnCaptured(logs, 'sh', ['-c', 'echo e1 >&2; echo o1; echo e2 >&2; echo o2']);
    assert.equal(await logs.waitDrained(10_000), true);
    await logs.close();
    const lines = await readLogs(h, 'p');
    assert.deepEqual(
      lines.map((l) => `${l.stream}:${l.text}`),
      ['out:o1', 'out:o2', 'err:e1', 'err:e2'],
    );
  } finally {
    removeHome(h);
  }
});

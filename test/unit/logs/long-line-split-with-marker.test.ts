import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { CONT_PREFIX, LineFramer, SPLIT_SUFFIX, hasLongLine } from '../../../src/logs/line-framer.js';
import { ServiceLogs } from '../../../src/logs/service-logs.js';
import { killChildren, removeHome, spawnCaptured, storedLines, tempHome } from './helpers.js';

const homes: string[] = [];
after(() => {
  killChildren();
  for (const h of homes) removeHome(h);
});

/** Undoes the split: joins pieces back into the original line. */
function unsplit(lines: string[]): string[] {
  const out: string[] = [];
  let joining = false;
  for (const l of lines) {
    const piece = joining ? l.slice(CONT_PREFIX.length) : l;
    if (joining) assert.ok(l.startsWith(CONT_PREFIX), `continuation without its prefix: ${l.slice(0, 40)}`);
    if (joining)
      out[out.length - 1] += piece.endsWith(SPLIT_SUFFIX) ? piece.slice(0, -SPLIT_SUFFIX.length) : piece;
    else out.push(piece.endsWith(SPLIT_SUFFIX) ? piece.slice(0, -SPLIT_SUFFIX.length) : piece);
    joining = l.endsWith(SPLIT_SUFFIX);
  }
  return out;
}

test('a 200 KiB line from a child is split with visible markers, nothing dropped', async () => {
  const home = tempHome();
  homes.push(home);
  const logs = new ServiceLogs({ home, service: 'long', options: { max_line: 64 * 1024 } });
  const script =
    'import sys\n' +
    'sys.stdout.write("before\\n")\n' +
    'sys.stdout.write("".join(chr(97 + i % 26) for i in range(200000)) + "\\n")\n' +
    'sys.stdout.write("after\\n")\n';
  spawnCaptured(logs, 'python3', ['-c', script]);
  assert.equal(await logs.waitDrained(10_000), true);
  await logs.close();
  const lines = storedLines(logs.dir, 'out');
  const long = Array.from({ length: 200000 }, (_, i) => String.fromCharCode(97 + (i % 26))).join('');
  assert.equal(lines.length, 2 + 4, 'a 200000-byte line makes 4 pieces of at most 65536 bytes');
  assert.ok(lines[1]?.endsWith(SPLIT_SUFFIX));
  for (const l of lines)
    assert.ok(Buffer.byteLength(l) <= 64 * 1024 + CONT_PREFIX.length + SPLIT_SUFFIX.length);
  assert.deepEqual(unsplit(lines), ['before', long, 'after']);
});

test('framer: partial lines across chunks stay whole; split never cuts a UTF-8 character', () => {
  const f = new LineFramer(10, false);
  const out: Buffer[] = [];
  for (const c of ['ab', 'c\nde', 'f\n', 'ééééééé\n', 'x']) out.push(...f.push(Buffer.from(c), 0));
  out.push(...f.flushPartial(0));
  const lines = Buffer.concat(out).toString('utf8').split('\n');
  lines.pop();
  // 'ééééééé' is 14 bytes: cut at 10 bytes = 5 characters, never in the middle of one.
  assert.deepEqual(lines, ['abc', 'def', 'ééééé' + SPLIT_SUFFIX, CONT_PREFIX + 'éé', 'x']);
  assert.ok(!Buffer.concat(out).toString('utf8').includes('\uFFFD'));
});

test('framer: a partial line longer than max_line is spilled before its newline arrives', () => {
  const f = new LineFramer(8, false);
  const first = Buffer.concat(f.push(Buffer.from('0123456789abcdef'), 0)).toString();
  // Exactly max_line bytes stay held: the newline may come next, and such a line is not split.
  assert.equal(first, '01234567' + SPLIT_SUFFIX + '\n');
  assert.equal(f.pendingBytes, 8);
  const rest = Buffer.concat(f.push(Buffer.from('gh\nok\n'), 0)).toString();
  assert.equal(rest, CONT_PREFIX + '89abcdef' + SPLIT_SUFFIX + '\n' + CONT_PREFIX + 'gh\nok\n');
  assert.equal(f.pendingBytes, 0);
});

test('framer: timestamps prefix every line, including split pieces', () => {
  const f = new LineFramer(4, true);
  const t = Date.parse('2026-01-02T03:04:05.678Z');
  const s = Buffer.concat(f.push(Buffer.from('a\nbcdefg\n'), t)).toString();
  const p = '2026-01-02T03:04:05.678Z ';
  assert.equal(s, `${p}a\n${p}bcde${SPLIT_SUFFIX}\n${p}${CONT_PREFIX}fg\n`);
});

test('hasLongLine finds a line longer than the limit anywhere in a run of lines (against a per-line scan)', () => {
  let x = 7;
  const rand = (): number => (x = (x * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  for (let k = 0; k < 2000; k++) {
    const max = 1 + Math.floor(rand() * 200);
    const lens: number[] = [];
    const count = Math.floor(rand() * 50);
    for (let i = 0; i < count; i++) lens.push(Math.floor(rand() * (rand() < 0.05 ? 3 * max : max + 1)));
    const body = Buffer.from(lens.map((n) => 'z'.repeat(n) + '\n').join(''));
    const naive = lens.some((n) => n > max);
    assert.equal(hasLongLine(body, max), naive, `max ${max}, lines ${JSON.stringify(lens)}`);
  }
});

test('a long line inside a 1 MiB read is split; the short lines around it pass untouched', () => {
  const max = 1000;
  const f = new LineFramer(max, false);
  const short = 'a'.repeat(99) + '\n';
  const chunk = Buffer.from(short.repeat(5000) + 'L'.repeat(2500) + '\n' + short.repeat(5000));
  const out = Buffer.concat(f.push(chunk, 0)).toString().split('\n');
  out.pop();
  assert.equal(out.length, 10_003);
  assert.equal(out[5000], 'L'.repeat(1000) + SPLIT_SUFFIX);
  assert.equal(out[5001], CONT_PREFIX + 'L'.repeat(1000) + SPLIT_SUFFIX);
  assert.equal(out[5002], CONT_PREFIX + 'L'.repeat(500));
  assert.ok(
    out
      .slice(0, 5000)
      .concat(out.slice(5003))
      .every((l) => l === 'a'.repeat(99)),
  );
});

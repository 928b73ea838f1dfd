import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceLogs } from '../../../src/logs/service-logs.js';
import {
  NUMBERED,
  killChildren,
  openFdTargets,
  parseNumbered,
  removeHome,
  sequenceProblems,
  spawnCaptured,
  storedLines,
  tempHome,
} from './helpers.js';

const homes: string[] = [];
after(() => {
  killChildren();
  for (const h of homes) removeHome(h);
});

for (const compress of [false, true]) {
  test(`fast writer through 20+ rotations keeps every line once, in order${compress ? ' (gzip)' : ''}`, async () => {
    const home = tempHome();
    homes.push(home);
    const logs = new ServiceLogs({
      home,
      service: 'fast',
      options: { max_size: 200_000, keep: 1000, compress },
    });
    const lines = 60_000; // 6 MB: about 30 rotations
    const child = spawnCaptured(logs, 'python3', [NUMBERED, String(lines)]);
    // Watch our own fds while it runs: only the two active files may be open, never a rotated one.
    const bad: string[] = [];
    const watch = setInterval(() => {
      for (const t of openFdTargets())
        if (
          t.startsWith(logs.dir) &&
          !/\/(out|err)\.log$/.test(t) &&
          !(compress && /(\.log\.\d+|\/\.gz-tmp-[^/]*)$/.test(t))
        )
          bad.push(t);
        else if (t.includes('(deleted)')) bad.push(t);
    }, 2);
    try {
      assert.equal(await logs.waitDrained(60_000), true, 'streams did not reach EOF');
    } finally {
      clearInterval(watch);
    }
    assert.equal(child.exitCode ?? (await new Promise((r) => child.on('exit', r))), 0);
    await logs.close();
    assert.deepEqual(bad, [], 'a rotated or deleted file was held open');
    const st = logs.stats();
    assert.ok(st.rotations >= 20, `only ${st.rotations} rotations`);
    assert.equal(st.lines, lines);
    assert.equal(st.dropped_lines, 0);
    const { seqs, other } = parseNumbered(storedLines(logs.dir, 'out'));
    assert.deepEqual(other, []);
    assert.equal(seqs.length, lines);
    assert.deepEqual(sequenceProblems(seqs), []);
    if (!compress)
      for (const n of readdirSync(logs.dir)) {
        const size = statSync(join(logs.dir, n)).size;
        assert.ok(size <= 200_000, `${n} has ${size} bytes, more than max_size`);
      }
    if (compress) {
      const gz = readdirSync(logs.dir).filter((n) => n.endsWith('.gz'));
      assert.ok(gz.length >= 20, `only ${gz.length} compressed files`);
      assert.deepEqual(
        readdirSync(logs.dir).filter((n) => /^out\.log\.\d+$/.test(n) || n.startsWith('.gz-tmp')),
        [],
        'compression left plain or temporary files behind',
      );
    }
    // Everything released: no fd of ours points into this home any more.
    assert.deepEqual(
      openFdTargets().filter((t) => t.startsWith(home)),
      [],
    );
  });
}

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceLogs } from '../../../src/logs/service-logs.js';
import {
  NUMBERED,
  alive,
  killChildren,
  parseNumbered,
  removeHome,
  sleep,
  spawnCaptured,
  storedLines,
  tempHome,
  waitFor,
} from './helpers.js';

const home = tempHome();
let mounted = false;
try {
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', home], { stdio: 'pipe' });
  mounted = true;
} catch (err) {
  console.log(`# full-disk test skipped: cannot mount a tmpfs (${(err as Error).message.split('\n')[0]})`);
}
after(() => {
  killChildren();
  if (mounted) execFileSync('umount', ['-l', home]);
  removeHome(home);
});

test(
  'full disk: service keeps running, dropped lines counted, event raised, writing resumes',
  { skip: !mounted },
  async () => {
    // Half the 1 MiB tmpfs is taken by something else; deleting it later frees the space.
    const filler = join(home, 'filler');
    writeFileSync(filler, Buffer.alloc(512 * 1024, 1));
    const logs = new ServiceLogs({
      home,
      service: 'svc',
      options: { max_size: 128 * 1024, keep: 100 },
      diskRetryMs: 50,
      diskRecoverFreeBytes: 256 * 1024,
    });
    const events: string[] = [];
    let droppedEvents = 0;
    let recoveredCount = -1; // lines dropped in the first episode
    logs.on('disk-full', () => events.push('disk-full'));
    logs.on('disk-recovered', (e: { dropped: number }) => {
      events.push('disk-recovered');
      if (recoveredCount < 0) recoveredCount = e.dropped;
    });
    logs.on('dropped', (e: { count: number }) => (droppedEvents += e.count));
    // About 1 MB/s: fills the free half in well under a second.
    const child = spawnCaptured(logs, 'python3', [NUMBERED, '-1', '100', '100', '0.01']);
    const pid = child.pid as number;
    await waitFor(() => events.includes('disk-full'), 10_000, 'disk-full');
    await sleep(300);
    assert.ok(alive(pid), 'the service died when the disk filled');
    assert.ok(child.exitCode === null);
    const dropped = logs.stats().dropped_lines;
    assert.ok(dropped > 0, 'no line counted as dropped');
    assert.deepEqual(events, ['disk-full'], 'disk-full must be raised once');

    unlinkSync(filler);
    await waitFor(() => events.includes('disk-recovered'), 5000, 'disk-recovered');
    assert.ok(recoveredCount >= dropped, `recovered after ${recoveredCount} drops, had seen ${dropped}`);
    child.kill('SIGKILL');
    assert.equal(await logs.waitDrained(5000), true);
    await logs.close();
    assert.ok(alive(process.pid));

    const st = logs.stats();
    assert.equal(droppedEvents, st.dropped_lines);
    const lines = storedLines(logs.dir, 'out');
    const { seqs, other } = parseNumbered(lines);
    const markers = other.filter((l) => /^--- vigil: \d+ lines dropped \(disk full\) ---$/.test(l));
    assert.ok(markers.length >= 1, 'no dropped-lines marker in the log');
    // The first marker records exactly the lines dropped in the first episode.
    assert.equal(markers[0], `--- vigil: ${recoveredCount} lines dropped (disk full) ---`);
    // Lines stay whole even when the disk fills mid-write; only the child's last (killed) line may be cut.
    assert.ok(other.length - markers.length <= 1, `malformed: ${JSON.stringify(other.slice(0, 3))}`);
    // Nothing vanished silently: every line read is either in a file or counted as dropped
    // (unless the disk filled again at the very end and the last marker could not be written).
    const markerTotal = markers.reduce((s, m) => s + Number(/(\d+) lines/.exec(m)?.[1]), 0);
    assert.equal(seqs.length + st.dropped_lines, st.lines - (other.length - markers.length));
    // Every drop is in a marker, except those of a last episode that the end of the test cut short.
    if (events[events.length - 1] === 'disk-recovered') assert.equal(markerTotal, st.dropped_lines);
    else assert.ok(markerTotal <= st.dropped_lines);
    // Stored sequence numbers are increasing (gaps only where lines were dropped).
    for (let i = 1; i < seqs.length; i++) assert.ok((seqs[i] as number) > (seqs[i - 1] as number));
  },
);

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TailRing } from '../../../src/logs/tail-ring.js';

/** Deterministic pseudo-random numbers, so that a failure can be replayed. */
function rng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

test('the ring keeps the last whole lines of runs of any size, from a buffer the caller reuses', () => {
  for (const cap of [256, 4096, 100_000]) {
    const rand = rng(cap);
    const ring = new TailRing(cap);
    const all: string[] = [];
    const scratch = Buffer.alloc(300_000); // reused for every run, like the shared read buffer
    for (let run = 0; run < 300; run++) {
      const lines: string[] = [];
      const count = 1 + Math.floor(rand() * (rand() < 0.1 ? 2000 : 20));
      for (let i = 0; i < count; i++) lines.push(`${all.length + i} ${'y'.repeat(Math.floor(rand() * 150))}`);
      all.push(...lines);
      const n = scratch.write(lines.join('\n') + '\n');
      ring.add([scratch.subarray(0, n)]);
      scratch.fill(0x3f, 0, n); // the caller reuses its buffer: the ring must have copied
      // Expected: the lines that fit whole in the last `cap` bytes.
      const kept: string[] = [];
      let bytes = 0;
      for (let i = all.length - 1; i >= 0; i--) {
        bytes += Buffer.byteLength(all[i] as string) + 1;
        if (bytes > cap) break;
        kept.unshift(all[i] as string);
      }
      for (const want of [1, 5, 1000])
        assert.deepEqual(ring.lastLines(want), kept.slice(-want), `cap ${cap}, run ${run}`);
    }
  }
});

test('a marker line added as text shows in lastLines', () => {
  const ring = new TailRing(1024);
  ring.add([Buffer.from('a\nb\n')]);
  ring.addText('--- vigil: 3 lines dropped (disk full) ---\n');
  assert.deepEqual(ring.lastLines(2), ['b', '--- vigil: 3 lines dropped (disk full) ---']);
});

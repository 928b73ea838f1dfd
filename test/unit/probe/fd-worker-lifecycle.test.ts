// The fd-link worker thread is a second V8 isolate (about 10 MiB of the daemon's memory): it must run only
// while a process with a large fd table is being classified. This file runs in its own process, so the
// shared worker starts here in the state a fresh daemon has.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readlinkSync } from 'node:fs';
import { INLINE_MAX_FDS } from '../../../src/probe/fd-scan.js';
import { FdLinkWorker, fdLinkWorker } from '../../../src/probe/fd-worker.js';
import { sampleService, type ServiceSample } from '../../../src/probe/sample-service.js';
import { isUnsupported } from '../../../src/probe/support.js';
import { killAllHolders, killHolder, spawnHolder } from './holders.js';

after(async () => {
  await killAllHolders();
  await fdLinkWorker.close();
});

function sample(x: ServiceSample | { unsupported: string }): ServiceSample {
  if (isUnsupported(x)) throw new Error(x.unsupported);
  return x;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('classifying processes with few fds reads them inline and never starts the worker thread', async () => {
  const h = await spawnHolder(['--files', '20']);
  try {
    assert.equal(fdLinkWorker.running, false);
    const s = sample(await sampleService([h.pid], { classify: true, pss: false }));
    const independent = readdirSync(`/proc/${h.pid}/fd/`).map((n) => readlinkSync(`/proc/${h.pid}/fd/${n}`));
    assert.ok(independent.length <= INLINE_MAX_FDS);
    assert.equal(s.fds, independent.length);
    assert.equal(
      Object.values(s.classified!.by_type).reduce((a, n) => a + n, 0),
      independent.length,
    );
    assert.equal(fdLinkWorker.running, false, 'no worker thread for a small fd table');
  } finally {
    await killHolder(h);
  }
});

test('a process with more fds than the inline limit is read by the worker thread', async () => {
  const h = await spawnHolder(['--files', String(INLINE_MAX_FDS + 50)]);
  try {
    const s = sample(await sampleService([h.pid], { classify: true, pss: false }));
    assert.ok(s.fds > INLINE_MAX_FDS);
    assert.equal(
      Object.values(s.classified!.by_type).reduce((a, n) => a + n, 0),
      s.fds,
    );
    assert.equal(fdLinkWorker.running, true);
  } finally {
    await killHolder(h);
  }
});

test('the worker thread is terminated after being idle, and starts again on the next request', async () => {
  const w = new FdLinkWorker(50);
  try {
    assert.equal(w.running, false);
    assert.ok((await w.links(process.pid)).length > 0);
    assert.equal(w.running, true);
    for (const until = Date.now() + 5000; w.running && Date.now() < until;) await sleep(20);
    assert.equal(w.running, false, 'stopped after 50 ms without a request');
    assert.ok((await w.links(process.pid)).length > 0);
    assert.equal(w.running, true);
  } finally {
    await w.close();
  }
  assert.equal(w.running, false);
});

import { after, describe, test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ServiceCgroup,
  cleanupStale,
  detectCgroups,
  locateOwnCgroups,
  parseCgroupMounts,
  parseProcCgroup,
  type CgroupSupport,
} from '../../../src/supervisor/cgroup.js';
import { spawnService } from '../../../src/supervisor/spawn.js';
import type { SpawnedChild } from '../../../src/supervisor/native-spawn.js';
import { readStat } from '../../../src/supervisor/proc.js';
import { fixture } from '../../helpers/paths.js';

const fx = (name: string) => readFileSync(fixture('supervisor', 'cgroup', name), 'utf8');

// ---------------------------------------------------------------------------------------------
// Pure parsing: captured formats

test('parseProcCgroup reads v1 controller lists and the v2 line', () => {
  const e = parseProcCgroup(fx('hybrid.cgroup'));
  assert.deepEqual(
    e.find((x) => x.controllers.includes('memory')),
    {
      hierarchyId: 4,
      controllers: ['memory'],
      path: '/session/0123abcd',
    },
  );
  assert.deepEqual(e.at(-1), { hierarchyId: 0, controllers: [], path: '/' });
  assert.deepEqual(parseProcCgroup('3:cpu,cpuacct:/a/b (deleted)\n'), [
    { hierarchyId: 3, controllers: ['cpu', 'cpuacct'], path: '/a/b' },
  ]);
});

test('parseCgroupMounts keeps only cgroup filesystems and decodes escaped spaces', () => {
  const m = parseCgroupMounts(fx('hybrid.mountinfo'));
  assert.equal(m.length, 10);
  assert.deepEqual(m.at(-1), {
    root: '/',
    mountPoint: '/sys/fs/cgroup/unified',
    fstype: 'cgroup2',
    options: ['rw'],
  });
  const odd = parseCgroupMounts('50 1 0:40 / /mnt/my\\040cg rw - cgroup2 none rw\n');
  assert.equal(odd[0]!.mountPoint, '/mnt/my cg');
});

test('locateOwnCgroups finds the daemon cgroup below each mount on a hybrid machine', () => {
  const own = locateOwnCgroups(fx('hybrid.cgroup'), fx('hybrid.mountinfo'));
  assert.equal(own.v2?.dir, '/sys/fs/cgroup/unified');
  assert.equal(own.v1.memory?.dir, '/sys/fs/cgroup/memory/session/0123abcd');
  assert.equal(own.v1.pids?.dir, '/sys/fs/cgroup/pids');
  assert.equal(own.v1.freezer?.dir, '/sys/fs/cgroup/freezer');
  assert.equal(own.v1.systemd, undefined, 'named hierarchies are not controllers');
});

test('locateOwnCgroups on pure v2 puts services under the systemd unit, not the root', () => {
  const own = locateOwnCgroups(fx('systemd-v2.cgroup'), fx('systemd-v2.mountinfo'));
  assert.equal(
    own.v2?.dir,
    '/sys/fs/cgroup/user.slice/user-1000.slice/user@1000.service/app.slice/vigil.service',
  );
  assert.deepEqual(own.v1, {});
});

test('locateOwnCgroups in a container strips the mount root and ignores a cgroup no mount shows', () => {
  const own = locateOwnCgroups(fx('docker-v1.cgroup'), fx('docker-v1.mountinfo'));
  assert.equal(own.v1.memory?.dir, '/sys/fs/cgroup/memory');
  assert.equal(own.v1.pids?.dir, '/sys/fs/cgroup/pids');
  assert.equal(own.v2, null);
});

test('detectCgroups without any cgroup mount says none, with a reason', () => {
  const s = detectCgroups({ procSelfCgroup: '0::/\n', mountinfo: '1 0 0:1 / / rw - ext4 /dev/sda1 rw\n' });
  assert.equal(s.version, null);
  assert.equal(s.writable, false);
  assert.match(s.reason, /no cgroup mount/);
});

// ---------------------------------------------------------------------------------------------
// Real cgroups, real processes

const HOME = `t${process.pid}`;
const made: ServiceCgroup[] = [];
const children: SpawnedChild[] = [];

after(async () => {
  // Whatever happened, nothing started here outlives the tests, and no cgroup is left behind.
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null && c.pid !== undefined) {
      try {
        process.kill(c.pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
  for (const cg of made) {
    await cg.kill().catch(() => undefined);
    await cg.remove().catch(() => undefined);
  }
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** True when the pid is gone or a zombie (a reparented zombie waits for an init that may not reap). */
function dead(pid: number): boolean {
  const st = readStat(pid);
  return st === null || st.state === 'Z' || st.state === 'X';
}

async function until(what: string, cond: () => boolean, timeoutMs = 3000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

function exited(c: SpawnedChild): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (c.exitCode !== null || c.signalCode !== null)
    return Promise.resolve({ code: c.exitCode, signal: c.signalCode });
  return new Promise((r) => c.once('exit', (code, signal) => r({ code, signal })));
}

function newCgroup(support: CgroupSupport, service: string, limits = {}): ServiceCgroup {
  const r = ServiceCgroup.attempt(support, HOME, service, limits);
  assert.ok(r.cgroup, r.reason);
  made.push(r.cgroup);
  return r.cgroup;
}

/**
 * Starts `script` the way the exec wrapper does (`echo $$ > cgroup.procs; exec …`), then joins the other v1
 * hierarchies at once, as the supervisor does right after spawn. With `gate`, the script waits for a line on
 * stdin, sent once the process is in every hierarchy (for scripts that would otherwise be done before that).
 */
async function startIn(
  cg: ServiceCgroup,
  script: string,
  opts: { stderr?: boolean; gate?: boolean } = {},
): Promise<ChildProcess> {
  const body = opts.gate ? `read _go; ${script}` : script;
  const c = spawn('/bin/sh', ['-c', `echo $$ > "$0" || exit 126; ${body}`, cg.procsPath], {
    detached: true,
    stdio: [opts.gate ? 'pipe' : 'ignore', 'ignore', opts.stderr ? 'pipe' : 'ignore'],
  });
  children.push(c);
  assert.ok(c.pid);
  cg.joinOthers(c.pid);
  // In every hierarchy: joinOthers may well have run before the wrapper wrote to the first one.
  await until(`pid ${c.pid} in ${cg.paths.join(', ')}`, () =>
    cg.paths.every((d) => readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n').includes(String(c.pid))),
  );
  if (opts.gate) c.stdin!.end('go\n');
  return c;
}

async function finish(cg: ServiceCgroup): Promise<void> {
  await cg.kill();
  await cg.remove();
  made.splice(made.indexOf(cg), 1);
}

function fdCount(): number {
  return readdirSync('/proc/self/fd').length;
}

for (const version of [1, 2] as const) {
  describe(`cgroup v${version}`, () => {
    const support = detectCgroups({ version });
    const unusable = support.writable
      ? null
      : `cgroup v${version} not usable here: ${support.reason || 'not mounted'}`;
    if (unusable) console.log(`# cgroup v${version} tests skipped: ${unusable}`);
    const skip = (t: TestContext, why = unusable): boolean => {
      if (!why) return false;
      if (why !== unusable) console.log(`# skipped: ${why}`);
      t.skip(why);
      return true;
    };
    const has = (c: string) => support.controllers.includes(c);

    test(`v${version}: detect-finds-the-daemons-own-cgroup (it holds this process)`, (t) => {
      if (skip(t)) return;
      for (const p of support.parents) {
        const procs = readFileSync(join(p.dir, 'cgroup.procs'), 'utf8').split('\n').map(Number);
        const inLeaf = existsSync(join(p.dir, 'vigil-daemon', 'cgroup.procs'))
          ? readFileSync(join(p.dir, 'vigil-daemon', 'cgroup.procs'), 'utf8')
              .split('\n')
              .map(Number)
          : [];
        assert.ok(
          procs.includes(process.pid) || inLeaf.includes(process.pid),
          `${p.controller}: ${p.dir} should be this process's cgroup`,
        );
      }
    });

    test(`v${version}: wrapper-joined-process-is-a-member (echo $$ > cgroup.procs; exec sleep)`, async (t) => {
      if (skip(t)) return;
      const cg = newCgroup(support, 'member');
      const c = await startIn(cg, 'exec sleep 300');
      assert.deepEqual(cg.pids(), [c.pid]);
      for (const d of cg.paths)
        assert.ok(readFileSync(join(d, 'cgroup.procs'), 'utf8').includes(String(c.pid)), `member of ${d}`);
      await finish(cg);
      assert.deepEqual(await exited(c), { code: null, signal: 'SIGKILL' });
    });

    test(`v${version}: the real exec wrapper (spawnService) joins the cgroup before exec`, async (t) => {
      if (skip(t)) return;
      const cg = newCgroup(support, 'wrapper');
      const c = spawnService({
        service: 'wrapper',
        argv: ['sleep', '300'],
        cwd: '/',
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin' },
        nofile: { soft: 256, hard: 1024 },
        cgroupProcs: [cg.procsPath],
        stdout: 'ignore',
        stderr: 'ignore',
      });
      children.push(c);
      cg.joinOthers(c.pid!);
      await until(
        'the wrapper to exec sleep',
        () => readFileSync(`/proc/${c.pid}/comm`, 'utf8').trim() === 'sleep',
      );
      assert.deepEqual(cg.pids(), [c.pid]);
      await finish(cg);
      await exited(c);
    });

    const killMethods = version === 2 ? (['auto', 'freeze'] as const) : (['auto'] as const);
    for (const method of killMethods) {
      const how =
        version === 1 ? 'freeze then SIGKILL' : method === 'auto' ? 'cgroup.kill' : 'freeze then SIGKILL';
      test(`v${version}: double-forked-grandchild-and-setsid-child-are-members-and-kill-leaves-none (${how})`, async (t) => {
        if (skip(t)) return;
        const cg = newCgroup(support, `tree-${method}`);
        // A double-forked grandchild (reparented away from the main process), a setsid'd child in its own
        // session, and a loop that keeps forking while it is being killed.
        const c = await startIn(
          cg,
          '(sleep 300 &); setsid sleep 301 & (while :; do sleep 302 & sleep 0.01; done) & exec sleep 303',
        );
        const cmdline = (pid: number) => {
          try {
            return readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0').join(' ').trim();
          } catch {
            return '';
          }
        };
        const wanted = ['sleep 300', 'sleep 301', 'sleep 302', 'sleep 303'];
        await until('grandchild, setsid child and forker to exec', () => {
          const cmds = cg.pids().map(cmdline);
          return wanted.every((w) => cmds.includes(w));
        });
        const members = cg.pids().map((pid) => ({ pid, st: readStat(pid), cmd: cmdline(pid) }));
        const main = readStat(c.pid!)!;
        const grandchild = members.find((m) => m.cmd === 'sleep 300');
        const setsidChild = members.find((m) => m.cmd === 'sleep 301');
        assert.ok(grandchild && grandchild.st, 'double-forked grandchild is a member');
        assert.notEqual(grandchild.st.ppid, c.pid, 'grandchild was reparented');
        assert.ok(setsidChild && setsidChild.st, 'setsid child is a member');
        assert.notEqual(setsidChild.st.session, main.session, 'setsid child left the session');
        assert.notEqual(setsidChild.st.pgrp, main.pgrp, 'setsid child left the process group');
        const seen = new Set(members.map((m) => m.pid));
        const t0 = performance.now();
        await cg.kill({ method });
        t.diagnostic(`kill() of ${seen.size} members took ${(performance.now() - t0).toFixed(1)} ms`);
        assert.deepEqual(cg.pids(), []);
        for (const pid of seen) assert.ok(dead(pid), `pid ${pid} survived kill()`);
        assert.equal((await exited(c)).signal, 'SIGKILL');
        await cg.remove();
        made.splice(made.indexOf(cg), 1);
        for (const d of cg.paths) assert.equal(existsSync(d), false, `${d} removed`);
      });
    }

    test(`v${version}: tasks-limit-5-stops-a-fork-loop-at-5`, async (t) => {
      if (
        skip(
          t,
          has('pids')
            ? null
            : (unusable ?? `no pids controller for cgroup v${version} here: ${support.reason}`),
        )
      )
        return;
      const cg = newCgroup(support, 'forks', { tasks: 5 });
      assert.deepEqual(cg.limitsApplied(), {
        memory: has('memory'),
        tasks: true,
        ...(has('memory') ? {} : { reason: cg.limitsApplied().reason }),
      });
      // 20 background sleeps, bounded and harmless; dash gives up at the first fork that fails.
      const c = await startIn(
        cg,
        'i=0; while [ $i -lt 20 ]; do sleep 300 & i=$((i+1)); done; exec sleep 300',
        { stderr: true, gate: true },
      );
      let err = '';
      c.stderr!.on('data', (b: Buffer) => (err += b.toString()));
      await sleep(500);
      const n = cg.pids().length;
      assert.ok(n <= 5, `${n} tasks in a cgroup limited to 5`);
      assert.ok(n >= 4, `${n} tasks: the loop should have reached the limit`);
      const dir = version === 2 ? cg.paths[0]! : cg.paths[cg.controllers.indexOf('pids')]!;
      const events = readFileSync(join(dir, 'pids.events'), 'utf8');
      assert.match(events, /^max [1-9]/m, 'the kernel refused at least one fork');
      await finish(cg);
      assert.match(err, /fork/i);
    });

    test(`v${version}: limitsApplied-says-when-a-tasks-limit-cannot-be-enforced`, (t) => {
      if (skip(t)) return;
      const cg = newCgroup(support, 'limits', { tasks: 5, memoryBytes: 64 << 20 });
      const a = cg.limitsApplied();
      assert.equal(a.tasks, has('pids'));
      assert.equal(a.memory, has('memory'));
      if (!a.tasks) assert.match(a.reason ?? '', /tasks limit of 5 not enforced/);
      if (!a.memory) {
        assert.match(a.reason ?? '', /memory limit of 67108864 bytes not enforced/);
        assert.equal(cg.memoryBytes(), null);
      }
      if (a.tasks && a.memory) assert.equal(a.reason, undefined);
      made.splice(made.indexOf(cg), 1);
      return cg.remove();
    });

    test(`v${version}: memory-limit-64MiB-python-allocating-200MiB-is-oom-killed-and-counted`, async (t) => {
      if (
        skip(
          t,
          has('memory')
            ? null
            : (unusable ?? `no memory controller for cgroup v${version} here: ${support.reason}`),
        )
      )
        return;
      if (spawnSync('python3', ['-c', 'pass']).status !== 0 && skip(t, 'python3 not found')) return;
      const cg = newCgroup(support, 'oom', { memoryBytes: 64 * 1024 * 1024 });
      assert.equal(cg.oomKills(), 0);
      const c = await startIn(
        cg,
        `exec python3 -c "import time; chunks = [b'x' * (1 << 20) for _ in range(200)]; time.sleep(30)"`,
        { gate: true },
      );
      let peak = 0;
      const sampler = setInterval(() => (peak = Math.max(peak, cg.memoryBytes() ?? 0)), 5);
      let timer: NodeJS.Timeout | undefined;
      const end = await Promise.race([
        exited(c),
        new Promise<null>((r) => (timer = setTimeout(r, 20000, null))),
      ]);
      clearTimeout(timer);
      clearInterval(sampler);
      assert.ok(end, 'python3 should have been killed well before it finished');
      assert.equal(end.signal, 'SIGKILL');
      assert.ok(cg.oomKills() >= 1, `oomKills() = ${cg.oomKills()}`);
      t.diagnostic(`oomKills() = ${cg.oomKills()}, peak usage seen ${(peak / 2 ** 20).toFixed(1)} MiB`);
      assert.ok(peak > 32 * 1024 * 1024 && peak <= 64 * 1024 * 1024, `peak usage ${peak} within the limit`);
      await finish(cg);
    });

    test(`v${version}: cleanupStale-removes-empty-leftovers-and-keeps-populated-ones`, async (t) => {
      if (skip(t)) return;
      const empty = newCgroup(support, 'stale-empty');
      const busy = newCgroup(support, 'stale-busy');
      await startIn(busy, 'exec sleep 300');
      const r = cleanupStale(HOME, support);
      for (const d of empty.paths) {
        assert.ok(r.removed.includes(d), `${d} removed`);
        assert.equal(existsSync(d), false);
      }
      for (const d of busy.paths) {
        assert.ok(r.kept.includes(d), `${d} kept`);
        assert.ok(existsSync(d));
      }
      made.splice(made.indexOf(empty), 1);
      await finish(busy);
    });

    test(`v${version}: reopening-a-cgroup-left-frozen-by-a-dead-daemon-thaws-it-and-keeps-its-members`, async (t) => {
      if (skip(t)) return;
      const first = newCgroup(support, 'reopen');
      const c = await startIn(first, 'exec sleep 300');
      const freezer = version === 2 ? first.paths[0]! : first.paths[first.controllers.indexOf('freezer')];
      if (!freezer && skip(t, 'no freezer hierarchy')) return finish(first);
      const [file, frozen, thawed] =
        version === 2 ? ['cgroup.freeze', '1', '0'] : ['freezer.state', 'FROZEN', 'THAWED'];
      writeFileSync(join(freezer!, file), frozen);
      await until('the kernel to report it frozen', () =>
        version === 2
          ? /^frozen 1$/m.test(readFileSync(join(freezer!, 'cgroup.events'), 'utf8'))
          : readFileSync(join(freezer!, file), 'utf8').trim() === frozen,
      );
      const again = ServiceCgroup.create(support, HOME, 'reopen');
      assert.ok(again);
      assert.deepEqual(again.paths, first.paths);
      assert.deepEqual(again.pids(), [c.pid]);
      assert.equal(readFileSync(join(freezer!, file), 'utf8').trim(), thawed);
      await finish(first);
    });

    test(`v${version}: create-remove-200-times-leaks-no-fds-and-no-directories`, async (t) => {
      if (skip(t)) return;
      const cycle = async () => {
        const cg = newCgroup(support, 'churn', { tasks: 10, memoryBytes: 32 << 20 });
        cg.pids();
        cg.memoryBytes();
        cg.oomKills();
        made.splice(made.indexOf(cg), 1);
        await cg.remove();
        return cg.paths;
      };
      for (let i = 0; i < 5; i++) await cycle(); // warm-up: lazily opened fds of the runtime
      const before = fdCount();
      let paths: string[] = [];
      for (let i = 0; i < 200; i++) paths = await cycle();
      assert.equal(fdCount(), before, 'fds of the test process after 200 create/remove');
      for (const d of paths) assert.equal(existsSync(d), false);
    });
  });
}

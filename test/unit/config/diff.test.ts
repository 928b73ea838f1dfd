import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diffService } from '../../../src/config/diff.js';
import { parseConfig } from '../../../src/config/load.js';
import type { ServiceConfig } from '../../../src/config/schema.js';

function svc(yaml: string): ServiceConfig {
  const body = yaml
    .split('\n')
    .map((l) => '    ' + l)
    .join('\n');
  return parseConfig(`services:\n  s:\n${body}\n`, 'vigil.yaml', '/srv').services.s!;
}

const base = 'command: python3 app.py\nenv: { A: 1 }\nlimits: { nofile: 1024 }';

test('an identical service needs nothing, even written differently', () => {
  assert.deepEqual(
    diffService(
      svc(base),
      svc('command: [python3, app.py]\nenv: { A: "1" }\nlimits: { nofile: { soft: 1024 } }'),
    ),
    {
      restart: false,
      changed: [],
    },
  );
  assert.deepEqual(diffService(svc('command: x'), svc('command: x\nenv: {}')), {
    restart: false,
    changed: [],
  });
});

test('command, cwd, env, user, group and limits need a restart', () => {
  const cases: [string, string][] = [
    ['command: python3 other.py\nenv: { A: 1 }\nlimits: { nofile: 1024 }', 'command'],
    [base + '\ncwd: ./sub', 'cwd'],
    ['command: python3 app.py\nenv: { A: 2 }\nlimits: { nofile: 1024 }', 'env'],
    [base + '\nuser: nobody', 'user'],
    [base + '\ngroup: nogroup', 'group'],
    ['command: python3 app.py\nenv: { A: 1 }\nlimits: { nofile: 2048 }', 'limits'],
    ['command: python3 app.py\nenv: { A: 1 }\nlimits: { nofile: 1024, memory: 1GiB }', 'limits'],
  ];
  for (const [next, field] of cases)
    assert.deepEqual(diffService(svc(base), svc(next)), { restart: true, changed: [field] }, field);
});

test('everything else applies live', () => {
  const next = svc(
    base +
      '\nrestart: never\nstop_grace: 3s\nhealth: { tcp: "a:1" }\nlogs: { keep: 9 }\nalerts: { fds: { warn: 50% } }\nleak: { action: restart }\nschedule: [{ start: "09:00", stop: "17:00" }]\nautostart: false',
  );
  assert.deepEqual(diffService(svc(base), next), {
    restart: false,
    changed: ['alerts', 'autostart', 'health', 'leak', 'logs', 'restart', 'schedule', 'stop_grace'],
  });
});

test('a changed env_file content is a changed env', () => {
  const a = svc(base);
  const b = { ...a, env: { ...a.env, FROM_FILE: 'x' }, env_file: '/srv/app.env' };
  assert.deepEqual(diffService(a, b), { restart: true, changed: ['env', 'env_file'] });
  const c = { ...a, env_file: '/srv/other.env' };
  assert.deepEqual(diffService(a, c), { restart: false, changed: ['env_file'] });
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { cleanupHome, runCli, tempHome } from '../helpers/daemon.js';

test('vigil startup prints a systemd unit with the daemon, its home and a sensible LimitNOFILE; --install writes it', async () => {
  const home = tempHome();
  try {
    const r = await runCli(home, ['startup']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ExecStart=\S+node\S* \S+bin\/vigil\.js up$/m);
    assert.match(r.stdout, new RegExp(`^Environment=VIGIL_HOME=${home}$`, 'm'));
    assert.match(r.stdout, /^LimitNOFILE=1048576$/m);
    assert.match(r.stdout, /^KillMode=process$/m);
    const dir = join(home, 'units');
    const i = await runCli(home, [
      'startup',
      'examples/vigil.yaml',
      '--install',
      '--unit-dir',
      dir,
      '--json',
    ]);
    assert.equal(i.code, 0, i.stderr);
    const unit = readFileSync(join(dir, 'vigil.service'), 'utf8');
    assert.match(unit, /vigil\.js up \S+examples\/vigil\.yaml$/m);
    assert.equal(statSync(join(dir, 'vigil.service')).mode & 0o777, 0o644);
  } finally {
    cleanupHome(home);
  }
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allCommands, main } from '../../../src/cli/main.js';
import type { CliIO } from '../../../src/cli/output.js';

function capture(): { io: CliIO; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const io: CliIO = { out: (s) => void (out += s), err: (s) => void (err += s), color: false };
  return { io, out: () => out, err: () => err };
}

test('every command is found by its own name, and help lists them all', async () => {
  const commands = await allCommands();
  assert.equal(new Set(commands.map((c) => c.name)).size, commands.length, 'no command twice');
  const h = capture();
  assert.equal(await main(['help'], h.io), 0);
  for (const c of commands) {
    assert.match(
      h.out(),
      new RegExp(`^  ${c.name} +${c.summary.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'),
    );
    // The name that loads the command is the command's own name.
    const u = capture();
    assert.equal(await main(['help', c.name], u.io), 0);
    assert.equal(u.out(), `Usage: ${c.usage}\n`);
  }
  const bad = capture();
  assert.equal(await main(['nosuch'], bad.io), 2);
  assert.match(bad.err(), /unknown command 'nosuch'/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { CommandSyntaxError, splitCommand } from '../../../src/config/command.js';

test('splitCommand splits on blanks and honours quotes and backslashes', () => {
  assert.deepEqual(splitCommand('python3 -u app.py'), ['python3', '-u', 'app.py']);
  assert.deepEqual(splitCommand('  a\t b \n c  '), ['a', 'b', 'c']);
  assert.deepEqual(splitCommand(`echo "hello world" 'it''s'`), ['echo', 'hello world', 'its']);
  assert.deepEqual(splitCommand(`echo 'it'\\''s'`), ['echo', "it's"]);
  assert.deepEqual(splitCommand('a\\ b c'), ['a b', 'c']);
  assert.deepEqual(splitCommand(`"a \\"q\\" \\\\ \\n"`), ['a "q" \\ \\n']);
  assert.deepEqual(splitCommand(`x '' ""`), ['x', '', '']);
  assert.deepEqual(splitCommand(`pre"mid"'post'`), ['premidpost']);
  assert.deepEqual(splitCommand('echo $HOME *.py'), ['echo', '$HOME', '*.py']);
  assert.deepEqual(splitCommand(''), []);
});

test('splitCommand rejects unbalanced quotes and a trailing backslash', () => {
  assert.throws(() => splitCommand(`echo "unterminated`), CommandSyntaxError);
  assert.throws(() => splitCommand(`echo 'unterminated`), /unbalanced single quote at character 6/);
  assert.throws(() => splitCommand('echo \\'), /trailing backslash/);
  try {
    splitCommand('a "b');
    assert.fail('no error');
  } catch (err) {
    assert.equal((err as CommandSyntaxError).code, 'COMMAND_SYNTAX');
  }
});

test('splitCommand agrees with /bin/sh on quoting (without expansion)', () => {
  const lines = [
    `python3 -u "my app.py" --name 'it'\\''s'`,
    `a\\ b "c\\"d" 'e\\f' g""h`,
    `node -e "console.log(1)"   --flag=x`,
    `"\\\\" '\\\\' \\\\`,
    `tab\\	sep "new\\
line"`,
  ];
  for (const line of lines) {
    const sh = spawnSync('/bin/sh', ['-c', `printf '%s\\0' ${line}`], { encoding: 'utf8' });
    assert.equal(sh.status, 0, sh.stderr);
    const expected = sh.stdout.split('\0').slice(0, -1);
    assert.deepEqual(splitCommand(line), expected, line);
  }
});

test('any argv survives quoting and splitting', () => {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  fc.assert(
    fc.property(fc.array(fc.string(), { minLength: 1, maxLength: 6 }), (argv) => {
      assert.deepEqual(splitCommand(argv.map(quote).join(' ')), argv);
    }),
  );
});

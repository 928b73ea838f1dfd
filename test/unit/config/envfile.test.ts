import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EnvFileError, parseEnvFile } from '../../../src/config/envfile.js';

test('env file: KEY=VALUE, comments, export prefix, both quotes, empty values', () => {
  const env = parseEnvFile(
    [
      '# a comment',
      '',
      'A=1',
      '  B = spaced  ',
      'export C=exported',
      'D="double \\"quoted\\" \\n line \\\\ # not a comment"',
      "E='single $HOME \\n # kept'",
      'F=unquoted # trailing comment',
      'G=a#b',
      'H=',
      'I="multi',
      'line"',
      'A=last wins',
    ].join('\n'),
  );
  assert.deepEqual(env, {
    A: 'last wins',
    B: 'spaced',
    C: 'exported',
    D: 'double "quoted" \n line \\ # not a comment',
    E: 'single $HOME \\n # kept',
    F: 'unquoted',
    G: 'a#b',
    H: '',
    I: 'multi\nline',
  });
});

test('env file: CRLF line ends and a byte-order mark are tolerated', () => {
  assert.deepEqual(parseEnvFile('\uFEFFA=1\r\nB=2\r\n'), { A: '1', B: '2' });
});

test('env file: a bad line or an unclosed quote is an error with its line number', () => {
  assert.throws(
    () => parseEnvFile('A=1\nnot an assignment\n'),
    (e: EnvFileError) => e.line === 2 && e.code === 'ENV_FILE_INVALID',
  );
  assert.throws(() => parseEnvFile("A='open\nB=2\n"), /line 1: unbalanced single quote in the value of A/);
  assert.throws(() => parseEnvFile('A="open\nB=2\n'), /line 1: unbalanced double quote in the value of A/);
  assert.throws(() => parseEnvFile('A="x" junk\n'), /line 1: unexpected text after the quoted value of A/);
  assert.throws(() => parseEnvFile('1A=x\n'), /line 1: expected KEY=VALUE/);
});

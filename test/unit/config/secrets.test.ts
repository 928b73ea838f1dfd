import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isSecretKey, REDACTED, redactEnv, redactService } from '../../../src/config/secrets.js';

test('secret-looking env keys are recognised, in any case', () => {
  for (const k of [
    'API_KEY',
    'api_key',
    'GITHUB_TOKEN',
    'ClientSecret',
    'DB_PASSWORD',
    'MYSQL_PASSWD',
    'AWS_CREDENTIALS',
    'PRIVATE_PEM',
    'SSH_KEYFILE',
  ]) {
    assert.ok(isSecretKey(k), k);
  }
  for (const k of ['PORT', 'PATH', 'HOME', 'NODE_ENV', 'PYTHONUNBUFFERED', 'USER'])
    assert.ok(!isSecretKey(k), k);
});

test('redactEnv hides only the secret values and does not change its input', () => {
  const env = { PORT: '8080', API_TOKEN: 'abc', db_password: 'hunter2' };
  assert.deepEqual(redactEnv(env), { PORT: '8080', API_TOKEN: REDACTED, db_password: REDACTED });
  assert.equal(env.API_TOKEN, 'abc');
  assert.equal(REDACTED, '********');
});

test('redactService redacts the env of a service and leaves the rest', () => {
  const svc = { command: ['x'], env: { SECRET_SAUCE: 'ketchup', A: 'b' } };
  assert.deepEqual(redactService(svc), { command: ['x'], env: { SECRET_SAUCE: REDACTED, A: 'b' } });
  const noEnv: { command: string[]; env?: Record<string, string> } = { command: ['x'] };
  assert.equal(redactService(noEnv), noEnv);
});

import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { serveStatic } from '../../../src/api/static.js';

const root = mkdtempSync(join(tmpdir(), 'vigil-web-')) + '/';
mkdirSync(join(root, 'assets'));
writeFileSync(join(root, 'index.html'), '<!doctype html><title>shell</title>');
writeFileSync(join(root, 'assets', 'index-abc123.js'), 'console.log(1)');
writeFileSync(join(root, '..', 'secret.txt'), 'outside');
after(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(join(root, '..', 'secret.txt'), { force: true });
});

const app = (dir: string) => new Hono().get('*', (c) => serveStatic(c, dir));

test('hashed assets are cached for a year; client routes get index.html, revalidated', async () => {
  const js = await app(root).request('/assets/index-abc123.js');
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type')!, /text\/javascript/);
  assert.match(js.headers.get('cache-control')!, /max-age=31536000, immutable/);
  for (const path of ['/', '/services/web', '/alerts']) {
    const r = await app(root).request(path);
    assert.equal(r.status, 200, path);
    assert.equal(await r.text(), '<!doctype html><title>shell</title>');
    assert.equal(r.headers.get('cache-control'), 'no-cache');
    assert.match(r.headers.get('content-security-policy')!, /frame-ancestors 'none'/);
  }
});

test('no path escapes web/dist, however encoded', async () => {
  for (const path of [
    '/assets/../../secret.txt',
    '/assets/%2e%2e/%2e%2e/secret.txt',
    '/assets/..%2f..%2fsecret.txt',
    '/assets/%00',
    '/assets/missing.js',
  ]) {
    const r = await app(root).request(path);
    const body = await r.text();
    assert.ok(!body.includes('outside'), `${path} leaked a file outside`);
    assert.ok(r.status === 404 || body.includes('shell'), `${path} → ${r.status}`);
  }
});

test('without web/dist, / says how to build the dashboard', async () => {
  const r = await app('/nonexistent/vigil-web-dist/').request('/');
  assert.equal(r.status, 503);
  assert.match(await r.text(), /npm run build:web/);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderApiDocs, ROUTES } from '../../../src/api/docs.js';
import { repoRoot } from '../../helpers/paths.js';
import { registeredRoutes } from '../../helpers/web.js';

test('docs/api.md is exactly what the route table generates (run npx tsx scripts/gen-api-docs.ts)', () => {
  const onDisk = readFileSync(join(repoRoot(), 'docs', 'api.md'), 'utf8');
  assert.equal(onDisk, renderApiDocs());
});

test('every registered route is documented, and every documented route exists or is marked planned', () => {
  const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;
  const registered = new Set(registeredRoutes().map(key));
  const documented = new Set(ROUTES.filter((r) => !r.planned).map(key));
  const planned = new Set(ROUTES.filter((r) => r.planned).map(key));
  const undocumented = [...registered].filter((k) => !documented.has(k) && !planned.has(k));
  assert.deepEqual(undocumented, [], 'add these routes to ROUTES in src/api/docs.ts');
  const ghost = [...documented].filter((k) => !registered.has(k));
  assert.deepEqual(ghost, [], 'documented but not registered');
  const landed = [...planned].filter((k) => registered.has(k));
  assert.deepEqual(landed, [], 'these routes exist now: remove `planned: true` in src/api/docs.ts');
});

test('the reference renders bodies from the schemas', () => {
  const md = renderApiDocs();
  assert.match(md, /`name`: string/);
  assert.match(md, /`leave_running`\?: boolean/);
  assert.match(md, /`logs`\?: '0' \\\| '1'/);
});

// Runs the compiled tests with node's own test runner.
// Usage: node scripts/run-tests.mjs [unit|e2e|<substring>...]
// All test files run in one invocation (two at a time by default: the machine has two cores),
// so the runner prints a single summary. VIGIL_TEST_CONCURRENCY overrides the parallelism.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const testRoot = join(root, 'dist', 'test');

function find(dir) {
  let out = [];
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const e of entries.sort()) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (e.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const filters = process.argv.slice(2);
const pick = (files) =>
  filters.length === 0 || filters.includes('unit') || filters.includes('e2e')
    ? files
    : files.filter((f) => filters.some((s) => f.includes(s)));
const unit = filters.includes('e2e') ? [] : pick(find(join(testRoot, 'unit')));
const e2e = filters.includes('unit') ? [] : pick(find(join(testRoot, 'e2e')));
const files = [...unit, ...e2e];
if (files.length === 0) {
  console.error('no test files found under dist/test (did the build run?)');
  process.exit(1);
}
// One invocation so the runner prints a single summary; e2e files are isolated per process anyway.
const r = spawnSync(
  process.execPath,
  [
    '--enable-source-maps',
    '--test',
    `--test-concurrency=${process.env.VIGIL_TEST_CONCURRENCY ?? 2}`,
    '--test-reporter=spec',
    ...files,
  ],
  { stdio: 'inherit', cwd: root, env: { ...process.env, VIGIL_TEST: '1' } },
);
process.exit(r.status ?? 1);

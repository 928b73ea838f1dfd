// Builds native/spawn.c into native/build/vigil_spawn.node (a Node-API addon: no node-gyp, no download).
// Without a C compiler or Node's headers, Vigil still works: it falls back to child_process, which forks
// the whole daemon for every start (see README, "Spawning"). Set VIGIL_REQUIRE_NATIVE=1 to make a failed
// build an error (CI does, so the tests always exercise the native path).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const src = join(root, 'native', 'spawn.c');
const out = join(root, 'native', 'build', 'vigil_spawn.node');
const candidates = [
  process.env.npm_config_nodedir && join(process.env.npm_config_nodedir, 'include', 'node'),
  join(dirname(dirname(process.execPath)), 'include', 'node'),
  '/usr/include/node',
  '/usr/local/include/node',
].filter(Boolean);
const include = candidates.find((d) => existsSync(join(d, 'node_api.h')));
const strict = process.env.VIGIL_REQUIRE_NATIVE === '1';

function fail(why) {
  const msg = `vigil: native spawn not built (${why}); services will be started with child_process instead`;
  if (strict) {
    console.error(`${msg}\nVIGIL_REQUIRE_NATIVE=1: failing the build.`);
    process.exit(1);
  }
  console.warn(msg);
  process.exit(0);
}

if (process.platform !== 'linux') fail(`${process.platform} is not Linux`);
if (!include) fail(`Node's headers (node_api.h) not found in ${candidates.join(', ')}`);
mkdirSync(dirname(out), { recursive: true });
const cc = process.env.CC || 'cc';
try {
  execFileSync(cc, ['-O2', '-Wall', '-fPIC', '-shared', '-o', out, src, `-I${include}`], {
    stdio: 'inherit',
  });
} catch (err) {
  fail(`${cc} failed: ${err instanceof Error ? err.message : String(err)}`);
}

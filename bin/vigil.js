#!/usr/bin/env node
// Entry point of the `vigil` command; the CLI itself is compiled TypeScript in dist/.
import { applyDaemonV8Flags } from '../dist/src/daemon/v8-flags.js';

// `vigil up` becomes the daemon: its heap settings must be in place before the rest of the code loads.
if (process.argv[2] === 'up') applyDaemonV8Flags();
const { main } = await import('../dist/src/cli/main.js');

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`vigil: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);

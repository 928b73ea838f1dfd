// Replays the public trace set (../shared/traces beside the repository) exactly as `vigil analyze`
// does: every leak caught before exhaustion, no false alarm, and the floor for lead and ETA.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayTrace } from '../../../src/leak/replay.js';
import { parseTraceCsv } from '../../../src/leak/trace-csv.js';
import { repoRoot } from '../../helpers/paths.js';

interface Label {
  file: string;
  leak_metric: 'fds' | 'rss' | null;
  leak_start_t: number | null;
  exhaust_t: number | null;
}

/** ../shared/traces from the repository root; one more level up when running from a worktree. */
function tracesDir(): string | null {
  const root = repoRoot();
  const candidates = [
    process.env.VIGIL_TRACES,
    join(root, '..', 'shared', 'traces'),
    join(root, '..', '..', 'shared', 'traces'),
  ];
  return candidates.find((d): d is string => Boolean(d) && existsSync(join(d!, 'labels.json'))) ?? null;
}

const dir = tracesDir();
const median = (a: number[]) => {
  const s = [...a].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

test(
  'public traces: every leak caught, no false alarm, median lead >= 0.5, median ETA error <= 0.3',
  { skip: dir === null ? 'no trace set in ../shared/traces (set VIGIL_TRACES to point at one)' : false },
  () => {
    const labels = (JSON.parse(readFileSync(join(dir!, 'labels.json'), 'utf8')) as { traces: Label[] })
      .traces;
    assert.ok(labels.length > 0);
    const leads: number[] = [];
    const errors: number[] = [];
    for (const lab of labels) {
      const rows = parseTraceCsv(readFileSync(join(dir!, lab.file), 'utf8'), lab.file);
      const res = replayTrace(rows);
      for (const m of ['fds', 'rss'] as const) {
        const alarm = res[m].first_alarm_t;
        if (lab.leak_metric !== m) {
          assert.equal(alarm, null, `${lab.file} ${m}: false alarm at ${alarm} (${res[m].final.reason})`);
          continue;
        }
        const start = lab.leak_start_t!;
        const end = lab.exhaust_t!;
        assert.ok(
          alarm !== null && alarm >= start && alarm < end,
          `${lab.file} ${m}: missed or early (${alarm})`,
        );
        leads.push((end - alarm) / (end - start));
        const eta = res[m].eta_t_at_alarm;
        errors.push(eta === null ? 1 : Math.min(1, Math.abs(eta - end) / (end - alarm)));
      }
    }
    assert.ok(median(leads) >= 0.5, `median lead ${median(leads)}`);
    assert.ok(median(errors) <= 0.3, `median ETA error ${median(errors)}`);
  },
);

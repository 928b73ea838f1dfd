import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  formatDurationMs,
  parseDays,
  parseDuration,
  parsePercent,
  parseRestartBudget,
  parseSize,
  parseTimeOfDay,
} from '../../../src/config/units.js';

test('durations in every unit become milliseconds; a bare number is seconds', () => {
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('10s'), 10_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('2h'), 7_200_000);
  assert.equal(parseDuration('7d'), 604_800_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration('1.5s'), 1500);
  assert.equal(parseDuration(30), 30_000);
  assert.equal(parseDuration(0.25), 250);
  assert.equal(parseDuration('30'), 30_000);
  assert.equal(parseDuration(0), 0);
});

test('malformed durations are rejected, not guessed', () => {
  for (const bad of ['', 'abc', '10 parsecs', '5mm', '-5s', 's', '1h 30x', '10S'])
    assert.equal(parseDuration(bad), undefined, bad);
  assert.equal(parseDuration(-1), undefined);
  assert.equal(parseDuration(Number.NaN), undefined);
  assert.equal(parseDuration(Infinity), undefined);
});

test('formatDurationMs is the inverse of parseDuration', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 400 * 86_400_000 }),
      (ms) => parseDuration(formatDurationMs(ms)) === ms,
    ),
  );
  assert.equal(formatDurationMs(5_400_000), '1h30m');
  assert.equal(formatDurationMs(0), '0s');
});

test('sizes: KB/MB/GB are powers of 1000, KiB/MiB/GiB of 1024, a number is bytes', () => {
  assert.equal(parseSize('512MiB'), 512 * 1024 * 1024);
  assert.equal(parseSize('10MB'), 10_000_000);
  assert.equal(parseSize('1GiB'), 1024 ** 3);
  assert.equal(parseSize('64KiB'), 65_536);
  assert.equal(parseSize('10KB'), 10_000);
  assert.equal(parseSize('1GB'), 1e9);
  assert.equal(parseSize('1.5KiB'), 1536);
  assert.equal(parseSize('100'), 100);
  assert.equal(parseSize('100B'), 100);
  assert.equal(parseSize(4096), 4096);
  for (const bad of ['', 'MiB', '10XB', '-1MiB', '1 2 MiB']) assert.equal(parseSize(bad), undefined, bad);
  assert.equal(parseSize(-5), undefined);
});

test('percentages become fractions; out-of-range values are rejected', () => {
  assert.equal(parsePercent('70%'), 0.7);
  assert.equal(parsePercent('100%'), 1);
  assert.equal(parsePercent(0.9), 0.9);
  assert.equal(parsePercent('0.5'), 0.5);
  assert.equal(parsePercent(0), 0);
  for (const bad of ['150%', '70', 'seventy', '', '%']) assert.equal(parsePercent(bad), undefined, bad);
  assert.equal(parsePercent(70), undefined);
  assert.equal(parsePercent(-0.1), undefined);
});

test('times of day are zero-padded and range-checked', () => {
  assert.equal(parseTimeOfDay('09:20'), '09:20');
  assert.equal(parseTimeOfDay('9:20'), '09:20');
  assert.equal(parseTimeOfDay('23:59:59'), '23:59:59');
  assert.equal(parseTimeOfDay('00:00'), '00:00');
  for (const bad of ['24:00', '12:60', '12:00:60', '1200', '12:0', 'noon'])
    assert.equal(parseTimeOfDay(bad), undefined, bad);
});

test('day shorthands, ranges (wrapping) and lists normalise to week order', () => {
  assert.deepEqual(parseDays('weekdays'), ['mon', 'tue', 'wed', 'thu', 'fri']);
  assert.deepEqual(parseDays('mon-fri'), ['mon', 'tue', 'wed', 'thu', 'fri']);
  assert.deepEqual(parseDays('weekends'), ['sat', 'sun']);
  assert.deepEqual(parseDays('daily'), ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
  assert.deepEqual(parseDays('fri-mon'), ['mon', 'fri', 'sat', 'sun']);
  assert.deepEqual(parseDays(['sun', 'Mon', 'monday']), ['mon', 'sun']);
  assert.deepEqual(parseDays('mon,wed, fri'), ['mon', 'wed', 'fri']);
  for (const bad of ['weekdayz', 'mon-funday', '', 'xyz']) assert.equal(parseDays(bad), undefined, bad);
  assert.equal(parseDays([]), undefined);
});

test('restart budgets "N in DURATION"', () => {
  assert.deepEqual(parseRestartBudget('10 in 10m'), { count: 10, window_ms: 600_000 });
  assert.deepEqual(parseRestartBudget('3 IN 1h'), { count: 3, window_ms: 3_600_000 });
  for (const bad of ['10', '10 in', 'ten in 10m', '0 in 1m', '5 in 0s', '5 per 1m']) {
    assert.equal(parseRestartBudget(bad), undefined, bad);
  }
});

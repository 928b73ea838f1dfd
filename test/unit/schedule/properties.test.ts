import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DateTime, IANAZone } from 'luxon';
import { activeWindow, nextBoundary, occurrences } from '../../../src/schedule/windows.js';
import { instantOf } from '../../../src/schedule/local-time.js';
import { WEEKDAYS, type Window } from '../../../src/schedule/types.js';

const DAY = 86_400_000;
// Northern and southern DST zones, a half-hour DST zone, and zones without DST.
const ZONES = [
  'Europe/London',
  'America/New_York',
  'Australia/Sydney',
  'America/Santiago',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'UTC',
];
// Days on which some of those zones change their clocks in 2026, to aim `now` at the hard cases.
const DST_DAYS = [
  '2026-03-08',
  '2026-03-29',
  '2026-04-05',
  '2026-09-06',
  '2026-10-04',
  '2026-10-25',
  '2026-11-01',
];

const pad = (n: number): string => String(n).padStart(2, '0');
const timeArb = fc
  .tuple(
    // Hours when clocks change (00:00–03:59, and 23:00 for Santiago) come up more often.
    fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 3 }), fc.constant(23)),
    fc.integer({ min: 0, max: 59 }),
    fc.constantFrom(0, 0, 0, 30),
  )
  .map(([h, m, s]) => (s ? `${pad(h)}:${pad(m)}:${pad(s)}` : `${pad(h)}:${pad(m)}`));
const windowArb: fc.Arbitrary<Window> = fc.record({
  start: timeArb,
  stop: timeArb,
  days: fc.subarray([...WEEKDAYS], { minLength: 1 }),
  timezone: fc.constantFrom(...ZONES),
});
const nowArb = fc.oneof(
  fc.integer({ min: Date.parse('2026-01-01T00:00:00Z'), max: Date.parse('2028-01-01T00:00:00Z') }),
  fc
    .tuple(fc.constantFrom(...DST_DAYS), fc.integer({ min: -2 * DAY, max: 2 * DAY }))
    .map(([d, off]) => Date.parse(`${d}T00:00:00Z`) + off),
);

test('property: activeWindow agrees with a brute-force scan of every window occurrence', () => {
  fc.assert(
    fc.property(fc.array(windowArb, { minLength: 1, maxLength: 3 }), nowArb, (windows, now) => {
      const all = windows.flatMap((w) => occurrences(w, undefined, now - 4 * DAY, now + 4 * DAY));
      const containing = all.filter((o) => o.startMs <= now && now < o.stopMs);
      const active = activeWindow(windows, {}, now);
      assert.equal(active !== null, containing.length > 0);
      if (!active) return;
      for (const o of containing) assert.ok(active.startMs <= o.startMs && o.stopMs <= active.stopMs);
      // Its edges are edges of real occurrences (when they lie within the brute-force range).
      if (active.startMs > now - 3 * DAY) assert.ok(all.some((o) => o.startMs === active.startMs));
      if (active.stopMs < now + 3 * DAY) assert.ok(all.some((o) => o.stopMs === active.stopMs));
    }),
    { numRuns: 300 },
  );
});

test('property: nothing changes between now and nextBoundary, and the boundary flips the state', () => {
  fc.assert(
    fc.property(
      fc.array(windowArb, { minLength: 1, maxLength: 3 }),
      nowArb,
      fc.double({ min: 0, max: 1, noNaN: true }),
      (windows, now, frac) => {
        const b = nextBoundary(windows, {}, now);
        const isActive = (t: number): boolean => activeWindow(windows, {}, t) !== null;
        if (!b) return;
        assert.ok(b.atMs > now);
        const before = isActive(now);
        assert.equal(before, b.kind === 'stop');
        const mid = now + Math.floor((b.atMs - now - 1) * frac);
        assert.equal(isActive(mid), before, 'no change before the boundary');
        assert.equal(isActive(b.atMs - 1), before);
        assert.equal(isActive(b.atMs), !before, 'the boundary changes the state');
      },
    ),
    { numRuns: 200 },
  );
});

// Each zone with the local dates on which it changed its clocks in 2026 (spring forward and fall back).
const DST_CHANGES: Array<[string, string]> = [
  ['Europe/London', '2026-03-29'],
  ['Europe/London', '2026-10-25'],
  ['America/New_York', '2026-03-08'],
  ['America/New_York', '2026-11-01'],
  ['Australia/Sydney', '2026-04-05'],
  ['Australia/Sydney', '2026-10-04'],
  ['America/Santiago', '2026-04-05'],
  ['America/Santiago', '2026-09-06'],
  ['Australia/Lord_Howe', '2026-04-05'],
  ['Australia/Lord_Howe', '2026-10-04'],
];

test('property: a local time resolves to its first instant, or to the end of the gap that skips it', () => {
  const anyDay = fc.tuple(
    fc.constantFrom(...ZONES),
    fc.constantFrom(...DST_DAYS),
    fc.integer({ min: -DAY, max: 2 * DAY - 60_000 }),
  );
  const caseArb = fc.oneof(
    anyDay,
    fc
      .tuple(
        fc.constantFrom(...DST_CHANGES),
        fc.integer({ min: -3 * 60, max: 5 * 60 }),
        fc.constantFrom(0, 0, 30),
      )
      .map(([[z, d], min, sec]) => [z, d, min * 60_000 + sec * 1000] as [string, string, number]),
  );
  fc.assert(
    fc.property(caseArb, ([zoneName, day, offset]) => {
      const zone = IANAZone.create(zoneName);
      const wall = Date.parse(`${day}T00:00:00Z`) + offset;
      const t = instantOf(zone, wall);
      const wallAt = (ms: number): number => {
        const d = DateTime.fromMillis(ms, { zone: zoneName });
        return Date.UTC(d.year, d.month - 1, d.day, d.hour, d.minute, d.second, d.millisecond);
      };
      if (wallAt(t) === wall) {
        // Shown at t; no instant up to two hours earlier shows the same wall time.
        for (let back = 15 * 60_000; back <= 2 * 3_600_000; back += 15 * 60_000) {
          assert.notEqual(wallAt(t - back), wall, `an earlier instant shows it in ${zoneName}`);
        }
      } else {
        // Never shown: clocks jump from before it (just before t) to after it (at t).
        assert.ok(wallAt(t - 1) < wall && wallAt(t) > wall, `${zoneName} ${new Date(wall).toISOString()}`);
      }
    }),
    { numRuns: 1000 },
  );
});

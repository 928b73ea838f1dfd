import { createRequire } from 'node:module';
import type * as Luxon from 'luxon';
import type ICAL from 'ical.js';

// Time zones (luxon) and iCalendar files (ical.js) are needed only by services with a schedule, and each
// library costs the daemon about 1 MiB of heap once loaded: they are loaded on first use. require()
// (their CommonJS builds) keeps the callers synchronous.
const require = createRequire(import.meta.url);
let luxonLib: typeof Luxon | null = null;
let icalLib: typeof ICAL | null = null;

/** The luxon module, loaded on first use. */
export function luxon(): typeof Luxon {
  return (luxonLib ??= require('luxon') as typeof Luxon);
}

/** The ical.js module, loaded on first use. */
export function ical(): typeof ICAL {
  return (icalLib ??= require('ical.js') as typeof ICAL);
}

/** Whether either library has been loaded (for tests: a daemon without schedules never loads them). */
export function scheduleLibsLoaded(): { luxon: boolean; ical: boolean } {
  return { luxon: luxonLib !== null, ical: icalLib !== null };
}

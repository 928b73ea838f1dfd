// The schedule module's public surface: windows, calendars, the enforcement decision and its description.
export type { Calendar, CalendarSpec, Interval, Occurrence, Weekday, Window } from './types.js';
export { WEEKDAYS } from './types.js';
export { parseTimeOfDay, instantOf } from './local-time.js';
export { loadCalendar, loadCalendars, isDateString, type LoadedCalendar } from './calendar.js';
export {
  activeWindow,
  compileWindow,
  compileWindows,
  nextBoundary,
  nextEdge,
  occurrences,
  type Boundary,
} from './windows.js';
export {
  decide,
  msUntilWindowEnd,
  nextCheckDelay,
  overridesAfterManualStart,
  overridesAfterManualStop,
  MAX_CHECK_INTERVAL_MS,
  NO_OVERRIDES,
  type Decision,
  type Overrides,
  type ScheduleState,
} from './scheduler.js';
export {
  describeSchedule,
  showInstant,
  summarizeWindow,
  type ScheduleDescription,
  type ShownInstant,
} from './describe.js';

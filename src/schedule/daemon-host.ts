import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CalendarConfig } from '../config/schema.js';
import { VigilError, errorMessage } from '../errors.js';
import type { Store } from '../store/store.js';
import type { SupervisorEvent } from '../supervisor/service.js';
import type { Supervisor } from '../supervisor/supervisor.js';
import { loadCalendar, loadCalendars, type LoadedCalendar } from './calendar.js';
import {
  ScheduleEnforcer,
  type Clock,
  type EnforcerHost,
  type ScheduledTarget,
  type ScheduleStatus,
} from './enforcer.js';
import type { Overrides } from './scheduler.js';
import type { Calendar } from './types.js';

/** Statuses in which the supervisor keeps a service up (what `decide` calls running). */
const UP = new Set(['starting', 'running', 'stopping', 'backoff', 'crash-loop']);

/** Calendars persisted as `{ "files": { "<vigil.yaml>": { "<name>": ["YYYY-MM-DD", …] } } }`. */
interface CalendarFile {
  files: Record<string, Record<string, string[]>>;
}

/**
 * The calendars of every applied vigil.yaml, by file (a window's `calendar` names one of its own file).
 * They are read at `apply` (the .ics files too) and kept as dates in the home, so that a daemon restart
 * does not depend on the .ics files still being there; re-apply to pick up a changed .ics file.
 */
export class CalendarRegistry {
  private readonly byFile = new Map<string, Record<string, LoadedCalendar>>();

  constructor(private readonly path: string) {
    let saved: CalendarFile | null = null;
    try {
      saved = JSON.parse(readFileSync(path, 'utf8')) as CalendarFile;
    } catch {
      // none yet
    }
    for (const [file, cals] of Object.entries(saved?.files ?? {})) {
      const loaded: Record<string, LoadedCalendar> = {};
      for (const [name, dates] of Object.entries(cals)) loaded[name] = loadCalendar({ dates }, name);
      this.byFile.set(file, loaded);
    }
  }

  /** Loads the calendars of `file` (dates and .ics files). Errors name the vigil.yaml and the .ics file. */
  static load(file: string, specs: Record<string, CalendarConfig>): Record<string, LoadedCalendar> {
    try {
      return loadCalendars(specs);
    } catch (err) {
      if (err instanceof VigilError) throw new VigilError(err.code, `${file}: ${err.message}`, err.details);
      throw new VigilError('CALENDAR_INVALID', `${file}: ${errorMessage(err)}`);
    }
  }

  /** Replaces the calendars of `file` and persists them. */
  set(file: string, calendars: Record<string, LoadedCalendar>): void {
    if (Object.keys(calendars).length === 0) this.byFile.delete(file);
    else this.byFile.set(file, calendars);
    const out: CalendarFile = { files: {} };
    for (const [f, cals] of this.byFile)
      out.files[f] = Object.fromEntries(Object.entries(cals).map(([n, c]) => [n, [...c.dates]]));
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, JSON.stringify(out) + '\n', { mode: 0o600 });
    renameSync(tmp, this.path);
  }

  /** The calendars a service's windows may name (none for a service started by hand). */
  of(file: string | null): Record<string, Calendar> {
    return (file !== null && this.byFile.get(file)) || {};
  }
}

/** The enforcer's view of the supervisor: scheduled services, their controls, overrides in the store. */
export function supervisorHost(
  supervisor: Supervisor,
  store: Store,
  calendars: CalendarRegistry,
  record: (e: SupervisorEvent) => void,
): EnforcerHost {
  return {
    targets(): ScheduledTarget[] {
      const out: ScheduledTarget[] = [];
      for (const svc of supervisor.services.values()) {
        const windows = svc.config.schedule;
        if (!windows || windows.length === 0) continue;
        out.push({
          name: svc.name,
          windows,
          calendars: calendars.of(supervisor.sourceOf(svc.name)?.file ?? null),
          running: UP.has(svc.status),
          failedAtMs: svc.status === 'failed' ? (svc.lastExit?.at ?? 0) : null,
        });
      }
      return out;
    },
    start(name) {
      const svc = supervisor.get(name);
      // A refused spawn (max_concurrent, missing program) is reported by a synchronous event, not thrown.
      let failure: SupervisorEvent | null = null;
      const listen = (e: SupervisorEvent) => {
        if (e.service === name && e.kind === 'spawn-failed') failure = e;
      };
      supervisor.on('event', listen);
      try {
        store.setDesired(name, 'running');
        svc.start();
      } catch (err) {
        return { code: err instanceof VigilError ? err.code : 'START_FAILED', message: errorMessage(err) };
      } finally {
        supervisor.off('event', listen);
      }
      const f = failure as SupervisorEvent | null;
      return f ? { code: String(f.data?.code ?? 'SPAWN_FAILED'), message: f.message } : null;
    },
    stop(name) {
      store.setDesired(name, 'stopped');
      return supervisor.get(name).stop('stopped');
    },
    loadOverrides(name) {
      const json = store.getService(name)?.hold_json;
      if (!json) return null;
      try {
        return JSON.parse(json) as Overrides;
      } catch {
        return null;
      }
    },
    saveOverrides(name, o) {
      store.setHold(name, o);
    },
    event: record,
  };
}

/** Builds the enforcer of a daemon and hooks it to manual starts and stops (Supervisor 'manual' events). */
export function createScheduling(opts: {
  home: string;
  supervisor: Supervisor;
  store: Store;
  record: (e: SupervisorEvent) => void;
  clock?: Clock;
}): { enforcer: ScheduleEnforcer; calendars: CalendarRegistry } {
  const calendars = new CalendarRegistry(join(opts.home, 'calendars.json'));
  const enforcer = new ScheduleEnforcer(
    supervisorHost(opts.supervisor, opts.store, calendars, opts.record),
    opts.clock,
  );
  opts.supervisor.on('manual', (m: { name: string; action: 'start' | 'stop' }) => {
    if (m.action === 'start') enforcer.manualStart(m.name);
    else enforcer.manualStop(m.name);
  });
  return { enforcer, calendars };
}

/** A service view with its schedule: status `scheduled` while it waits for a window, and the next start. */
export function withSchedule<V extends { status: string; conditions: string[]; next_start: unknown }>(
  view: V,
  st: ScheduleStatus | null,
): V {
  if (!st) return view;
  return {
    ...view,
    status: st.waiting ? 'scheduled' : view.status,
    next_start: st.next_start,
    conditions: [...view.conditions, ...st.conditions],
  };
}

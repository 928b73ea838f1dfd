/**
 * The schema of vigil.yaml: the single source of truth for its types, its validation, its error
 * messages and its reference documentation (docs/config.md is generated from the descriptions here).
 *
 * Normalised units: every duration is in milliseconds, every size in bytes, every percentage a
 * fraction in [0, 1], every command an argv array.
 */
import { z } from 'zod';
import { CommandSyntaxError, findShellOperator, tokenizeCommand } from './command.js';
import {
  describeValue,
  formatDurationMs,
  parseDays,
  parseDuration,
  parsePercent,
  parseRestartBudget,
  parseSize,
  parseTimeOfDay,
} from './units.js';

/** Names of services and calendars. */
export const NAME_PATTERN = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/;

/** Extra metadata the docs generator reads beside `description`. */
export interface DocMeta {
  /** The type as the reference shows it, when the zod type alone would mislead (a duration is a string or number). */
  docType?: string;
  /** The default as the reference shows it, when it is not a constant (the machine's time zone). */
  docDefault?: string;
}

// ---------------------------------------------------------------- messages

const EXPECTED: Record<string, string> = {
  string: 'a string',
  number: 'a number',
  int: 'an integer',
  boolean: 'true or false',
  object: 'a mapping',
  record: 'a mapping',
  array: 'a list',
};

/**
 * Messages for zod's built-in checks, in vigil's words. Pass as `{error: configErrorMap}` to
 * `safeParse` so a single service validated on its own reads like a file error.
 */
export const configErrorMap: z.core.$ZodErrorMap = (iss) => {
  switch (iss.code) {
    case 'invalid_type':
      if (iss.input === undefined) return 'missing required key';
      return `expected ${EXPECTED[iss.expected] ?? iss.expected}, got ${describeValue(iss.input)}`;
    case 'invalid_value':
      return iss.values.length === 1
        ? `expected ${JSON.stringify(iss.values[0])}, got ${describeValue(iss.input)}`
        : `expected one of ${iss.values.map((v) => `'${String(v)}'`).join(', ')}; got ${describeValue(iss.input)}`;
    case 'too_small':
      if (iss.origin === 'array') return `needs at least ${String(iss.minimum)} item(s)`;
      if (iss.origin === 'string') return 'must not be empty';
      return `must be ${iss.inclusive ? 'at least' : 'greater than'} ${String(iss.minimum)}, got ${describeValue(iss.input)}`;
    case 'too_big':
      if (iss.origin === 'array') return `takes at most ${String(iss.maximum)} item(s)`;
      return `must be ${iss.inclusive ? 'at most' : 'less than'} ${String(iss.maximum)}, got ${describeValue(iss.input)}`;
    case 'unrecognized_keys':
      return `unknown key${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `'${k}'`).join(', ')}`;
    case 'invalid_key':
      return `invalid name ${describeValue(iss.input)}`;
    case 'invalid_union':
      return `invalid value ${describeValue(iss.input)}`;
    default:
      return undefined;
  }
};

// ---------------------------------------------------------------- value types

/** An error function for a union: "expected FORMS, got X", or "missing required key". */
const expecting = (forms: string) => (iss: { input?: unknown }) =>
  iss.input === undefined ? 'missing required key' : `expected ${forms}, got ${describeValue(iss.input)}`;

function unitValue<T>(
  docType: string,
  parse: (v: string | number) => T | undefined,
  forms: string,
  check?: (v: T) => string | undefined,
) {
  return z
    .union([z.number(), z.string()], { error: expecting(forms) })
    .transform((v, ctx): T => {
      const out = parse(v);
      if (out === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid ${docType} ${describeValue(v)}: use ${forms}`,
          input: v,
        });
        return z.NEVER;
      }
      const problem = check?.(out);
      if (problem) {
        ctx.addIssue({ code: 'custom', message: problem, input: v });
        return z.NEVER;
      }
      return out;
    })
    .meta({ docType } satisfies DocMeta);
}

/** A duration: "500ms", "10s", "5m", "2h", "7d" (combinable: "1h30m") or a number of seconds → milliseconds. */
export function duration(opts: { min?: number } = {}) {
  const min = opts.min;
  return unitValue(
    'duration',
    parseDuration,
    "a duration like '500ms', '10s', '5m', '2h', '7d' or a number of seconds",
    min === undefined
      ? undefined
      : (ms) => (ms < min ? `must be at least ${formatDurationMs(min)}` : undefined),
  );
}

/** A size: "512MiB", "10MB", "64KiB" or a number of bytes → bytes. */
export function size(opts: { min?: number } = {}) {
  const min = opts.min;
  return unitValue(
    'size',
    parseSize,
    "a size like '64KiB', '512MiB', '10MB', '1GiB' or a number of bytes",
    min === undefined ? undefined : (b) => (b < min ? `must be at least ${min} bytes` : undefined),
  );
}

/** A percentage: "70%" or a fraction 0.7 → a fraction. */
export function percent() {
  return unitValue('percentage', parsePercent, "a percentage like '70%' or a fraction between 0 and 1");
}

const int = (min: number) => z.int().min(min);

/** A command: a string split like sh does (but run without a shell), or a list of arguments → argv. */
function commandLine() {
  return z
    .union([z.string(), z.array(z.string())], {
      error: expecting('a command (a string or a list of strings)'),
    })
    .transform((v, ctx): string[] => {
      let argv: string[];
      if (typeof v === 'string') {
        try {
          const words = tokenizeCommand(v);
          const op = findShellOperator(words);
          if (op !== undefined) {
            ctx.addIssue({
              code: 'custom',
              message: `'${op}' is shell syntax, and commands run without a shell; write [sh, -c, '...'] to use one`,
              input: v,
            });
            return z.NEVER;
          }
          argv = words.map((w) => w.value);
        } catch (err) {
          if (!(err instanceof CommandSyntaxError)) throw err;
          ctx.addIssue({ code: 'custom', message: `cannot split the command: ${err.message}`, input: v });
          return z.NEVER;
        }
      } else argv = v;
      if (argv.length === 0 || argv[0] === '') {
        ctx.addIssue({ code: 'custom', message: 'the command is empty', input: v });
        return z.NEVER;
      }
      return argv;
    })
    .meta({ docType: 'string | string[]' } satisfies DocMeta);
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

const httpUrl = () =>
  z.string().refine(isHttpUrl, {
    error: (iss) => `expected an http:// or https:// URL, got ${describeValue(iss.input)}`,
  });

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]]+):(\d{1,5})$/;

/** "host:port" or "[v6]:port" → {host, port}, or undefined. */
export function splitHostPort(s: string): { host: string; port: number } | undefined {
  const m = HOST_PORT.exec(s);
  if (!m) return undefined;
  const port = Number(m[2]);
  if (port < 1 || port > 65535) return undefined;
  return { host: (m[1] as string).replace(/^\[(.*)\]$/, '$1'), port };
}

/** The machine's IANA time zone (the default of a schedule window). */
export function localTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

/** True if `tz` is an IANA time zone this runtime knows. */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat(undefined, { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

function isIsoDate(s: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === s;
}

const name = (what: string) =>
  z.string().regex(NAME_PATTERN, {
    error: (iss) =>
      `invalid ${what} name ${describeValue(iss.input)}: use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters`,
  });

/** Adds an issue to `ctx` unless exactly one of `keys` is set in the (possibly invalid) object. */
function exactlyOne(keys: readonly string[], what: string) {
  return (value: unknown, ctx: z.core.$RefinementCtx<unknown>) => {
    if (typeof value !== 'object' || value === null) return;
    const set = keys.filter((k) => (value as Record<string, unknown>)[k] !== undefined);
    if (set.length === 1) return;
    const list = keys.map((k) => `'${k}'`).join(', ');
    ctx.addIssue({
      code: 'custom',
      message:
        set.length === 0
          ? `${what} needs exactly one of ${list}`
          : `${what} takes exactly one of ${list}, not ${set.map((k) => `'${k}'`).join(' and ')}`,
      input: value,
    });
  };
}
// Refinements that must report even when a sibling field is wrong (all errors at once).
const always = { when: () => true };

// ---------------------------------------------------------------- sections

/** A webhook that receives alerts as a JSON POST (Slack-compatible `text` field). */
export const webhookSchema = z
  .strictObject({
    url: httpUrl().describe('Where to POST the alert (http:// or https://).'),
    timeout: duration().prefault('5s').describe('How long one attempt may take before it counts as failed.'),
    retries: int(0)
      .default(3)
      .describe('Further attempts after a failure, with growing delays between them.'),
    min_interval: duration()
      .prefault('10s')
      .describe(
        'Rate limit: at most one message per this interval; alerts in between are batched into the next.',
      ),
  })
  .describe('A webhook that receives alerts as a JSON POST with a Slack-compatible `text` field.');

const timeOfDay = () =>
  z
    .string({ error: expecting('a time "HH:MM" or "HH:MM:SS" (quoted)') })
    .transform((v, ctx): string => {
      const t = parseTimeOfDay(v);
      if (t === undefined) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid time ${describeValue(v)}: use "HH:MM" or "HH:MM:SS" (00:00 to 23:59:59)`,
          input: v,
        });
        return z.NEVER;
      }
      return t;
    })
    .meta({ docType: '"HH:MM" | "HH:MM:SS"' } satisfies DocMeta);

const daysSchema = z
  .union([z.string(), z.array(z.string())], { error: expecting("days like [mon, tue] or 'weekdays'") })
  .transform((v, ctx) => {
    const days = parseDays(v);
    if (days === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `invalid days ${typeof v === 'string' ? describeValue(v) : JSON.stringify(v)}: use mon, tue, wed, thu, fri, sat, sun, ranges like 'mon-fri', or 'weekdays', 'weekends', 'daily'`,
        input: v,
      });
      return z.NEVER;
    }
    return days;
  })
  .meta({ docType: 'day[] | string' } satisfies DocMeta);

/** A time window in which a scheduled service runs. */
export const windowSchema = z
  .strictObject({
    start: timeOfDay().describe('When the service starts, in the window’s time zone.'),
    stop: timeOfDay().describe(
      'When it stops gracefully. A stop earlier than the start means the window crosses midnight; it belongs to the day it starts.',
    ),
    days: daysSchema
      .prefault('daily')
      .describe(
        'Days on which the window starts: a list of `mon`…`sun`, or `weekdays`, `weekends`, `daily`, a range such as `mon-fri`. Normalised to a list in week order.',
      ),
    timezone: z
      .string()
      .refine(isTimeZone, {
        error: (iss) =>
          `unknown time zone ${describeValue(iss.input)}: use an IANA name such as 'Asia/Kolkata'`,
      })
      .default(localTimeZone)
      .meta({ docDefault: 'the machine’s time zone' } satisfies DocMeta)
      .describe('IANA time zone of `start` and `stop`, such as `Asia/Kolkata` or `Europe/London`.'),
    calendar: z
      .string()
      .optional()
      .describe(
        'Name of a calendar under `calendars`: the window is skipped on the days it lists (holidays).',
      ),
  })
  .superRefine((w, ctx) => {
    if (typeof w.start === 'string' && w.start === w.stop)
      ctx.addIssue({
        code: 'custom',
        message: 'stop equals start: the window would be empty',
        path: ['stop'],
        input: w.stop,
      });
  })
  .describe('A time window in which the service runs.');

/** A named list of holidays. */
export const calendarSchema = z
  .strictObject({
    dates: z
      .array(
        z.string().refine(isIsoDate, {
          error: (iss) => `expected a date YYYY-MM-DD, got ${describeValue(iss.input)}`,
        }),
      )
      .optional()
      .meta({ docType: 'string[] (YYYY-MM-DD)' } satisfies DocMeta)
      .describe('The dates of the calendar, such as `2026-01-26`.'),
    ics: z
      .string()
      .min(1)
      .optional()
      .describe('An iCalendar file whose events are the dates, relative to the folder of vigil.yaml.'),
  })
  .superRefine(exactlyOne(['dates', 'ics'], 'a calendar'), always)
  .describe('Holidays: give exactly one of `dates` or `ics`.');

const threshold = (what: string, failAction: string) =>
  z
    .strictObject({
      warn: percent()
        .prefault('70%')
        .describe(`Raise a warning when ${what} reaches this share of the service’s limit.`),
      fail: percent()
        .prefault('90%')
        .describe(`Raise a failure alert when ${what} reaches this share of the limit${failAction}.`),
    })
    .superRefine((t, ctx) => {
      if (typeof t.warn === 'number' && typeof t.fail === 'number' && t.warn > t.fail)
        ctx.addIssue({ code: 'custom', message: 'warn is above fail', path: ['warn'], input: t.warn });
    });

const healthSchema = z
  .strictObject({
    http: httpUrl().optional().describe('Healthy when a GET of this URL answers 2xx or 3xx.'),
    tcp: z
      .string()
      .refine((s) => splitHostPort(s) !== undefined, {
        error: (iss) => `expected "host:port", got ${describeValue(iss.input)}`,
      })
      .optional()
      .meta({ docType: '"host:port"' } satisfies DocMeta)
      .describe('Healthy when a TCP connection to this address succeeds.'),
    command: commandLine().optional().describe('Healthy when this command exits with status 0.'),
    interval: duration({ min: 100 }).prefault('10s').describe('Time between checks.'),
    timeout: duration({ min: 1 }).prefault('2s').describe('A check that takes longer fails.'),
    start_period: duration()
      .prefault('10s')
      .describe('Failures during this time after a start do not count (the service is warming up).'),
    failures: int(1)
      .default(3)
      .describe('Consecutive failures that trigger a graceful restart (reason `health`).'),
  })
  .superRefine(exactlyOne(['http', 'tcp', 'command'], 'a health check'), always)
  .describe('A health check that catches lock-ups: exactly one of `http`, `tcp` or `command`.');

const nofileSchema = z
  .union(
    [
      z.int().min(1),
      z
        .strictObject({
          soft: int(1).describe('Soft limit: what the service gets.'),
          hard: int(1).optional().describe('Hard limit: how far the service may raise it itself.'),
        })
        .superRefine((n, ctx) => {
          if (n.hard !== undefined && n.soft > n.hard)
            ctx.addIssue({
              code: 'custom',
              message: `the soft limit (${n.soft}) is above the hard limit (${n.hard})`,
              path: ['soft'],
              input: n.soft,
            });
        }),
    ],
    { error: expecting('a number of descriptors or {soft, hard}') },
  )
  .transform((v): { soft: number; hard?: number } => (typeof v === 'number' ? { soft: v } : v))
  .meta({ docType: 'integer | {soft, hard}' } satisfies DocMeta);

const limitsSchema = z
  .strictObject({
    nofile: nofileSchema
      .optional()
      .meta({ docDefault: 'soft 1024, hard = the daemon’s hard limit' } satisfies DocMeta)
      .describe(
        'Open file descriptor limit (RLIMIT_NOFILE): a number sets the soft limit, or `{soft, hard}`.',
      ),
    memory: size({ min: 1024 * 1024 })
      .optional()
      .describe(
        'Memory limit of the whole process tree. Vigil restarts gracefully at `memory_restart` of it; a writable cgroup enforces it as the hard stop.',
      ),
    memory_restart: percent()
      .prefault('90%')
      .describe('Share of `memory` at which the service is restarted gracefully (reason `memory-limit`).'),
    tasks: int(1)
      .optional()
      .describe('Maximum number of processes and threads (cgroup pids limit, where writable).'),
  })
  .describe('Resource limits, applied at spawn.');

const logsSchema = z
  .strictObject({
    max_size: size({ min: 1024 }).prefault('10MiB').describe('Rotate a log file when it reaches this size.'),
    keep: int(0).default(5).describe('Rotated files kept per stream.'),
    compress: z.boolean().default(false).describe('Gzip rotated files.'),
    budget: size()
      .optional()
      .describe('Disk budget of this service’s logs, active files included; oldest deleted first.'),
    max_age: duration().optional().describe('Delete rotated files older than this.'),
    timestamps: z.boolean().default(false).describe('Prefix each line with the time it was read.'),
    max_line: size({ min: 256 })
      .prefault('64KiB')
      .describe('Longer lines are split, with a visible marker, never dropped.'),
  })
  .describe('Log capture and rotation.');

const alertsSchema = z
  .strictObject({
    fds: threshold(
      'the number of open descriptors',
      ' (with `leak.action: restart`, also restart gracefully, reason `fd-limit`)',
    )
      .prefault({})
      .describe('Thresholds of open file descriptors, as shares of `nofile`.'),
    memory: threshold('memory', '')
      .prefault({})
      .describe('Thresholds of memory, as shares of the limit (or the machine’s memory).'),
    webhooks: z
      .array(webhookSchema)
      .optional()
      .describe('Webhooks for this service’s alerts, besides `daemon.webhooks`.'),
  })
  .describe('Alert thresholds and where alerts go.');

const leakSchema = z
  .strictObject({
    action: z
      .enum(['alert', 'restart'])
      .default('alert')
      .describe('What a leak does: only alert, or also restart the service gracefully before it runs out.'),
    restart_before: duration()
      .prefault('15m')
      .describe('With `action: restart`: restart when the predicted exhaustion is nearer than this.'),
    min_interval: duration()
      .prefault('15m')
      .describe(
        'At most one leak restart per interval; another one sooner raises `leak-loop` and holds them.',
      ),
    warmup: duration({ min: 10_000 })
      .prefault('90m')
      .describe(
        'Time scale of this service’s benign warm-ups (pools filling, caches, first GC cycles). Growth is called a leak only after it was watched for √(warmup × time left before the limit): shorter catches fast leaks sooner, but may mistake a longer warm-up for a leak. At 30m or less, windows of 1 to 15 minutes are watched too, so leaks that exhaust the limit within minutes can be called (sample every second or few for those).',
      ),
  })
  .describe('What to do about a leak.');

const envValue = z.union([z.string(), z.number(), z.boolean()], {
  error: expecting('a string, number or boolean'),
});

/** One service of vigil.yaml (also what `vigil start` builds and validates). */
export const serviceSchema = z
  .strictObject({
    command: commandLine().describe(
      'What to run: a string split like a shell would (quotes, backslashes) but run without a shell, or a list of arguments.',
    ),
    cwd: z
      .string()
      .min(1)
      .optional()
      .meta({ docDefault: 'the folder of vigil.yaml' } satisfies DocMeta)
      .describe('Working directory, relative to the folder of vigil.yaml.'),
    env: z
      .record(
        z
          .string()
          .regex(/^[^=\0]+$/, { error: (iss) => `invalid variable name ${describeValue(iss.input)}` }),
        envValue,
      )
      .optional()
      .transform((e) =>
        e === undefined ? undefined : Object.fromEntries(Object.entries(e).map(([k, v]) => [k, String(v)])),
      )
      .meta({ docType: 'map of string → string | number | boolean' } satisfies DocMeta)
      .describe(
        'Environment variables added to the daemon’s environment (values become strings). Values of keys that look secret (KEY, TOKEN, SECRET, PASSWORD…) are never shown.',
      ),
    env_file: z
      .string()
      .min(1)
      .optional()
      .describe(
        'A file of `KEY=VALUE` lines (`#` comments, optional quotes), relative to vigil.yaml; `env` wins over it.',
      ),
    user: z
      .union([z.string().min(1), z.int().min(0)])
      .optional()
      .transform((u) => (u === undefined ? undefined : String(u)))
      .meta({ docType: 'string' } satisfies DocMeta)
      .describe('Run as this user (name or uid); needs a daemon running as root.'),
    group: z
      .union([z.string().min(1), z.int().min(0)])
      .optional()
      .transform((g) => (g === undefined ? undefined : String(g)))
      .meta({ docType: 'string' } satisfies DocMeta)
      .describe('Run with this group (name or gid); defaults to the user’s group.'),
    restart: z
      .enum(['always', 'on-failure', 'never'])
      .default('always')
      .describe(
        'When to restart after the service exits: always, only after a failure (non-zero or signal), or never.',
      ),
    backoff: z
      .strictObject({
        initial: duration().prefault('1s').describe('Delay before the first restart of a quick crash.'),
        max: duration().prefault('5m').describe('The delay doubles after each quick crash, up to this.'),
        reset: duration()
          .prefault('60s')
          .describe('A run that lasted at least this long is restarted at once, and the delay starts over.'),
      })
      .prefault({})
      .describe('Delays between restarts, so a crash loop never becomes a storm.'),
    max_restarts: z
      .string({ error: expecting("a budget like '10 in 10m'") })
      .optional()
      .transform((v, ctx) => {
        if (v === undefined) return undefined;
        const b = parseRestartBudget(v);
        if (b === undefined) {
          ctx.addIssue({
            code: 'custom',
            message: `invalid budget ${describeValue(v)}: use 'COUNT in DURATION', e.g. '10 in 10m'`,
            input: v,
          });
          return z.NEVER;
        }
        return b;
      })
      .meta({
        docType: '"COUNT in DURATION"',
        docDefault: 'none: retry forever (`crash-loop`)',
      } satisfies DocMeta)
      .describe(
        'Give up (status `failed`) after this many restarts within the duration, e.g. `10 in 10m`. Normalised to `{count, window_ms}`.',
      ),
    min_uptime: duration()
      .prefault('1s')
      .describe('A start counts as successful after this long (or when its health check first passes).'),
    standby: z
      .boolean()
      .default(true)
      .describe(
        'Keep the next process waiting (a POSIX `sh` already in the cgroup, with its limits set), so a crash is replaced in about a millisecond. Not used with `user`, `group`, `limits.tasks` or `restart: never`.',
      ),
    stop_signal: z
      .enum(['SIGTERM', 'SIGINT', 'SIGQUIT', 'SIGHUP', 'SIGUSR1', 'SIGUSR2', 'SIGKILL'])
      .default('SIGTERM')
      .describe('Signal sent to the process group to stop the service.'),
    stop_grace: duration()
      .prefault('10s')
      .describe('Time between the stop signal and SIGKILL to the whole tree.'),
    pre_stop: commandLine().optional().describe('A command run before the stop signal (to drain work).'),
    pre_stop_timeout: duration()
      .prefault('30s')
      .describe('How long `pre_stop` may run before the stop goes ahead.'),
    health: healthSchema.optional(),
    limits: limitsSchema.prefault({}),
    logs: logsSchema.prefault({}),
    sample_interval: duration({ min: 1000 })
      .optional()
      .meta({ docDefault: '`daemon.sample_interval`' } satisfies DocMeta)
      .describe('How often this service’s processes are sampled.'),
    alerts: alertsSchema.prefault({}),
    leak: leakSchema.prefault({}),
    schedule: z
      .array(windowSchema)
      .min(1)
      .optional()
      .describe('Run only inside these windows: started at each start, stopped gracefully at each stop.'),
    autostart: z
      .boolean()
      .default(true)
      .describe(
        'Start the service when the file is applied (a scheduled service still waits for its window).',
      ),
  })
  .describe('A supervised service.');

/** Settings of the daemon itself. */
export const daemonSchema = z
  .strictObject({
    sample_interval: duration({ min: 1000 }).prefault('5s').describe('How often every service is sampled.'),
    max_concurrent: int(1).optional().describe('Refuse to start more than this many services at once.'),
    allowed_hosts: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Extra Host names the dashboard accepts (for tunnels), besides localhost, 127.0.0.1 and [::1].',
      ),
    log_budget: size().optional().describe('Disk budget of all services’ logs together.'),
    webhooks: z.array(webhookSchema).optional().describe('Webhooks that receive every service’s alerts.'),
    history: z
      .strictObject({
        raw: duration({ min: 60_000 }).prefault('24h').describe('How long every raw sample is kept.'),
        minute: duration({ min: 60_000 })
          .prefault('7d')
          .describe('How long 1-minute aggregates (min, max, mean) are kept.'),
        quarter: duration({ min: 60_000 })
          .prefault('90d')
          .describe('How long 15-minute aggregates are kept.'),
      })
      .prefault({})
      .describe('Retention of the resource history kept in the state database.'),
  })
  .describe('Settings of the daemon itself.');

/** The whole of vigil.yaml. */
export const configSchema = z
  .strictObject({
    version: z.literal(1).optional().describe('Version of this file format; only `1` exists.'),
    daemon: daemonSchema.prefault({}),
    calendars: z
      .record(name('calendar'), calendarSchema)
      .prefault({})
      .describe('Named holiday calendars that schedule windows refer to.'),
    services: z.record(name('service'), serviceSchema).describe('The services, by name.'),
  })
  .describe('vigil.yaml');

export type VigilConfig = z.output<typeof configSchema>;
export type VigilConfigInput = z.input<typeof configSchema>;
export type DaemonConfig = z.output<typeof daemonSchema>;
export type ServiceConfig = z.output<typeof serviceSchema>;
/** A service as written, before defaults and normalisation. */
export type ServiceInput = z.input<typeof serviceSchema>;
export type HealthConfig = z.output<typeof healthSchema>;
export type LimitsConfig = z.output<typeof limitsSchema>;
export type LogsConfig = z.output<typeof logsSchema>;
export type AlertsConfig = z.output<typeof alertsSchema>;
export type LeakConfig = z.output<typeof leakSchema>;
export type Webhook = z.output<typeof webhookSchema>;
export type Window = z.output<typeof windowSchema>;
export type CalendarConfig = z.output<typeof calendarSchema>;
export type RestartPolicy = ServiceConfig['restart'];
export type StopSignal = ServiceConfig['stop_signal'];

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfigFile, parseConfig, resolveService } from '../../../src/config/load.js';
import { configErrorMap, serviceSchema } from '../../../src/config/schema.js';
import { VigilError } from '../../../src/errors.js';
import { fixture } from '../../helpers/paths.js';

const BASE = fixture('config');

/** The one-line messages a text is rejected with (fails if it is accepted). */
function errorsOf(text: string): string[] {
  try {
    parseConfig(text, 'vigil.yaml', BASE);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    assert.equal(err.code, 'CONFIG_INVALID');
    return err.message.split('\n');
  }
  assert.fail('the file was accepted');
}

test('the example of the brief parses, normalised', () => {
  const config = parseConfig(
    `services:
  web:
    command: python3 -u app.py
    cwd: ./web
    env: { PORT: 8080, API_TOKEN: abc }
    limits: { nofile: 1024, memory: 256MiB }
    health: { http: http://127.0.0.1:8080/health, interval: 5s }
  strategy:
    command: [python3, -u, strategy.py]
    restart: on-failure
    max_restarts: 10 in 10m
    schedule:
      - { start: "09:20", stop: "15:15", days: weekdays, timezone: Asia/Kolkata, calendar: nse }
calendars:
  nse: { dates: [2026-01-26, 2026-03-03] }
`,
    'vigil.yaml',
    '/srv/app',
  );
  const web = config.services.web!;
  assert.deepEqual(web.command, ['python3', '-u', 'app.py']);
  assert.equal(web.cwd, '/srv/app/web');
  assert.deepEqual(web.env, { PORT: '8080', API_TOKEN: 'abc' });
  assert.deepEqual(web.limits.nofile, { soft: 1024 });
  assert.equal(web.limits.memory, 256 * 1024 * 1024);
  assert.equal(web.health?.interval, 5000);
  assert.equal(web.health?.timeout, 2000);
  const strategy = config.services.strategy!;
  assert.equal(strategy.cwd, '/srv/app', 'cwd defaults to the folder of the file');
  assert.deepEqual(strategy.max_restarts, { count: 10, window_ms: 600_000 });
  assert.deepEqual(strategy.schedule, [
    {
      start: '09:20',
      stop: '15:15',
      days: ['mon', 'tue', 'wed', 'thu', 'fri'],
      timezone: 'Asia/Kolkata',
      calendar: 'nse',
    },
  ]);
  assert.deepEqual(config.calendars.nse, { dates: ['2026-01-26', '2026-03-03'] });
});

test('defaults are applied to a service given only a command', () => {
  const config = parseConfig('services:\n  w:\n    command: ./run\n', 'vigil.yaml', '/x');
  assert.deepEqual(config.daemon, {
    sample_interval: 5000,
    history: { raw: 86_400_000, minute: 604_800_000, quarter: 7_776_000_000 },
  });
  assert.deepEqual(config.calendars, {});
  assert.deepEqual(config.services.w, {
    command: ['./run'],
    cwd: '/x',
    restart: 'always',
    backoff: { initial: 1000, max: 300_000, reset: 60_000 },
    min_uptime: 1000,
    standby: true,
    stop_signal: 'SIGTERM',
    stop_grace: 10_000,
    pre_stop_timeout: 30_000,
    limits: { memory_restart: 0.9 },
    logs: { max_size: 10 * 1024 * 1024, keep: 5, compress: false, timestamps: false, max_line: 65_536 },
    alerts: { fds: { warn: 0.7, fail: 0.9 }, memory: { warn: 0.7, fail: 0.9 } },
    leak: { action: 'alert', restart_before: 900_000, min_interval: 900_000, warmup: 5_400_000 },
    autostart: true,
  });
});

test('a file with every section loads, paths resolved and env_file merged under env', () => {
  const { config, file } = loadConfigFile(fixture('config', 'full.yaml'));
  assert.equal(file, join(BASE, 'full.yaml'));
  assert.equal(config.version, 1);
  assert.deepEqual(config.daemon, {
    sample_interval: 2000,
    max_concurrent: 20,
    allowed_hosts: ['vigil.example.com'],
    log_budget: 1024 ** 3,
    webhooks: [
      { url: 'https://hooks.example.com/T000/B000', timeout: 3000, retries: 5, min_interval: 60_000 },
    ],
    history: { raw: 86_400_000, minute: 604_800_000, quarter: 7_776_000_000 },
  });
  assert.deepEqual(config.calendars.lse, { ics: join(BASE, 'holidays.ics') });
  const web = config.services.web!;
  assert.deepEqual(web.command, ['python3', '-u', 'my app.py', '--name', "it's"]);
  assert.equal(web.cwd, join(BASE, 'web'));
  assert.equal(web.env_file, join(BASE, 'app.env'));
  assert.deepEqual(web.env, {
    PORT: '8080',
    DATABASE_URL: 'postgres://localhost/app',
    GREETING: 'hello\nworld',
    SINGLE: 'literal \\n $HOME',
    EMPTY: '',
    API_TOKEN: 'abc',
    DEBUG: 'false',
    RATIO: '0.5',
  });
  assert.equal(web.user, 'nobody');
  assert.equal(web.group, '65534');
  assert.equal(web.restart, 'on-failure');
  assert.deepEqual(web.backoff, { initial: 500, max: 120_000, reset: 30_000 });
  assert.equal(web.stop_signal, 'SIGINT');
  assert.deepEqual(web.pre_stop, ['curl', '-X', 'POST', 'http://127.0.0.1:8080/drain']);
  assert.equal(web.pre_stop_timeout, 20_000);
  assert.deepEqual(web.health, {
    http: 'http://127.0.0.1:8080/health',
    interval: 5000,
    timeout: 1000,
    start_period: 30_000,
    failures: 5,
  });
  assert.deepEqual(web.limits, {
    nofile: { soft: 256, hard: 4096 },
    memory: 256 * 1024 ** 2,
    memory_restart: 0.8,
    tasks: 64,
  });
  assert.deepEqual(web.logs, {
    max_size: 5_000_000,
    keep: 3,
    compress: true,
    budget: 50 * 1024 ** 2,
    max_age: 7 * 86_400_000,
    timestamps: true,
    max_line: 16_384,
  });
  assert.equal(web.sample_interval, 1000);
  assert.deepEqual(web.alerts, {
    fds: { warn: 0.6, fail: 0.85 },
    memory: { warn: 0.5, fail: 0.9 },
    webhooks: [{ url: 'http://127.0.0.1:9000/hook', timeout: 5000, retries: 3, min_interval: 10_000 }],
  });
  assert.deepEqual(web.leak, {
    action: 'restart',
    restart_before: 1_800_000,
    min_interval: 3_600_000,
    warmup: 5_400_000,
  });
  assert.equal(web.autostart, false);
  const strategy = config.services.strategy!;
  assert.equal(strategy.health?.tcp, '127.0.0.1:9100');
  assert.deepEqual(strategy.schedule?.[1], {
    start: '21:00',
    stop: '02:00:30',
    days: ['fri', 'sat'],
    timezone: 'Europe/London',
    calendar: 'lse',
  });
  assert.deepEqual(config.services.worker?.health?.command, ['test', '-f', '/tmp/ok']);
});

test('unknown key points at the key and suggests the nearest allowed one', () => {
  assert.deepEqual(errorsOf('services:\n  web:\n    command: x\n    restrat: always\n'), [
    "vigil.yaml:4:5: services.web.restrat: unknown key (did you mean 'restart'?)",
  ]);
  assert.deepEqual(errorsOf('services:\n  web:\n    command: x\n    interval: 5s\n'), [
    "vigil.yaml:4:5: services.web.interval: unknown key (did you mean 'health.interval'?)",
  ]);
  assert.deepEqual(errorsOf('sevrices:\n  web: {command: x}\n'), [
    'vigil.yaml:1:1: services: missing required key',
    "vigil.yaml:1:1: sevrices: unknown key (did you mean 'services'?)",
  ]);
  assert.deepEqual(errorsOf('services:\n  web:\n    command: x\n    zzzzzz: 1\n    limits: { nofil: 5 }\n'), [
    'vigil.yaml:4:5: services.web.zzzzzz: unknown key (allowed here: command, cwd, env, env_file, user, group, restart, backoff, max_restarts, min_uptime, standby, stop_signal, stop_grace, pre_stop, pre_stop_timeout, health, limits, logs, sample_interval, alerts, leak, schedule, autostart)',
    "vigil.yaml:5:15: services.web.limits.nofil: unknown key (did you mean 'nofile'?)",
  ]);
});

test('wrong type, bad enum and bad duration point at the value (a list or mapping value at its key)', () => {
  assert.deepEqual(
    errorsOf(
      'services:\n  web:\n    command: x\n    autostart: yes\n    restart: sometimes\n    stop_grace: soon\n    backoff: { max: [1] }\n',
    ),
    [
      "vigil.yaml:4:16: services.web.autostart: expected true or false, got 'yes'",
      "vigil.yaml:5:14: services.web.restart: expected one of 'always', 'on-failure', 'never'; got 'sometimes'",
      "vigil.yaml:6:17: services.web.stop_grace: invalid duration 'soon': use a duration like '500ms', '10s', '5m', '2h', '7d' or a number of seconds",
      "vigil.yaml:7:16: services.web.backoff.max: expected a duration like '500ms', '10s', '5m', '2h', '7d' or a number of seconds, got a list",
    ],
  );
});

test('missing command points at the service', () => {
  assert.deepEqual(errorsOf('services:\n  web:\n    cwd: ./x\n  ok:\n    command: y\n'), [
    'vigil.yaml:2:3: services.web.command: missing required key',
  ]);
});

test('YAML syntax errors are reported with line and column, before any schema check', () => {
  assert.deepEqual(errorsOf('services:\n  web:\n    command: "x\n'), [
    'vigil.yaml:3:14: YAML syntax error: Missing closing "quote',
  ]);
  assert.deepEqual(errorsOf('services:\n  a: {command: x}\n  a: {command: y}\n'), [
    'vigil.yaml:3:3: YAML syntax error: Map keys must be unique',
  ]);
});

test('a schedule naming an undeclared calendar is an error at the name, with a suggestion', () => {
  const text = `services:
  s:
    command: x
    schedule:
      - { start: "09:20", stop: "15:15", calendar: nsx }
calendars:
  nse: { dates: [2026-01-26] }
`;
  assert.deepEqual(errorsOf(text), [
    "vigil.yaml:5:52: services.s.schedule[0].calendar: unknown calendar 'nsx' (did you mean 'nse'? declared: nse under 'calendars')",
  ]);
});

test('unbalanced quotes and shell operators in a command string are errors', () => {
  assert.deepEqual(errorsOf(`services:\n  s:\n    command: echo "it's\n`), [
    'vigil.yaml:3:14: services.s.command: cannot split the command: unbalanced double quote at character 6',
  ]);
  assert.deepEqual(errorsOf(`services:\n  s:\n    command: python3 app.py > out.log\n`), [
    "vigil.yaml:3:14: services.s.command: '>' is shell syntax, and commands run without a shell; write [sh, -c, '...'] to use one",
  ]);
});

test('nofile with soft above hard points at soft', () => {
  assert.deepEqual(
    errorsOf('services:\n  s:\n    command: x\n    limits:\n      nofile: { soft: 4096, hard: 1024 }\n'),
    ['vigil.yaml:5:23: services.s.limits.nofile.soft: the soft limit (4096) is above the hard limit (1024)'],
  );
});

test('exactly-one rules: health kinds and calendar sources', () => {
  assert.deepEqual(
    errorsOf(
      'services:\n  s:\n    command: x\n    health:\n      http: http://a/\n      tcp: "a:1"\ncalendars:\n  c: {}\n',
    ),
    [
      "vigil.yaml:4:5: services.s.health: a health check takes exactly one of 'http', 'tcp', 'command', not 'http' and 'tcp'",
      "vigil.yaml:8:3: calendars.c: a calendar needs exactly one of 'dates', 'ics'",
    ],
  );
});

test('every error in a file is reported at once, in file order', () => {
  const text = `daemon:
  sample_interval: 100ms
services:
  "bad name":
    command: x
  web:
    command: python3 app.py
    restrat: always
    limits: { nofile: { soft: 10, hard: 5 }, memory: lots }
    env: { A: null }
    health: { http: "ftp://x", interval: 1s }
    schedule:
      - { start: "25:00", stop: "10:00", days: weekdayz, timezone: Mars/Base }
calendars:
  nse: { dates: [2026-02-30] }
`;
  assert.deepEqual(errorsOf(text), [
    'vigil.yaml:2:20: daemon.sample_interval: must be at least 1s',
    "vigil.yaml:4:3: services[\"bad name\"]: invalid service name 'bad name': use letters, digits, '.', '_' and '-', starting with a letter or digit, at most 64 characters",
    "vigil.yaml:8:5: services.web.restrat: unknown key (did you mean 'restart'?)",
    'vigil.yaml:9:31: services.web.limits.nofile.soft: the soft limit (10) is above the hard limit (5)',
    "vigil.yaml:9:54: services.web.limits.memory: invalid size 'lots': use a size like '64KiB', '512MiB', '10MB', '1GiB' or a number of bytes",
    'vigil.yaml:10:15: services.web.env.A: expected a string, number or boolean, got nothing',
    "vigil.yaml:11:21: services.web.health.http: expected an http:// or https:// URL, got 'ftp://x'",
    'vigil.yaml:13:18: services.web.schedule[0].start: invalid time \'25:00\': use "HH:MM" or "HH:MM:SS" (00:00 to 23:59:59)',
    "vigil.yaml:13:48: services.web.schedule[0].days: invalid days 'weekdayz': use mon, tue, wed, thu, fri, sat, sun, ranges like 'mon-fri', or 'weekdays', 'weekends', 'daily'",
    "vigil.yaml:13:68: services.web.schedule[0].timezone: unknown time zone 'Mars/Base': use an IANA name such as 'Asia/Kolkata'",
    "vigil.yaml:15:18: calendars.nse.dates[0]: expected a date YYYY-MM-DD, got '2026-02-30'",
  ]);
});

test('ConfigError carries structured issues', () => {
  try {
    parseConfig('services:\n  web:\n    command: x\n    restrat: always\n', 'conf/vigil.yaml', BASE);
    assert.fail('accepted');
  } catch (err) {
    assert.ok(err instanceof ConfigError && err instanceof VigilError);
    assert.deepEqual(err.issues, [
      {
        file: 'conf/vigil.yaml',
        line: 4,
        column: 5,
        path: 'services.web.restrat',
        message: "unknown key (did you mean 'restart'?)",
      },
    ]);
  }
});

test('an empty file and a missing file are errors that say so', () => {
  assert.deepEqual(errorsOf(''), ["vigil.yaml:1:1: the file is empty: it needs a 'services:' mapping"]);
  assert.deepEqual(errorsOf('# only a comment\n'), [
    "vigil.yaml:1:1: the file is empty: it needs a 'services:' mapping",
  ]);
  assert.throws(
    () => loadConfigFile(fixture('config', 'nope.yaml')),
    (err: VigilError) => err.code === 'CONFIG_NOT_FOUND' && /nope\.yaml: no such file/.test(err.message),
  );
});

test('a missing env_file or ics file is an error naming it, at its line', () => {
  assert.deepEqual(
    errorsOf(
      'services:\n  s:\n    command: x\n    env_file: missing.env\ncalendars:\n  c: { ics: gone.ics }\n',
    ),
    [
      `vigil.yaml:4:15: services.s.env_file: env_file ${join(BASE, 'missing.env')}: no such file`,
      `vigil.yaml:6:13: calendars.c.ics: ics file ${join(BASE, 'gone.ics')}: no such file`,
    ],
  );
});

test('a malformed env_file line is reported with its line in the env file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-config-'));
  try {
    writeFileSync(join(dir, 'bad.env'), 'A=1\n# fine\nthis is not an assignment\n');
    assert.throws(
      () => parseConfig('services:\n  s:\n    command: x\n    env_file: bad.env\n', 'vigil.yaml', dir),
      (err: ConfigError) =>
        err.message ===
        `vigil.yaml:4:15: services.s.env_file: env_file ${join(dir, 'bad.env')}: line 3: expected KEY=VALUE, got 'this is not an assignment'`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('serviceSchema validates one service on its own, with defaults, for vigil start', () => {
  const r = serviceSchema.safeParse({ command: 'node app.js', env: { X: 1 } }, { error: configErrorMap });
  assert.ok(r.success);
  assert.deepEqual(r.data.command, ['node', 'app.js']);
  assert.equal(r.data.restart, 'always');
  const resolved = resolveService(r.data, '/home/u/proj');
  assert.equal(resolved.cwd, '/home/u/proj');
  assert.deepEqual(resolved.env, { X: '1' });
  const bad = serviceSchema.safeParse({ command: 'x', restart: 'maybe' }, { error: configErrorMap });
  assert.ok(!bad.success);
  assert.equal(bad.error.issues[0]?.message, "expected one of 'always', 'on-failure', 'never'; got 'maybe'");
});

test('a value of the right shape for one member of a union reports what is wrong inside it', () => {
  assert.deepEqual(
    errorsOf('services:\n  a:\n    command: [python3, 5]\n    limits: { nofile: { sof: 1 } }\n'),
    [
      'vigil.yaml:3:24: services.a.command[1]: expected a string, got 5',
      'vigil.yaml:4:15: services.a.limits.nofile.soft: missing required key',
      "vigil.yaml:4:25: services.a.limits.nofile.sof: unknown key (did you mean 'soft'?)",
    ],
  );
});

test('a window key written on the service suggests the schedule', () => {
  assert.deepEqual(errorsOf('services:\n  a:\n    command: x\n    timezone: UTC\n'), [
    "vigil.yaml:4:5: services.a.timezone: unknown key (did you mean 'schedule[].timezone'?)",
  ]);
});

test('YAML anchors under a top-level x- key and merge keys can share settings', () => {
  const config = parseConfig(
    'x-common: &common\n  restart: never\n  env: { A: 1 }\nservices:\n  a:\n    <<: *common\n    command: x\n  b:\n    <<: *common\n    command: y\n    restart: always\n',
    'vigil.yaml',
    '/b',
  );
  assert.equal(config.services.a?.restart, 'never');
  assert.deepEqual(config.services.a?.env, { A: '1' });
  assert.equal(config.services.b?.restart, 'always');
});

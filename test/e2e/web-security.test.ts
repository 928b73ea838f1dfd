import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { MAX_BODY } from '../../src/api/app.js';
import { MAX_STREAMS } from '../../src/api/stream.js';
import { cookieName } from '../../src/api/session.js';
import { runDaemon } from '../../src/daemon/run.js';
import { isAlive } from '../../src/supervisor/proc.js';
import { spawn } from 'node:child_process';
import { cleanupHome, runCli, startDaemon, tempHome, waitFor, type TestDaemon } from '../helpers/daemon.js';
import { vigilBin } from '../helpers/paths.js';
import { freshLoginUrl, loginCookie, printedLoginUrl, raw, registeredRoutes } from '../helpers/web.js';

const concrete = (path: string) => path.replace(/:name/g, 'x').replace(/:id/g, '1');

describe('web security', () => {
  let d: TestDaemon;
  let cookie: string;
  before(async () => {
    d = await startDaemon();
    cookie = await loginCookie(d.port, await printedLoginUrl(d));
  });
  after(async () => {
    await d.stop();
    cleanupHome(d.home);
  });

  test('every /api route without a session or token is 401; /health says only the overall status', async () => {
    const routes = registeredRoutes().filter((r) => r.path.startsWith('/api/'));
    assert.ok(routes.length >= 12, `found ${routes.length} routes`);
    // The routes the lead is adding are checked too: the guard runs before routing.
    for (const p of ['/api/v1/alerts', '/api/v1/services/x/history', '/api/v1/services/x/logs'])
      routes.push({ method: 'GET', path: p });
    routes.push({ method: 'POST', path: '/api/v1/alerts/1/ack' });
    for (const { method, path } of routes) {
      const r = await raw(d.port, { method, path: concrete(path) });
      assert.equal(r.status, 401, `${method} ${path}`);
      const wrongCookie = await raw(d.port, {
        method,
        path: concrete(path),
        headers: { cookie: `${cookieName(d.port)}=${'A'.repeat(43)}`, origin: `http://127.0.0.1:${d.port}` },
      });
      assert.equal(wrongCookie.status, 401, `${method} ${path} with a forged session`);
    }
    const h = await raw(d.port, { path: '/health' });
    assert.equal(h.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(h.body) as object), ['status']);
  });

  test('the session cookie is HttpOnly, SameSite=Lax and named with the port', async () => {
    const url = new URL(await freshLoginUrl(d));
    const r = await raw(d.port, { path: url.pathname + url.search });
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, '/');
    const set = String(r.headers['set-cookie']);
    assert.match(set, new RegExp(`^vigil_session_${d.port}=[A-Za-z0-9_-]{40,}; `));
    assert.match(set, /HttpOnly/);
    assert.match(set, /SameSite=Lax/);
    assert.doesNotMatch(set, /Secure/, 'plain HTTP on loopback: a Secure cookie would never come back');
    const viaTls = new URL(await freshLoginUrl(d));
    const proxied = await raw(d.port, {
      path: viaTls.pathname + viaTls.search,
      headers: { 'x-forwarded-proto': 'https' },
    });
    assert.match(
      String(proxied.headers['set-cookie']),
      /; Secure$/,
      'behind a TLS proxy the cookie is Secure',
    );
    const ok = await raw(d.port, { path: '/api/v1/services', headers: { cookie } });
    assert.equal(ok.status, 200);
    assert.ok(Array.isArray(JSON.parse(ok.body)));
  });

  test('a used login code cannot be reused', async () => {
    const url = new URL(await freshLoginUrl(d));
    const first = await raw(d.port, { path: url.pathname + url.search });
    assert.equal(first.status, 303);
    const again = await raw(d.port, { path: url.pathname + url.search });
    assert.equal(again.status, 401);
    assert.equal(again.headers['set-cookie'], undefined);
    assert.match(again.body, /work once/);
  });

  test('the printed code of `vigil up` is single-use too', async () => {
    const url = new URL(await printedLoginUrl(d));
    const r = await raw(d.port, { path: url.pathname + url.search });
    assert.equal(r.status, 401, 'already exchanged in before()');
  });

  test('a session cannot mint login codes (token only)', async () => {
    const r = await raw(d.port, { path: '/api/v1/login-code', headers: { cookie } });
    assert.equal(r.status, 403);
  });

  test('a cookie-authenticated change needs an allowed Origin (CSRF)', async () => {
    await d.client.startNew({ name: 'csrf-target', command: ['sleep', '300'], cwd: '/' });
    const path = '/api/v1/services/csrf-target/stop';
    const noOrigin = await raw(d.port, { method: 'POST', path, headers: { cookie } });
    assert.equal(noOrigin.status, 403);
    const foreign = await raw(d.port, {
      method: 'POST',
      path,
      headers: { cookie, origin: 'http://evil.example' },
    });
    assert.equal(foreign.status, 403);
    const siblingPort = await raw(d.port, {
      method: 'POST',
      path,
      headers: { cookie, origin: `http://127.0.0.1:${d.port === 65535 ? 1 : d.port + 1}` },
    });
    assert.equal(siblingPort.status, 403, 'another port of the same host is another origin');
    assert.notEqual((await d.client.inspect('csrf-target')).status, 'stopped', 'nothing was stopped');
    const same = await raw(d.port, {
      method: 'POST',
      path,
      headers: { cookie, origin: `http://127.0.0.1:${d.port}` },
    });
    assert.equal(same.status, 200, same.body);
    assert.equal((await d.client.inspect('csrf-target')).status, 'stopped');
    await d.client.remove('csrf-target');
  });

  test('a wrong Host is 403 (DNS rebinding), with or without credentials', async () => {
    const empty = await raw(d.port, { path: '/api/v1/services', headers: { host: '', cookie } });
    assert.equal(empty.status, 400, 'an empty Host is refused by the HTTP parser');
    for (const host of ['evil.example', `evil.example:${d.port}`, `127.0.0.1:${d.port + 1}`, 'localhost']) {
      for (const path of ['/', '/api/v1/services', '/health', '/login?code=x']) {
        const r = await raw(d.port, {
          path,
          headers: { host, authorization: `Bearer ${d.token}` },
        });
        assert.equal(r.status, 403, `Host '${host}' ${path}`);
      }
    }
    for (const host of [`localhost:${d.port}`, `127.0.0.1:${d.port}`, `[::1]:${d.port}`]) {
      const r = await raw(d.port, { path: '/api/v1/services', headers: { host, cookie } });
      assert.equal(r.status, 200, host);
    }
  });

  test('a foreign Origin is 403 even with the token', async () => {
    for (const origin of [
      'http://evil.example',
      'null',
      'file://',
      `https://127.0.0.1.evil.example:${d.port}`,
    ]) {
      const r = await raw(d.port, {
        path: '/api/v1/services',
        headers: { origin, authorization: `Bearer ${d.token}` },
      });
      assert.equal(r.status, 403, origin);
    }
  });

  test('tunnel names from daemon.allowed_hosts are accepted after apply', async () => {
    const before = await raw(d.port, {
      path: '/api/v1/services',
      headers: { host: 'vigil.tunnel.test', cookie },
    });
    assert.equal(before.status, 403);
    const file = join(d.home, 'hosts.yaml');
    writeFileSync(file, 'daemon:\n  allowed_hosts: [vigil.tunnel.test]\nservices: {}\n');
    const a = await d.cli(['apply', file]);
    assert.equal(a.code, 0, a.stderr);
    const r = await raw(d.port, { path: '/api/v1/services', headers: { host: 'vigil.tunnel.test', cookie } });
    assert.equal(r.status, 200);
    const o = await raw(d.port, {
      path: '/api/v1/services',
      headers: { host: 'vigil.tunnel.test', cookie, origin: 'https://vigil.tunnel.test' },
    });
    assert.equal(o.status, 200);
    writeFileSync(file, 'services: {}\n');
    await d.cli(['apply', file]);
    const gone = await raw(d.port, {
      path: '/api/v1/services',
      headers: { host: 'vigil.tunnel.test', cookie },
    });
    assert.equal(gone.status, 403, 'removed from the file, refused again');
  });

  test('an oversized body is 413, with the token or a cookie', async () => {
    const big = 'x'.repeat(MAX_BODY + 1);
    const a = await raw(d.port, {
      method: 'POST',
      path: '/api/v1/apply',
      headers: { authorization: `Bearer ${d.token}`, 'content-type': 'application/json' },
      body: big,
    });
    assert.equal(a.status, 413);
    const b = await raw(d.port, {
      method: 'POST',
      path: '/api/v1/services',
      headers: { cookie, origin: `http://127.0.0.1:${d.port}` },
      body: big,
    });
    assert.equal(b.status, 413);
  });

  test('bad input is a 4xx with a reason', async () => {
    const auth = { authorization: `Bearer ${d.token}` };
    const cases: [string, string, string | undefined][] = [
      ['GET', '/api/v1/stream?logs=2', undefined],
      ['GET', '/api/v1/stream?since=-1', undefined],
      ['GET', '/api/v1/stream?bogus=1', undefined],
      ['GET', '/api/v1/events?limit=0', undefined],
      ['POST', '/api/v1/services', '{'],
      ['POST', '/api/v1/services', '{"name":"../x","command":["true"],"cwd":"/"}'],
      ['POST', '/api/v1/apply', '[]'],
      ['GET', '/api/v1/services/%ZZ', undefined],
    ];
    for (const [method, path, body] of cases) {
      const r = await raw(d.port, { method, path, headers: auth, body });
      assert.ok(r.status >= 400 && r.status < 500, `${method} ${path} → ${r.status}`);
      const err = (JSON.parse(r.body) as { error: { message: string } }).error;
      assert.ok(err.message.length > 0, `${method} ${path} has a reason`);
    }
  });

  test('1,000 random or malformed requests: no 5xx, daemon alive', async () => {
    const routes = registeredRoutes()
      .map((r) => r.path)
      .filter((p) => !p.includes('shutdown'));
    const printable = /^[\x20-\x7e]{0,60}$/;
    const segment = fc.oneof(
      fc.stringMatching(/^[A-Za-z0-9._~-]{0,12}$/),
      fc.string({ maxLength: 12 }).map((s) => encodeURIComponent(s)),
      fc.constantFrom('..', '%2e%2e', '%', '%zz', '%00', 'api', 'v1', 'services', 'assets', 'login', '*'),
    );
    const path = fc.oneof(
      fc.constantFrom(...routes).chain((p) => segment.map((s) => p.replace(/:name|:id/g, s || 'x'))),
      fc.array(segment, { maxLength: 6 }).map((a) => '/' + a.join('/')),
      fc
        .tuple(fc.constantFrom(...routes, '/login', '/'), fc.stringMatching(/^[A-Za-z0-9=&%._-]{0,40}$/))
        .map(([p, q]) => `${concrete(p)}?${q}`),
    );
    const headerValue = fc.stringMatching(printable);
    const req = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'TRACE', 'FOO'),
      path,
      auth: fc.constantFrom('none', 'token', 'cookie', 'garbage'),
      origin: fc.option(fc.oneof(fc.constant(`http://127.0.0.1:${d.port}`), headerValue), { nil: undefined }),
      contentType: fc.option(fc.constantFrom('application/json', 'text/plain', 'multipart/form-data'), {
        nil: undefined,
      }),
      extra: fc.dictionary(fc.stringMatching(/^x-[a-z]{1,8}$/), headerValue, { maxKeys: 3 }),
      lastEventId: fc.option(headerValue, { nil: undefined }),
      body: fc.option(
        fc.oneof(
          fc.json(),
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
        ),
        { nil: undefined },
      ),
    });
    let count = 0;
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(req, async (q) => {
        // Never hand the token to a request that could stop the daemon or start arbitrary commands.
        const dangerous = q.path.includes('shutdown') || /^\/api\/v1\/(services|apply)\/?(\?|$)/.test(q.path);
        const headers: Record<string, string> = { ...q.extra };
        if (q.auth === 'token' && !dangerous) headers.authorization = `Bearer ${d.token}`;
        if (q.auth === 'cookie' && !dangerous) headers.cookie = cookie;
        if (q.auth === 'garbage') headers.authorization = 'Bearer ' + 'z'.repeat(20);
        if (q.origin !== undefined) headers.origin = q.origin;
        if (q.contentType !== undefined) headers['content-type'] = q.contentType;
        if (q.lastEventId !== undefined) headers['last-event-id'] = q.lastEventId;
        const body = q.method === 'GET' || q.method === 'HEAD' || q.body === undefined ? undefined : q.body;
        const r = await raw(d.port, { method: q.method, path: q.path, headers, body, headersOnly: true });
        count++;
        statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1);
        assert.ok(r.status < 500, `${q.method} ${q.path} → ${r.status} ${r.body.slice(0, 200)}`);
      }),
      { numRuns: 1000 },
    );
    assert.equal(count, 1000);
    assert.ok(isAlive(d.pid), 'daemon alive');
    assert.ok(await d.client.ping(), 'daemon answers');
    const log = readFileSync(join(d.home, 'daemon.log'), 'utf8');
    assert.doesNotMatch(log, /API error/, 'no handler threw');
    // Some requests must have got through the guards, or the test proves little.
    assert.ok((statuses.get(200) ?? 0) > 20, `statuses: ${JSON.stringify([...statuses])}`);
  });
});

describe('web security: two daemons and login throttling', () => {
  let a: TestDaemon;
  let b: TestDaemon;
  before(async () => {
    [a, b] = await Promise.all([startDaemon(), startDaemon()]);
  });
  after(async () => {
    await Promise.all([a.stop(), b.stop()]);
    cleanupHome(a.home);
    cleanupHome(b.home);
  });

  test('two daemons on different ports keep separate cookies (a browser sends both to both)', async () => {
    assert.notEqual(a.port, b.port);
    const ca = await loginCookie(a.port, await printedLoginUrl(a));
    const cb = await loginCookie(b.port, await printedLoginUrl(b));
    assert.ok(ca.startsWith(`vigil_session_${a.port}=`));
    assert.ok(cb.startsWith(`vigil_session_${b.port}=`));
    // Cookies are not port-scoped: a browser holds both for 127.0.0.1 and sends both everywhere.
    const jar = `${ca}; ${cb}`;
    for (const d of [a, b]) {
      const r = await raw(d.port, { path: '/api/v1/daemon', headers: { cookie: jar } });
      assert.equal(r.status, 200);
      assert.equal((JSON.parse(r.body) as { port: number }).port, d.port);
    }
    // A's session is worthless to B even under B's cookie name.
    const stolen = `vigil_session_${b.port}=${ca.split('=')[1]}`;
    assert.equal((await raw(b.port, { path: '/api/v1/daemon', headers: { cookie: stolen } })).status, 401);
    // Logging out of B leaves A logged in.
    const out = await raw(b.port, {
      method: 'POST',
      path: '/logout',
      headers: { cookie: jar, origin: `http://127.0.0.1:${b.port}` },
    });
    assert.equal(out.status, 303);
    assert.match(String(out.headers['set-cookie']), new RegExp(`^vigil_session_${b.port}=;`));
    assert.equal((await raw(b.port, { path: '/api/v1/daemon', headers: { cookie: cb } })).status, 401);
    assert.equal((await raw(a.port, { path: '/api/v1/daemon', headers: { cookie: ca } })).status, 200);
  });

  test('repeated failed logins are slowed down with 429, then a valid code works again', async () => {
    const good = new URL(await freshLoginUrl(b));
    for (let i = 0; i < 5; i++) {
      const r = await raw(b.port, { path: `/login?code=${'w'.repeat(30)}${i}` });
      assert.equal(r.status, 401, `attempt ${i + 1}`);
    }
    const blocked = await raw(b.port, { path: good.pathname + good.search });
    assert.equal(blocked.status, 429, 'even the right code waits');
    const wait = Number(blocked.headers['retry-after']);
    assert.ok(wait >= 1 && wait <= 60, `Retry-After ${wait}`);
    await waitFor(
      'the back-off to pass',
      async () => (await raw(b.port, { path: good.pathname + good.search })).status === 303,
      (wait + 2) * 1000,
      250,
    );
  });

  test('a daemon restart logs browsers out (sessions live in memory)', async () => {
    const home = tempHome();
    const d1 = await startDaemon({ home });
    const c = await loginCookie(d1.port, await printedLoginUrl(d1));
    assert.equal((await raw(d1.port, { path: '/api/v1/daemon', headers: { cookie: c } })).status, 200);
    const port = d1.port;
    await d1.stop();
    const d2 = await startDaemon({ home, args: ['--port', String(port)] });
    try {
      assert.equal((await raw(port, { path: '/api/v1/daemon', headers: { cookie: c } })).status, 401);
    } finally {
      await d2.stop();
      cleanupHome(home);
    }
  });
});

describe('SSE stream listeners', () => {
  test('1,000 connects and disconnects leave no listener behind', async () => {
    const home = tempHome();
    const daemon = await runDaemon({ home, port: 0, bind: '127.0.0.1', handleSignals: false });
    try {
      const base = `http://127.0.0.1:${daemon.opts.port}/api/v1/stream`;
      const before = ['event', 'sample', 'log', 'stopped'].map((e) => daemon.listenerCount(e));
      for (let i = 0; i < 1000; i++) {
        const ac = new AbortController();
        const res = await fetch(`${base}${i % 2 ? '?logs=1' : ''}`, {
          headers: { authorization: `Bearer ${daemon.token}` },
          signal: ac.signal,
        });
        const reader = res.body!.getReader();
        await reader.read(); // ': connected' — the listeners are attached by now
        if (i === 0) assert.equal(daemon.listenerCount('event'), before[0]! + 1);
        ac.abort();
        await reader.cancel().catch(() => undefined);
      }
      // HEAD answers with headers only and subscribes nothing.
      for (let i = 0; i < 5; i++) {
        const h = await raw(daemon.opts.port, {
          method: 'HEAD',
          path: '/api/v1/stream',
          headers: { authorization: `Bearer ${daemon.token}` },
        });
        assert.equal(h.status, 200);
      }
      assert.equal(daemon.listenerCount('event'), before[0], 'HEAD streams hold no listener');
      // At most MAX_STREAMS at once; the next is refused (429) until one closes.
      const held: AbortController[] = [];
      for (let i = 0; i < MAX_STREAMS; i++) {
        const ac = new AbortController();
        const res = await fetch(base, {
          headers: { authorization: `Bearer ${daemon.token}` },
          signal: ac.signal,
        });
        assert.equal(res.status, 200, `stream ${i + 1}`);
        await res.body!.getReader().read();
        held.push(ac);
      }
      const over = await fetch(base, { headers: { authorization: `Bearer ${daemon.token}` } });
      assert.equal(over.status, 429);
      for (const ac of held) ac.abort();
      await waitFor('a stream slot to free', async () => {
        const ac = new AbortController();
        const r = await fetch(base, {
          headers: { authorization: `Bearer ${daemon.token}` },
          signal: ac.signal,
        });
        ac.abort();
        return r.status === 200;
      });
      await waitFor(
        'listeners to be removed',
        () => ['event', 'sample', 'log', 'stopped'].every((e, i) => daemon.listenerCount(e) === before[i]),
        5000,
      );
    } finally {
      await daemon.shutdown({ leaveRunning: false });
      cleanupHome(home);
    }
  });

  test('samples, logs (only with logs=1) and events reach the client, filtered by service', async () => {
    const home = tempHome();
    const daemon = await runDaemon({ home, port: 0, bind: '127.0.0.1', handleSignals: false });
    const { VigilClient } = await import('../../src/client/client.js');
    const client = new VigilClient({ home, port: daemon.opts.port, token: daemon.token });
    try {
      const ac = new AbortController();
      const got: { event: string; data: unknown }[] = [];
      const done = (async () => {
        for await (const m of client.stream({ service: 'svc', logs: true, signal: ac.signal })) got.push(m);
      })();
      const ac2 = new AbortController();
      const noLogs: string[] = [];
      const done2 = (async () => {
        for await (const m of client.stream({ signal: ac2.signal })) noLogs.push(m.event);
      })();
      await waitFor('both subscribed', () => daemon.listenerCount('sample') === 2);
      daemon.emit('sample', { service: 'other', t: 1, fds: 1 });
      daemon.emit('sample', { service: 'svc', t: 2, fds: 7 });
      daemon.emit('log', { service: 'svc', stream: 'out', text: 'hello', t: 3 });
      daemon.recordEvent({ service: 'svc', kind: 'state', message: 'test', data: {} });
      await waitFor('three messages', () => got.length >= 3 && noLogs.length >= 3);
      ac.abort();
      ac2.abort();
      await Promise.all([done, done2]);
      assert.deepEqual(
        got.map((m) => m.event),
        ['sample', 'log', 'event'],
      );
      assert.equal((got[0]!.data as { fds: number }).fds, 7);
      assert.deepEqual(noLogs, ['sample', 'sample', 'event'], 'no log without logs=1; no service filter');
    } finally {
      await daemon.shutdown({ leaveRunning: false });
      cleanupHome(home);
    }
  });
});

describe('login links printed by the CLI', () => {
  test('`vigil up --detach` prints a working one-time login URL; `vigil dashboard` prints a fresh one', async () => {
    const home = tempHome();
    try {
      const up = await runCli(home, ['up', '--detach', '--port', '0']);
      assert.equal(up.code, 0, up.stderr);
      const m = /Dashboard: (http:\/\/127\.0\.0\.1:(\d+)\/login\?code=[\w-]+)\n/.exec(up.stdout);
      assert.ok(m, up.stdout);
      const port = Number(m[2]);
      const c = await loginCookie(port, m[1]!);
      assert.ok(c.startsWith(`vigil_session_${port}=`));
      const dash = await runCli(home, ['dashboard']);
      assert.equal(dash.code, 0, dash.stderr);
      const m2 = /Dashboard: (\S+)/.exec(dash.stdout);
      assert.ok(m2 && m2[1] !== m[1], 'a different code');
      assert.ok((await loginCookie(port, m2[1]!)).startsWith(`vigil_session_${port}=`));
      const json = await runCli(home, ['dashboard', '--json']);
      assert.equal((JSON.parse(json.stdout) as { expires_in_s: number }).expires_in_s, 600);
    } finally {
      await runCli(home, ['down']);
      cleanupHome(home);
    }
  });

  test('`vigil events -f` prints each new event once, over the SSE stream', async () => {
    const d = await startDaemon();
    const child = spawn(process.execPath, [vigilBin(), 'events', '-f', '--json'], {
      env: { ...process.env, VIGIL_HOME: d.home, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b) => (out += b));
    try {
      // Started while the follower may still be connecting: the stream's replay (since = the last row
      // printed) makes the output the same either way — each event exactly once.
      await d.client.startNew({ name: 'followed', command: ['sleep', '300'], cwd: '/' });
      const line = await waitFor('the started event', () =>
        out.split('\n').find((l) => l.includes('"followed"') && l.includes('started')),
      );
      const row = JSON.parse(line) as { id: number; kind: string };
      assert.equal(row.kind, 'state');
      await d.client.stop('followed');
      await waitFor('the stopped event', () => out.includes('stopped'));
      const started = out.split('\n').filter((l) => l.includes('"followed"') && l.includes('started'));
      assert.equal(started.length, 1, out);
    } finally {
      child.kill('SIGTERM');
      await d.stop();
      cleanupHome(d.home);
    }
  });
});

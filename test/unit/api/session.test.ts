import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CODE_TTL_MS,
  cookieName,
  FREE_FAILURES,
  MAX_BACKOFF_MS,
  readCookie,
  SESSION_TTL_MS,
  SessionStore,
} from '../../../src/api/session.js';
import { SseParser } from '../../../src/client/client.js';

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('login codes and sessions', () => {
  test('a login code works once', () => {
    const s = new SessionStore();
    const code = s.mintCode();
    const first = s.login(code);
    assert.equal(first.ok, true);
    const again = s.login(code);
    assert.deepEqual(again.ok, false);
    assert.equal(first.ok && s.valid(first.session), true);
  });

  test('a login code expires after CODE_TTL_MS', () => {
    const c = clock();
    const s = new SessionStore(c.now);
    const code = s.mintCode();
    c.advance(CODE_TTL_MS + 1);
    assert.equal(s.login(code).ok, false);
  });

  test('a session expires after SESSION_TTL_MS and can be revoked', () => {
    const c = clock();
    const s = new SessionStore(c.now);
    const r = s.login(s.mintCode());
    assert.ok(r.ok);
    c.advance(SESSION_TTL_MS - 1);
    assert.equal(s.valid(r.session), true);
    c.advance(2);
    assert.equal(s.valid(r.session), false);
    const r2 = s.login(s.mintCode());
    assert.ok(r2.ok);
    s.revoke(r2.session);
    assert.equal(s.valid(r2.session), false);
  });

  test('after FREE_FAILURES wrong codes even a right code is throttled until the back-off passes', () => {
    const c = clock();
    const s = new SessionStore(c.now);
    const good = s.mintCode();
    for (let i = 0; i < FREE_FAILURES; i++) {
      const r = s.login('wrong-code-' + 'x'.repeat(20) + i);
      assert.equal(r.ok, false);
      assert.equal(!r.ok && r.reason, 'invalid');
    }
    const blocked = s.login(good);
    assert.equal(!blocked.ok && blocked.reason, 'throttled');
    assert.ok(!blocked.ok && blocked.retryAfterMs > 0 && blocked.retryAfterMs <= 1000);
    c.advance(1001);
    assert.equal(s.login(good).ok, true, 'the code still works after the wait');
  });

  test('the back-off doubles and is capped', () => {
    const c = clock();
    const s = new SessionStore(c.now);
    const waits: number[] = [];
    for (let i = 0; i < FREE_FAILURES + 12; i++) {
      const r = s.login(null);
      if (!r.ok && r.retryAfterMs > 0) {
        waits.push(r.retryAfterMs);
        c.advance(r.retryAfterMs);
      }
    }
    assert.deepEqual(waits.slice(0, 4), [1000, 2000, 4000, 8000]);
    assert.equal(Math.max(...waits), MAX_BACKOFF_MS);
  });

  test('garbage codes and session ids are refused without throwing', () => {
    const s = new SessionStore();
    for (const v of ['', 'a', '../../etc', 'x'.repeat(5000), '\u0000'.repeat(30), null, undefined]) {
      assert.equal(s.valid(v), false);
    }
    assert.equal(s.login('\u0000'.repeat(30)).ok, false);
  });

  test('cookie names carry the port; readCookie finds the one of this port only', () => {
    assert.equal(cookieName(7171), 'vigil_session_7171');
    const h = 'vigil_session_7171=aaa; vigil_session_7172=bbb; other=1';
    assert.equal(readCookie(h, cookieName(7172)), 'bbb');
    assert.equal(readCookie(h, cookieName(7171)), 'aaa');
    assert.equal(readCookie(h, cookieName(7173)), null);
    assert.equal(readCookie(undefined, cookieName(7171)), null);
  });
});

describe('SSE parser', () => {
  test('messages split across chunks, comments and CRLF are handled', () => {
    const p = new SseParser();
    const text =
      ': connected\n\nevent: event\nid: 3\ndata: {"a":1}\n\n: keep-alive\r\n\r\nevent: log\r\ndata: {"text":"x"}\r\n\r\n';
    const out = [];
    for (let i = 0; i < text.length; i += 7) out.push(...p.push(text.slice(i, i + 7)));
    assert.deepEqual(out, [
      { event: 'event', id: '3', data: { a: 1 } },
      { event: 'log', id: null, data: { text: 'x' } },
    ]);
  });
});

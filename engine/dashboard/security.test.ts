import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkRequest, cookieName, hostAllowed, newSessionToken, originAllowed, parseCookies, presentedSession, sessionCookie } from './security.js';

const PORT = 4321;
const TOKEN = 'tok-123';
const ok = { host: `127.0.0.1:${PORT}`, cookie: `${cookieName(PORT)}=${TOKEN}` };

test('Host must be the dashboard itself (DNS rebinding)', () => {
  assert.equal(hostAllowed(`127.0.0.1:${PORT}`, PORT), true);
  assert.equal(hostAllowed(`LOCALHOST:${PORT}`, PORT), true);
  assert.equal(hostAllowed(`127.0.0.1:${PORT + 1}`, PORT), false);
  assert.equal(hostAllowed('127.0.0.1', PORT), false);
  assert.equal(hostAllowed(`evil.example:${PORT}`, PORT), false);
  assert.equal(hostAllowed(`127.0.0.1.nip.io:${PORT}`, PORT), false);
  assert.equal(hostAllowed(undefined, PORT), false);
});

test('Origin, when present, must be the dashboard (CSRF, WebSocket hijacking)', () => {
  assert.equal(originAllowed(undefined, PORT), true);
  assert.equal(originAllowed(`http://127.0.0.1:${PORT}`, PORT), true);
  assert.equal(originAllowed(`http://localhost:${PORT}`, PORT), true);
  assert.equal(originAllowed(`https://127.0.0.1:${PORT}`, PORT), false);
  assert.equal(originAllowed('null', PORT), false);
  assert.equal(originAllowed(`http://127.0.0.1:${PORT}.evil.example`, PORT), false);
  assert.equal(originAllowed('http://evil.example', PORT), false);
});

test('checkRequest: 403 for foreign Host/Origin/site before 401 for a missing session', () => {
  assert.deepEqual(checkRequest(ok, PORT, TOKEN), { ok: true });
  assert.deepEqual(checkRequest({ host: ok.host, 'x-skiff-session': TOKEN }, PORT, TOKEN), { ok: true });
  assert.equal((checkRequest({ host: ok.host }, PORT, TOKEN) as { status: number }).status, 401);
  assert.equal((checkRequest({ host: ok.host, cookie: `${cookieName(PORT)}=wrong` }, PORT, TOKEN) as { status: number }).status, 401);
  // Another dashboard's cookie (same host, other port) does not count.
  assert.equal((checkRequest({ host: ok.host, cookie: `${cookieName(PORT + 1)}=${TOKEN}` }, PORT, TOKEN) as { status: number }).status, 401);
  assert.equal((checkRequest({ ...ok, host: `evil.example:${PORT}` }, PORT, TOKEN) as { status: number }).status, 403);
  assert.equal((checkRequest({ ...ok, origin: 'http://evil.example' }, PORT, TOKEN) as { status: number }).status, 403);
  assert.equal((checkRequest({ ...ok, 'sec-fetch-site': 'cross-site' }, PORT, TOKEN) as { status: number }).status, 403);
  assert.equal((checkRequest({ host: `evil.example:${PORT}` }, PORT, TOKEN) as { status: number }).status, 403);
});

test('session cookie is HttpOnly, SameSite=Strict, per port; tokens are long and random', () => {
  assert.equal(sessionCookie(PORT, TOKEN), `skiff_session_${PORT}=${TOKEN}; Path=/; HttpOnly; SameSite=Strict`);
  assert.deepEqual(parseCookies('a=1; b = 2;c=3=4'), { a: '1', b: '2', c: '3=4' });
  assert.equal(presentedSession({ cookie: `x=1; ${cookieName(PORT)}=${TOKEN}` }, PORT), TOKEN);
  const a = newSessionToken();
  assert.ok(a.length >= 43);
  assert.notEqual(a, newSessionToken());
});

/**
 * The dashboard's request gate (ARCHITECTURE §3): loopback only, a per-session secret, and the
 * Host/Origin of every request must be the dashboard's own.
 *
 * - Host check defeats DNS rebinding: a page on evil.example that re-points its name to
 *   127.0.0.1 still sends `Host: evil.example:PORT`.
 * - Origin check defeats CSRF and cross-site WebSocket hijacking: browsers always send Origin on
 *   WebSocket handshakes and on cross-origin fetches.
 * - The session secret travels once in the printed URL (`/?token=…`), is turned into an
 *   HttpOnly SameSite=Strict cookie and the URL is redirected away. Cookies are not isolated by
 *   port, so the cookie name carries the port: two dashboards on one machine don't clash.
 *
 * Everything here is pure (no I/O) so it can be unit-tested.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** A fresh session secret: 32 random bytes, URL-safe. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

/** The session cookie's name for a dashboard on `port`. */
export function cookieName(port: number): string {
  return `skiff_session_${port}`;
}

/** The header a non-browser client (Electron main, tests) may use instead of the cookie. */
export const SESSION_HEADER = 'x-skiff-session';

/** Constant-time string comparison. */
export function safeEqual(expected: string, presented: string | undefined): boolean {
  if (!presented) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(presented);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Hosts the dashboard answers to: its own loopback address and port, nothing else. */
export function allowedHosts(port: number): string[] {
  return [`127.0.0.1:${port}`, `localhost:${port}`];
}

export function hostAllowed(host: string | undefined, port: number): boolean {
  if (!host) return false;
  return allowedHosts(port).includes(host.toLowerCase());
}

/** An absent Origin is fine (same-origin GETs, non-browser clients); a present one must be ours. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (origin === undefined) return true;
  return allowedHosts(port).some((h) => origin.toLowerCase() === `http://${h}`);
}

export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    const k = part.slice(0, eq).trim();
    const v = part.slice(eq + 1).trim();
    if (!(k in out)) out[k] = v;
  }
  return out;
}

/** The session secret a request presents, from the header or the cookie. */
export function presentedSession(headers: IncomingHttpHeaders, port: number): string | undefined {
  const h = headers[SESSION_HEADER];
  if (typeof h === 'string' && h) return h;
  return parseCookies(headers.cookie)[cookieName(port)];
}

export type GateResult =
  | { ok: true }
  | { ok: false; status: 401 | 403; reason: string };

/**
 * Decides whether a request may proceed. Host and Origin are checked before the secret so a
 * rebinding page learns nothing (403 either way).
 */
export function checkRequest(headers: IncomingHttpHeaders, port: number, token: string): GateResult {
  if (!hostAllowed(headers.host, port)) return { ok: false, status: 403, reason: 'foreign Host' };
  const origin = typeof headers.origin === 'string' ? headers.origin : undefined;
  if (!originAllowed(origin, port)) return { ok: false, status: 403, reason: 'foreign Origin' };
  // Fetch metadata: a browser labels cross-site requests; refuse them even without Origin.
  const site = headers['sec-fetch-site'];
  if (site === 'cross-site') return { ok: false, status: 403, reason: 'cross-site request' };
  if (!safeEqual(token, presentedSession(headers, port))) return { ok: false, status: 401, reason: 'no valid session' };
  return { ok: true };
}

/** The Set-Cookie value that stores the session secret in the browser. */
export function sessionCookie(port: number, token: string): string {
  return `${cookieName(port)}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

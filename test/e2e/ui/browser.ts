/**
 * Browser helpers for the dashboard's end-to-end tests: the dashboard URL a `skiff serve`
 * printed, Chromium via playwright-core (the system's /usr/bin/chromium), raw HTTP for the
 * security checks. Extends test/e2e/harness.ts without changing it.
 */
import { request } from 'node:http';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { parse, stringify } from 'yaml';
import { ROOT, eventually, tempDir, type Cluster } from '../harness.js';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  return existsSync(CHROMIUM);
}

/** Why browser tests can't run here, or false when they can. */
export function browserSkipReason(): string | false {
  if (!existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM}`;
  if (!existsSync(join(ROOT, 'dist', 'ui', 'index.html'))) return 'dashboard UI not built (dist/ui): run `npm run build` (vite build)';
  return false;
}

export interface DashboardInfo {
  /** The URL with the session token. */
  url: string;
  origin: string;
  port: number;
  token: string;
}

export async function dashboardOf(c: Cluster): Promise<DashboardInfo> {
  const url = await eventually(() => /Dashboard: (http:\/\/\S+)/.exec(c.output())?.[1], 15_000, 50);
  const u = new URL(url);
  return { url, origin: u.origin, port: Number(u.port), token: u.searchParams.get('token') ?? '' };
}

export async function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'] });
}

/**
 * page.goto that retries Chromium's ERR_NETWORK_CHANGED: Docker adding a bridge or veth (a pod
 * starting) makes Chromium abort loads in flight, loopback ones included.
 */
export async function gotoRetry(page: Page, url: string): Promise<void> {
  for (let i = 0; ; i++) {
    try {
      await page.goto(url);
      return;
    } catch (e) {
      if (i >= 4 || !/ERR_NETWORK_CHANGED|ERR_ABORTED/.test(String(e))) throw e;
      await page.waitForTimeout(250);
    }
  }
}

/** A page logged in to the dashboard (the token URL sets the session cookie and redirects). */
export async function openDashboard(browser: Browser, d: DashboardInfo, viewport = { width: 1440, height: 900 }, colorScheme: 'dark' | 'light' = 'dark'): Promise<Page> {
  const ctx = await browser.newContext({ viewport, colorScheme });
  const page = await ctx.newPage();
  page.on('pageerror', (e) => console.error(`[browser] ${e.message}`));
  // The login redirect can be aborted by a network change too (see gotoRetry): try again.
  for (let i = 0; ; i++) {
    await gotoRetry(page, d.url);
    try {
      await page.waitForURL(/\/c\/[^/]+\/overview/, { timeout: i < 2 ? 10_000 : 30_000 });
      return page;
    } catch (e) {
      if (i >= 2) throw e;
    }
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request to the dashboard with exactly the headers given (Host included). */
export function raw(port: number, path: string, headers: Record<string, string>, method = 'GET'): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, setHost: !('Host' in headers || 'host' in headers) }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** The status line a WebSocket upgrade to the dashboard gets. */
export function rawUpgrade(port: number, path: string, headers: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request({
      host: '127.0.0.1',
      port,
      path,
      headers: { Connection: 'Upgrade', Upgrade: 'websocket', 'Sec-WebSocket-Version': '13', 'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers },
      setHost: !('Host' in headers),
    });
    req.on('upgrade', (res, socket) => {
      socket.destroy();
      resolve(res.statusCode ?? 0);
    });
    req.on('response', (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

/**
 * Writes a kubeconfig holding another cluster's context renamed to `name` — what a user's
 * ~/.kube/config with a second cluster looks like. Returns its path.
 */
export function kubeconfigWithContext(sourceKubeconfig: string, name: string): string {
  const kc = parse(readFileSync(sourceKubeconfig, 'utf8')) as {
    clusters: { name: string; cluster: unknown }[];
    users: { name: string; user: unknown }[];
    contexts: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  };
  const out = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: kc.clusters[0].cluster }],
    users: [{ name: `${name}-user`, user: kc.users[0].user }],
    contexts: [{ name, context: { cluster: name, user: `${name}-user`, namespace: 'default' } }],
    'current-context': name,
  };
  const p = join(tempDir('skiff-kubeconfig-'), 'config');
  writeFileSync(p, stringify(out), { mode: 0o600 });
  return p;
}

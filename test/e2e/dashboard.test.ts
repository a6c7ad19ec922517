/**
 * The dashboard end to end: a real `skiff serve` (plus a second one as another kubeconfig
 * context), real kubectl, and Chromium driven by playwright-core. Proves: the session/Host/Origin
 * gate; every view renders; objects created with kubectl appear without a reload (watch);
 * scale, YAML edit (and its validation errors), create and delete from the UI reach the
 * cluster; the context switcher reaches the second cluster. Logs, exec and port-forward need
 * pods that really run: they skip with the reason when no kubelet runs them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpGet } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { eventually, startCluster, type Cluster } from './harness.js';
import { browserSkipReason, dashboardOf, kubeconfigWithContext, launch, openDashboard, raw, rawUpgrade, type DashboardInfo } from './ui/browser.js';

const VIEWS = [
  'overview', 'nodes', 'namespaces', 'events', 'pods', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs',
  'configmaps', 'secrets', 'horizontalpodautoscalers', 'services', 'endpoints', 'ingresses', 'networkpolicies', 'portforwards',
  'persistentvolumeclaims', 'persistentvolumes', 'storageclasses',
];

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: default
spec:
  replicas: 1
  selector:
    matchLabels: { app: web }
  template:
    metadata:
      labels: { app: web }
    spec:
      containers:
        - name: web
          image: skiff-test/httpd:1
          ports: [{ containerPort: 80 }]
`;

describe('dashboard (browser)', { skip: browserSkipReason() }, () => {
  let second: Cluster;
  let c: Cluster;
  let d: DashboardInfo;
  let browser: Browser;
  let page: Page;

  before(async () => {
    second = await startCluster();
    await second.k(['create', 'configmap', 'only-in-second', '--from-literal=a=b']);
    // The user's kubeconfig names the second cluster; the dashboard of the first lists it.
    const kc = kubeconfigWithContext(second.kubeconfig, 'second');
    c = await startCluster({ env: { KUBECONFIG: kc } });
    d = await dashboardOf(c);
    browser = await launch();
    page = await openDashboard(browser, d);
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    await browser?.close();
    await c?.stop();
    await second?.stop();
  });

  const go = async (view: string, query = '') => {
    await page.goto(`${d.origin}/c/skiff/${view}${query}`);
    await page.waitForSelector(`[data-testid="page-${view}"]`);
  };
  const row = (name: string) => page.locator(`.trow[data-name="${name}"]`);

  test('gate: no session → 401, token URL → cookie, foreign Host/Origin → 403', async () => {
    const host = { Host: `127.0.0.1:${d.port}` };
    assert.equal((await raw(d.port, '/', host)).status, 401);
    assert.equal((await raw(d.port, '/clusters/skiff/api/v1/namespaces', host)).status, 401);
    assert.equal((await raw(d.port, '/?token=wrong', host)).status, 401);
    const login = await raw(d.port, `/?token=${d.token}`, host);
    assert.equal(login.status, 302);
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    assert.match(String(login.headers['set-cookie']), /HttpOnly; SameSite=Strict/);
    const ok = await raw(d.port, '/clusters/skiff/api/v1/namespaces', { ...host, Cookie: cookie });
    assert.equal(ok.status, 200);
    assert.match(ok.body, /NamespaceList/);
    // DNS rebinding: right cookie, foreign Host.
    assert.equal((await raw(d.port, '/clusters/skiff/api/v1/namespaces', { Host: `evil.example:${d.port}`, Cookie: cookie })).status, 403);
    // CSRF: right cookie, foreign Origin.
    assert.equal((await raw(d.port, '/clusters/skiff/api/v1/namespaces/default/configmaps', { ...host, Cookie: cookie, Origin: 'http://evil.example' }, 'POST')).status, 403);
    // Cross-site WebSocket hijacking.
    assert.equal(await rawUpgrade(d.port, '/skiff/mux', { ...host, Cookie: cookie, Origin: 'http://evil.example' }), 403);
    assert.equal(await rawUpgrade(d.port, '/skiff/mux', { ...host, Origin: d.origin }), 401);
    // The session secret never reaches the cluster's API server (the proxy sends its own credentials).
    const w = await raw(d.port, '/clusters/skiff/api/v1/namespaces/default', { ...host, Cookie: cookie });
    assert.equal(w.status, 200);
  });

  test('every view renders', async () => {
    for (const v of VIEWS) await go(v);
    // Sidebar navigation works without a reload.
    await go('overview');
    await page.click('nav a[href*="/deployments"]');
    await page.waitForSelector('[data-testid="page-deployments"]');
  });

  test('a ConfigMap and a Deployment created with kubectl appear without reload (watch)', async () => {
    await go('configmaps');
    await c.k(['create', 'configmap', 'watched', '--from-literal=key=value']);
    await row('watched').waitFor();
    await go('deployments');
    await c.k(['apply', '-f', '-'], { input: DEPLOYMENT });
    await row('web').waitFor();
    // …and a change made elsewhere shows up too.
    await c.k(['label', 'deployment', 'web', 'tier=frontend']);
    await page.fill('[data-testid="filter"]', 'tier=frontend');
    await row('web').waitFor();
    await page.fill('[data-testid="filter"]', '');
  });

  test('scaling in the UI changes kubectl get', async () => {
    await go('deployments', '?sel=default/web');
    await page.click('[data-testid="action-scale"]');
    await page.fill('[data-testid="replicas"]', '3');
    await page.click('[data-testid="confirm"]');
    await eventually(async () => (await c.k(['get', 'deployment', 'web', '-o', 'jsonpath={.spec.replicas}'])) === '3', 10_000);
  });

  test('YAML edit applies; server validation errors are shown', async () => {
    await go('configmaps', '?sel=default/watched&tab=yaml');
    await page.click('[data-testid="yaml-edit"]');
    const text = await page.inputValue('[data-testid="yaml-editor"]');
    assert.match(text, /key: value/);
    await page.fill('[data-testid="yaml-editor"]', text.replace('key: value', 'key: edited-in-ui'));
    await page.click('[data-testid="yaml-apply"]');
    await eventually(async () => (await c.k(['get', 'configmap', 'watched', '-o', 'jsonpath={.data.key}'])) === 'edited-in-ui', 10_000);
    // The view follows the watch: the new value is on screen without a reload.
    await page.waitForSelector('[data-testid="yaml-view"]:has-text("edited-in-ui")');

    await go('deployments', '?sel=default/web&tab=yaml');
    await page.click('[data-testid="yaml-edit"]');
    const dep = await page.inputValue('[data-testid="yaml-editor"]');
    await page.fill('[data-testid="yaml-editor"]', dep.replace(/replicas: \d+/, 'replicas: -1'));
    await page.click('[data-testid="yaml-apply"]');
    const err = await page.waitForSelector('[data-testid="apply-error"]');
    assert.match(await err.innerText(), /replicas/i);
  });

  test('create from YAML and delete from the UI', async () => {
    await go('configmaps');
    await page.click('[data-testid="create"]');
    await page.fill('[data-testid="create-editor"]', 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: made-in-ui\n  namespace: default\ndata:\n  a: "1"\n');
    await page.click('[data-testid="create-submit"]');
    await eventually(async () => (await c.kubectl(['get', 'configmap', 'made-in-ui'])).code === 0, 10_000);
    await row('made-in-ui').click();
    await page.click('[data-testid="action-delete"]');
    await page.click('[data-testid="confirm"]');
    await eventually(async () => /NotFound/.test((await c.kubectl(['get', 'configmap', 'made-in-ui'])).stderr), 10_000);
    await row('made-in-ui').waitFor({ state: 'detached' });
  });

  test('secrets stay hidden until revealed', async () => {
    await c.k(['create', 'secret', 'generic', 'db', '--from-literal=password=hunter2']);
    await go('secrets', '?sel=default/db');
    const cell = page.locator('[data-testid="secret-password"]');
    assert.doesNotMatch(await cell.innerText(), /hunter2/);
    await page.click('[data-testid="reveal-password"]');
    await page.waitForSelector('[data-testid="secret-password"]:has-text("hunter2")');
  });

  test('the context switcher reaches a second cluster from the kubeconfig', async () => {
    await go('configmaps');
    await page.selectOption('[data-testid="context-select"]', 'second');
    await page.waitForURL(/\/c\/second\/configmaps/);
    await row('only-in-second').waitFor();
    assert.equal(await row('watched').count(), 0);
    await page.selectOption('[data-testid="context-select"]', 'skiff');
    await row('watched').waitFor();
  });

  test('command palette jumps to a resource', async () => {
    await go('overview');
    await page.keyboard.press('Control+k');
    await page.fill('[data-testid="palette-input"]', 'watched');
    await page.waitForSelector('.palette-item:has-text("watched")');
    await page.keyboard.press('Enter');
    await page.waitForURL(/\/configmaps\?.*sel=default\/watched/);
    await page.waitForSelector('[data-testid="details"]');
  });

  // ---- these need pods that really run (the kubelet, Docker and test images)

  const RUNNER = `apiVersion: v1
kind: Pod
metadata:
  name: talker
  namespace: default
spec:
  containers:
    - name: main
      image: skiff-test/busybox:1
      command: ["sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done"]
    - name: web
      image: skiff-test/httpd:1
      ports: [{ containerPort: 80 }]
`;
  let runningReason: string | undefined | null = null;
  const needRunning = async (): Promise<string | undefined> => {
    if (runningReason !== null) return runningReason;
    await c.k(['apply', '-f', '-'], { input: RUNNER });
    try {
      await eventually(async () => (await c.k(['get', 'pod', 'talker', '-o', 'jsonpath={.status.phase}'])) === 'Running', 45_000, 500);
      runningReason = undefined;
    } catch {
      const phase = (await c.kubectl(['get', 'pod', 'talker', '-o', 'jsonpath={.status.phase}'])).stdout || 'no phase';
      runningReason = `pod did not reach Running in 45 s (phase: ${phase}) — no kubelet running pods here`;
    }
    return runningReason;
  };

  test('logs stream new lines (needs a running pod)', async (t) => {
    const why = await needRunning();
    if (why) return t.skip(why);
    await go('pods', '?sel=default/talker&tab=logs');
    const logs = page.locator('[data-testid="logs"] .logs-body');
    await logs.locator('text=/tick-\\d+/').first().waitFor();
    const n0 = Number(/tick-(\d+)/.exec(await logs.innerText())?.[1] ?? -1);
    // New lines arrive while we watch (follow), without a reload.
    await eventually(async () => {
      const all = [...(await logs.innerText()).matchAll(/tick-(\d+)/g)].map((m) => Number(m[1]));
      return Math.max(...all) >= n0 + 2;
    }, 15_000);
  });

  test('exec runs a command in the terminal (needs a running pod)', async (t) => {
    const why = await needRunning();
    if (why) return t.skip(why);
    await go('pods', '?sel=default/talker&tab=terminal');
    await page.waitForSelector('[data-testid="terminal"] .live:has-text("Connected")');
    await page.click('[data-testid="terminal"] .xterm');
    await page.keyboard.type('echo skiff-$((6*7))\n');
    await page.waitForSelector('[data-testid="terminal"] .xterm-rows:has-text("skiff-42")');
  });

  test('port-forward serves a page (needs a running pod)', async (t) => {
    const why = await needRunning();
    if (why) return t.skip(why);
    const res = await page.evaluate(async () => {
      const r = await fetch('/skiff/portforwards', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ context: 'skiff', namespace: 'default', pod: 'talker', port: 80 }) });
      return (await r.json()) as { url: string; id: string; mode: string; error?: string };
    });
    assert.ok(res.url, res.error);
    t.diagnostic(`port-forward mode: ${res.mode}`);
    const body = await new Promise<string>((resolve, reject) => {
      httpGet(res.url, (r) => {
        let b = '';
        r.on('data', (x: Buffer) => (b += x.toString()));
        r.on('end', () => resolve(b));
      })
        .on('error', reject)
        .end();
    });
    assert.match(body, /skiff-test/);
    await go('portforwards');
    await page.waitForSelector('[data-testid="portforward-row"]');
    await page.click('[data-testid="portforward-stop"]');
    await page.waitForSelector('[data-testid="portforward-row"]', { state: 'detached' });
  });
});

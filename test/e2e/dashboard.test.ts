/**
 * The dashboard end to end: a real `skiff serve` (plus a second one as another kubeconfig
 * context), real kubectl, and Chromium driven by playwright-core. Proves: the session/Host/Origin
 * gate; every view renders; objects created with kubectl appear without a reload (watch);
 * scale, YAML edit in the CodeMirror editor typed with the keyboard (find, undo/redo, Ctrl-S,
 * validation errors inline on their line), create from a template and delete from the UI reach
 * the cluster; the topology map links a Service to its pods and nodes, live, and opens details;
 * the overview degrades to "metrics unavailable"; the context switcher reaches the second
 * cluster. Logs, exec, port-forward, the usage charts (metrics.k8s.io, sampled only while
 * shown and visible), image-pull and rollout progress need pods that really run: they skip
 * with the reason when no kubelet runs them.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpGet } from 'node:http';
import type { Browser, Page } from 'playwright-core';
import { eventually, startCluster, type Cluster } from './harness.js';
import { browserSkipReason, dashboardOf, gotoRetry, kubeconfigWithContext, launch, openDashboard, raw, rawUpgrade, type DashboardInfo } from './ui/browser.js';

const VIEWS = [
  'overview', 'nodes', 'namespaces', 'events', 'pods', 'deployments', 'statefulsets', 'daemonsets', 'replicasets', 'jobs', 'cronjobs',
  'configmaps', 'secrets', 'horizontalpodautoscalers', 'resourcequotas', 'limitranges', 'poddisruptionbudgets', 'services', 'endpoints', 'ingresses', 'networkpolicies', 'portforwards',
  'persistentvolumeclaims', 'persistentvolumes', 'storageclasses', 'topology',
];

const LIMIT_RANGE = `apiVersion: v1
kind: LimitRange
metadata:
  name: ui-limits
spec:
  limits:
    - type: Container
      defaultRequest:
        cpu: 250m
      max:
        cpu: "2"
`;

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
    await gotoRetry(page, `${d.origin}/c/skiff/${view}${query}`);
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

  /** The text of the CodeMirror editor (its document, via the lines it renders). */
  const editorText = async (testId: string) => (await page.locator(`[data-testid="${testId}"] .cm-content`).innerText()).replace(/\u00a0/g, ' ');
  /** Find `text` with the editor's search panel (Ctrl-F), close it (Esc): the match stays selected. */
  const findInEditor = async (testId: string, text: string) => {
    await page.locator(`[data-testid="${testId}"] .cm-content`).click();
    await page.keyboard.press('Control+Home'); // search from the top
    await page.keyboard.press('Control+f');
    await page.locator(`[data-testid="${testId}"] [data-testid="editor-find"]`).fill(text);
    await page.waitForSelector(`[data-testid="${testId}"] .cm-skiff-count:has-text("of")`);
    await page.keyboard.press('Escape');
  };

  test('YAML edit in CodeMirror applies; server validation errors are shown inline', async () => {
    await go('configmaps', '?sel=default/watched&tab=yaml');
    await page.click('[data-testid="yaml-edit"]');
    await page.waitForSelector('[data-testid="yaml-editor"] .cm-editor');
    assert.match(await editorText('yaml-editor'), /key: value/);
    // Line numbers are on.
    assert.ok((await page.locator('[data-testid="yaml-editor"] .cm-lineNumbers .cm-gutterElement').count()) > 3);
    // Typed with the keyboard into the editor: find the value, overwrite the selection.
    await findInEditor('yaml-editor', 'key: value');
    await page.keyboard.type('key: edited-in-ui');
    assert.match(await editorText('yaml-editor'), /key: edited-in-ui/);
    // Undo and redo are there too.
    await page.keyboard.press('Control+z');
    assert.match(await editorText('yaml-editor'), /key: value/);
    await page.keyboard.press('Control+Shift+z');
    assert.match(await editorText('yaml-editor'), /key: edited-in-ui/);
    await page.click('[data-testid="yaml-apply"]');
    await eventually(async () => (await c.k(['get', 'configmap', 'watched', '-o', 'jsonpath={.data.key}'])) === 'edited-in-ui', 10_000);
    // The view follows the watch: the new value is on screen without a reload.
    await page.waitForSelector('[data-testid="yaml-view"]:has-text("edited-in-ui")');

    await go('deployments', '?sel=default/web&tab=yaml');
    await page.click('[data-testid="yaml-edit"]');
    await page.waitForSelector('[data-testid="yaml-editor"] .cm-editor');
    await findInEditor('yaml-editor', 'replicas: 3');
    await page.keyboard.type('replicas: -1');
    await page.keyboard.press('Control+s'); // applies from the keyboard
    const err = await page.waitForSelector('[data-testid="apply-error"]');
    assert.match(await err.innerText(), /replicas/i);
    // …and on the line it is about, inside the editor.
    const inline = await page.waitForSelector('[data-testid="yaml-editor"] [data-testid="editor-error"]');
    assert.match(await inline.innerText(), /spec\.replicas/);
    assert.match(await page.locator('[data-testid="yaml-editor"] .cm-skiff-errline').first().innerText(), /replicas: -1/);
    await page.click('[data-testid="yaml-cancel"]');
  });

  test('create from YAML (template picker, CodeMirror) and delete from the UI', async () => {
    await go('configmaps');
    await page.click('[data-testid="create"]');
    await page.waitForSelector('[data-testid="create-editor"] .cm-editor');
    await page.selectOption('[data-testid="create-template"]', 'deployments');
    assert.match(await editorText('create-editor'), /kind: Deployment/);
    await page.selectOption('[data-testid="create-template"]', 'configmaps');
    assert.match(await editorText('create-editor'), /kind: ConfigMap/);
    await findInEditor('create-editor', 'name: example');
    await page.keyboard.type('name: made-in-ui');
    await page.click('[data-testid="create-submit"]');
    await eventually(async () => (await c.kubectl(['get', 'configmap', 'made-in-ui'])).code === 0, 10_000);
    await row('made-in-ui').click();
    await page.click('[data-testid="action-delete"]');
    await page.click('[data-testid="confirm"]');
    await eventually(async () => /NotFound/.test((await c.kubectl(['get', 'configmap', 'made-in-ui'])).stderr), 10_000);
    await row('made-in-ui').waitFor({ state: 'detached' });
  });

  test('topology shows a Service linked to its pods and nodes; boxes open details', async () => {
    await c.k(['expose', 'deployment', 'web', '--port', '80']);
    await go('topology', '?ns=default');
    const svc = page.locator('[data-testid="topo-service"][data-name="web"]');
    await svc.waitFor();
    const webPods = async () => (await c.k(['get', 'pods', '-l', 'app=web', '-o', 'jsonpath={.items[*].metadata.name}'])).split(' ').filter(Boolean).sort();
    const shownPods = async () => (await page.locator('[data-testid="topo-pod"][data-name^="web-"]').evaluateAll((els) => els.map((e) => e.getAttribute('data-name') ?? ''))).sort();
    // The web pods (3 replicas after the scale test) hang off the service's endpoints.
    await eventually(async () => JSON.stringify(await shownPods()) === JSON.stringify(await webPods()) && (await shownPods()).length === 3, 20_000);
    assert.ok((await page.locator('.topo-edge.service').count()) >= 1, 'service → endpoints edge');
    assert.ok((await page.locator('.topo-edge.ready, .topo-edge.notready, .topo-edge.unlisted').count()) >= 3, 'endpoints → pod edges');
    // Scheduled pods link to their node.
    await page.locator('[data-testid="topo-node"]').first().waitFor();
    assert.ok((await page.locator('.topo-edge.node').count()) >= 3, 'pod → node edges');
    // Clicking a box opens that object's details panel in place.
    await svc.click();
    await page.waitForSelector('[data-testid="details"][aria-label="Service details"]');
    await page.waitForURL(/\/topology\?.*kind=services/);
    await page.keyboard.press('Escape');
    await page.locator('[data-testid="topo-pod"][data-name^="web-"]').first().click();
    await page.waitForSelector('[data-testid="details"][aria-label="Pod details"]');
    await page.keyboard.press('Escape');
    // Live: scaling adds pods to the map without a reload.
    await c.k(['scale', 'deployment', 'web', '--replicas', '4']);
    await eventually(async () => (await shownPods()).length === 4, 20_000);
    await c.k(['scale', 'deployment', 'web', '--replicas', '3']);
  });

  test('metrics unavailable: the overview says so instead of charts', async () => {
    const p2 = await openDashboard(browser, d);
    await p2.route('**/apis/metrics.k8s.io/**', (r) => r.fulfill({ status: 404, contentType: 'application/json', body: JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: 404, reason: 'NotFound', message: 'the server could not find the requested resource' }) }));
    await gotoRetry(p2, `${d.origin}/c/skiff/overview`);
    await p2.waitForSelector('[data-testid="usage-charts"] [data-testid="metrics-unavailable"]');
    assert.equal(await p2.locator('[data-testid="metrics-chart-cpu"]').count(), 0);
    await p2.context().close();
  });

  test('quota usage and limit ranges are shown, live', async () => {
    await c.k(['create', 'quota', 'ui-quota', '--hard=configmaps=20,pods=50']);
    await c.k(['apply', '-f', '-'], { input: LIMIT_RANGE });
    await go('resourcequotas');
    await row('ui-quota').click();
    const usage = page.locator('[data-testid="quota-usage"]');
    await usage.locator('tr', { hasText: 'pods' }).waitFor();
    // status.used comes from the resourcequota controller; the view follows it by watch.
    const used = async () => c.k(['get', 'quota', 'ui-quota', '-o', 'jsonpath={.status.used.configmaps}']);
    const shown = async () => (await usage.locator('tr', { hasText: 'configmaps' }).locator('td').nth(1).innerText()).split('/')[0].trim();
    await eventually(async () => (await used()) !== '', 15_000);
    await eventually(async () => (await shown()) === (await used()), 15_000);
    const before = Number(await used());
    await c.k(['create', 'configmap', 'counted-by-quota']);
    await eventually(async () => (await shown()) === String(before + 1), 15_000);
    await go('limitranges');
    await row('ui-limits').click();
    await page.locator('[data-testid="limitrange-table"] tr', { hasText: 'cpu' }).filter({ hasText: '250m' }).waitFor();
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
  test('CPU/memory charts from metrics.k8s.io on the overview, node and pod details; sampled only while shown (needs a running pod)', async (t) => {
    const why = await needRunning();
    if (why) return t.skip(why);
    await eventually(async () => (await c.kubectl(['top', 'pod', 'talker'])).code === 0, 30_000, 1000);
    const metricsRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/apis/metrics.k8s.io/')) metricsRequests.push(r.url());
    });
    await go('overview');
    await page.waitForSelector('[data-testid="metrics-chart-cpu"] svg circle', { state: 'attached' }); // the latest sample's dot
    await page.waitForSelector('[data-testid="metrics-chart-memory"] svg circle', { state: 'attached' }); // the latest sample's dot
    assert.notEqual((await page.locator('[data-testid="metrics-chart-memory-value"]').innerText()).trim(), '—');
    await page.waitForSelector('[data-testid="top-pods"]:has-text("talker")');
    // Page hidden (another tab, minimized window): no sampling at all.
    await page.evaluate(`(() => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'hidden' }); document.dispatchEvent(new Event('visibilitychange')); })()`);
    let n = metricsRequests.length;
    await page.waitForTimeout(16_000);
    assert.equal(metricsRequests.length, n, 'no metrics requests while the page is hidden');
    // Visible again: sampling resumes at once (the 15 s were due).
    await page.evaluate(`(() => { Object.defineProperty(document, 'visibilityState', { configurable: true, get: () => 'visible' }); document.dispatchEvent(new Event('visibilitychange')); })()`);
    await eventually(() => metricsRequests.length > n, 5000, 100);
    // Two samples or more: the history is drawn as a line.
    await page.waitForSelector('[data-testid="metrics-chart-cpu"] path.series[d^="M"]', { state: 'attached' });
    // Another view without charts (client-side navigation keeps the samplers): none either.
    await page.click('nav a[href*="/configmaps"]');
    await page.waitForSelector('[data-testid="page-configmaps"]');
    await page.waitForTimeout(500);
    n = metricsRequests.length;
    await page.waitForTimeout(16_000);
    assert.equal(metricsRequests.length, n, 'no metrics requests while no chart is shown');
    // Pod and node details chart their own usage.
    await go('pods', '?sel=default/talker');
    await page.waitForSelector('[data-testid="pod-usage"] [data-testid="pod-cpu"] svg circle', { state: 'attached' }); // the latest sample's dot
    const node = await c.k(['get', 'pod', 'talker', '-o', 'jsonpath={.spec.nodeName}']);
    await go('nodes', `?sel=/${node}`);
    await page.waitForSelector('[data-testid="node-usage"] [data-testid="node-memory"] svg circle', { state: 'attached' }); // the latest sample's dot
  });

  test('image pull and rollout progress are shown (needs a running pod)', async (t) => {
    const why = await needRunning();
    if (why) return t.skip(why);
    // A pull that fails: the pod's details show the failing image and the kubelet's message.
    await c.k(['run', 'pull-fails', '--image=skiff-test/does-not-exist:1', '--restart=Never']);
    await go('pods', '?sel=default/pull-fails');
    await page.waitForSelector('[data-testid="pull-pull-fails"][data-phase="failed"], [data-testid="pull-pull-fails"][data-phase="backoff"]', { timeout: 30_000 });
    assert.match(await page.locator('[data-testid="image-pulls"]').innerText(), /skiff-test\/does-not-exist:1/);
    // A rollout: per-revision ReplicaSets and the Progressing condition.
    await c.k(['set', 'image', 'deployment/web', 'web=skiff-test/busybox:1']);
    await go('deployments', '?sel=default/web');
    await page.waitForSelector('[data-testid="rollout"] .rollout-table tr:has-text("#2")');
    assert.match(await page.locator('[data-testid="rollout"]').innerText(), /#1/);
    await page.waitForSelector('[data-testid="rollout-message"]');
    await c.k(['rollout', 'undo', 'deployment/web']);
    await c.k(['delete', 'pod', 'pull-fails', '--wait=false']);
  });
});

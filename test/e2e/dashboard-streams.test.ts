/**
 * The dashboard's streaming features through the real stack — API server, dashboard proxy,
 * stream multiplexer, browser — with the node side played by a protocol-faithful stand-in
 * (test/e2e/ui/fakeKubelet.ts), so they are proven even where no kubelet runs pods:
 * followed logs, workload logs of several pods, exec in xterm.js (v5.channel.k8s.io),
 * and port-forward (v4.channel.k8s.io tunnel) serving a page.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, get as httpGet, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { Engine } from '../../engine/engine.js';
import { Dashboard } from '../../engine/dashboard/server.js';
import type { KubeObject } from '../../engine/api/types.js';
import { eventually, tempDir } from './harness.js';
import { browserSkipReason, gotoRetry, launch, openDashboard, type DashboardInfo } from './ui/browser.js';
import { fakeKubelet, type FakeKubelet } from './ui/fakeKubelet.js';

describe('dashboard streams (logs, exec, port-forward) against a stand-in kubelet', { skip: browserSkipReason() }, () => {
  let engine: Engine;
  let dash: Dashboard;
  let web: Server;
  let kubelet: FakeKubelet;
  let browser: Browser;
  let page: Page;
  let d: DashboardInfo;

  const running = (o: KubeObject): KubeObject => ({ ...o, status: { phase: 'Running', podIP: '10.0.0.9', conditions: [{ type: 'Ready', status: 'True' }], containerStatuses: [{ name: 'main', ready: true, restartCount: 0, image: 'x', imageID: '', state: { running: {} } }] } });

  before(async () => {
    web = createServer((_req, res) => res.end('<h1>served through the tunnel</h1>'));
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    engine = new Engine({ dataDir: join(tempDir(), 'data'), port: 0, apiOnly: true, noNode: true });
    await engine.start();
    kubelet = fakeKubelet({ httpPort: (web.address() as AddressInfo).port });
    engine.features.pods = kubelet;
    const c = engine.client;
    const dep = c.resource('apps', 'Deployment').create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'api', namespace: 'default' },
      spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'main', image: 'x' }] } } },
    } as KubeObject);
    const rs = c.resource('apps', 'ReplicaSet').create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'api-1', namespace: 'default', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: dep.metadata.uid!, controller: true }] },
      spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'main', image: 'x' }] } } },
    } as KubeObject);
    const pods = c.resource('', 'Pod');
    for (const name of ['api-1-aaaaa', 'api-1-bbbbb', 'solo']) {
      const owned = name !== 'solo';
      const p = pods.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name, namespace: 'default', labels: owned ? { app: 'api' } : {}, ownerReferences: owned ? [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'api-1', uid: rs.metadata.uid!, controller: true }] : undefined },
        spec: { nodeName: 'node-1', containers: [{ name: 'main', image: 'x', ports: [{ containerPort: 80 }] }] },
      } as KubeObject);
      pods.updateStatus(running(p));
    }
    dash = new Dashboard({ bundledKubeconfig: engine.kubeconfigPath, kubeconfigPaths: [] });
    await dash.listen();
    d = { url: dash.url, origin: dash.origin, port: dash.port, token: dash.token };
    browser = await launch();
    page = await openDashboard(browser, d);
    page.setDefaultTimeout(15_000);
  });

  after(async () => {
    await browser?.close();
    await dash?.close();
    await engine?.stop();
    web?.close();
  });

  test('followed logs stream new lines; search highlights', async () => {
    await gotoRetry(page, `${d.origin}/c/skiff/pods?sel=default/solo&tab=logs`);
    const body = page.locator('[data-testid="logs"] .logs-body');
    await body.locator('text=/solo tick-2/').waitFor();
    await eventually(async () => /solo tick-(1\d|[5-9])/.test(await body.innerText()), 10_000);
    await page.fill('[aria-label="search logs"]', 'tick-1');
    await page.waitForSelector('[data-testid="logs"] mark');
  });

  test('workload logs interleave all pods of a Deployment', async () => {
    await gotoRetry(page, `${d.origin}/c/skiff/deployments?sel=default/api&tab=logs`);
    const body = page.locator('[data-testid="logs"] .logs-body');
    await eventually(async () => {
      const t = await body.innerText();
      return t.includes('api-1-aaaaa tick-4') && t.includes('api-1-bbbbb tick-4');
    }, 10_000);
    await page.waitForSelector('[data-testid="logs"] .logs-status:has-text("streaming from 2 pods")');
  });

  test('exec: xterm.js talks v5.channel.k8s.io (stdin, stdout, resize, status)', async () => {
    await gotoRetry(page, `${d.origin}/c/skiff/pods?sel=default/solo&tab=terminal`);
    await page.waitForSelector('[data-testid="terminal"] .live:has-text("Connected")');
    await page.click('[data-testid="terminal"] .xterm');
    await page.keyboard.type('echo hello-terminal');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="terminal"] .xterm-rows:has-text("OUT:hello-terminal")');
    assert.ok(kubelet.resizes.length > 0 && kubelet.resizes[0].Width > 20, 'terminal size sent');
    await page.keyboard.type('exit');
    await page.keyboard.press('Enter');
    await page.waitForSelector('[data-testid="terminal"] .xterm-rows:has-text("process exited")');
  });

  test('port-forward from the pod page serves a page, is listed, and stops', async () => {
    await gotoRetry(page, `${d.origin}/c/skiff/pods?sel=default/solo`);
    const popup = page.context().waitForEvent('page');
    await page.click('[data-testid="forward-80"]');
    const tab = await popup;
    await tab.waitForLoadState();
    assert.match(await tab.content(), /served through the tunnel/);
    await tab.close();
    await gotoRetry(page, `${d.origin}/c/skiff/portforwards`);
    const row = page.locator('[data-testid="portforward-row"]');
    await row.waitFor();
    assert.match(await row.innerText(), /TCP tunnel/);
    const url = await row.locator('a').getAttribute('href');
    const body = await new Promise<string>((resolve, reject) => httpGet(url!, (r) => { let b = ''; r.on('data', (x: Buffer) => (b += x.toString())); r.on('end', () => resolve(b)); }).on('error', reject));
    assert.match(body, /served through the tunnel/);
    await page.click('[data-testid="portforward-stop"]');
    await row.waitFor({ state: 'detached' });
  });
});

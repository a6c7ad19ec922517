/**
 * Screenshots of the main views for the README: `node dist/test/e2e/ui/screenshots.js`
 * (after `npm run build`). Starts a real `skiff serve`, seeds a small demo with kubectl
 * (deployments of the local test images, a failing pod, an image that can't be pulled, a
 * rollout in progress, config, events) and saves PNGs to assets/screenshots/. Where no kubelet
 * runs pods yet, pod statuses are patched in so the pictures still show a live cluster.
 *
 * The usage charts fill from real metrics.k8s.io samples (every 15 s while a view shows them),
 * so the pages with charts are opened first and photographed last, a few minutes later.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT, startCluster, type Cluster } from '../harness.js';
import { dashboardOf, gotoRetry, launch, openDashboard } from './browser.js';

const OUT = join(ROOT, 'assets', 'screenshots');

function deployment(ns: string, name: string, replicas: number, image: string): string {
  return `apiVersion: apps/v1
kind: Deployment
metadata: { name: ${name}, namespace: ${ns}, labels: { app: ${name} } }
spec:
  replicas: ${replicas}
  selector: { matchLabels: { app: ${name} } }
  template:
    metadata: { labels: { app: ${name} } }
    spec:
      containers:
        - name: ${name}
          image: ${image}
          ports: [{ containerPort: 80 }]
          resources: { requests: { cpu: 50m, memory: 64Mi } }
---
apiVersion: v1
kind: Service
metadata: { name: ${name}, namespace: ${ns} }
spec:
  selector: { app: ${name} }
  ports: [{ port: 80, targetPort: 80 }]
`;
}

async function seed(c: Cluster): Promise<void> {
  for (const ns of ['shop', 'monitoring']) await c.kubectl(['create', 'namespace', ns]);
  const apps: [string, string, number][] = [
    ['shop', 'frontend', 3],
    ['shop', 'cart', 2],
    ['shop', 'checkout', 2],
    ['shop', 'catalog', 12],
    ['monitoring', 'prometheus', 1],
    ['monitoring', 'grafana', 1],
    ['default', 'web', 2],
  ];
  for (const [ns, name, replicas] of apps) await c.k(['apply', '-f', '-'], { input: deployment(ns, name, replicas, 'skiff-test/httpd:1') });
  // A pod that keeps failing (a real kubelet turns it into CrashLoopBackOff).
  await c.k(['apply', '-f', '-'], {
    input: 'apiVersion: v1\nkind: Pod\nmetadata: { name: checkout-migrate, namespace: shop, labels: { app: checkout-migrate } }\nspec:\n  containers: [{ name: migrate, image: skiff-test/busybox:1, command: [sh, -c, "echo migrating; exit 1"] }]\n',
  });
  await c.k(['apply', '-f', '-'], {
    input: 'apiVersion: v1\nkind: Pod\nmetadata: { name: api-gateway, namespace: shop, labels: { app: api-gateway } }\nspec:\n  containers: [{ name: gateway, image: skiff-test/busybox:1, command: [sh, -c, "i=0; while true; do echo \\"level=info msg=request id=$i path=/api/items/$((i%17)) status=$((200+(i%9==0)*304)) dur=$((i*7%43))ms\\"; i=$((i+1)); sleep 0.2; done"] }]\n',
  });
  // An image that can't be pulled (ErrImagePull / ImagePullBackOff, shown with the kubelet's message).
  await c.k(['apply', '-f', '-'], { input: deployment('shop', 'recommendations', 1, 'skiff-test/recommender:2') });
  // A CPU-hungry pod, so the usage charts have something to draw.
  await c.k(['apply', '-f', '-'], {
    input: 'apiVersion: v1\nkind: Pod\nmetadata: { name: search-indexer, namespace: shop, labels: { app: search-indexer } }\nspec:\n  containers: [{ name: indexer, image: skiff-test/busybox:1, command: [sh, -c, "while true; do i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 0.3; done"], resources: { requests: { cpu: 100m, memory: 32Mi }, limits: { cpu: 500m, memory: 128Mi } } }]\n',
  });
  await c.kubectl(['create', 'configmap', 'frontend-config', '-n', 'shop', '--from-literal=API_URL=http://cart.shop.svc', '--from-literal=FEATURE_FLAGS=new-checkout,dark-mode']);
  await c.kubectl(['create', 'secret', 'generic', 'db-credentials', '-n', 'shop', '--from-literal=username=shop', '--from-literal=password=s3cr3t']);
  await c.kubectl(['create', 'cronjob', 'nightly-report', '-n', 'shop', '--image=skiff-test/busybox:1', '--schedule=0 2 * * *', '--', 'sh', '-c', 'date']);
  // Give the controllers, scheduler and kubelet a moment.
  await new Promise((r) => setTimeout(r, 8000));
  // Where no kubelet runs pods yet, paint the pods' statuses so the pictures show a live cluster.
  const pods = JSON.parse(await c.k(['get', 'pods', '-A', '-o', 'json'])) as { items: { metadata: { name: string; namespace: string }; spec: { containers: { name: string; image: string }[]; nodeName?: string }; status?: { phase?: string } }[] };
  let i = 0;
  for (const p of pods.items) {
    if (p.status?.phase === 'Running' || p.status?.phase === 'Failed' || p.status?.phase === 'Succeeded') continue;
    const ctr = p.spec.containers[0];
    const started = new Date(Date.now() - (++i % 5 + 1) * 1_800_000).toISOString();
    const crash = p.metadata.name === 'checkout-migrate';
    const status = crash
      ? { phase: 'Running', podIP: `10.244.0.${40 + i}`, hostIP: '172.18.0.2', startTime: started, conditions: [{ type: 'Ready', status: 'False' }], containerStatuses: [{ name: ctr.name, image: ctr.image, imageID: '', ready: false, restartCount: 7, started: false, state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s restarting failed container' } }, lastState: { terminated: { exitCode: 1, reason: 'Error' } } }] }
      : { phase: 'Running', podIP: `10.244.0.${10 + i}`, hostIP: '172.18.0.2', startTime: started, qosClass: 'Burstable', conditions: [{ type: 'Ready', status: 'True' }, { type: 'ContainersReady', status: 'True' }, { type: 'PodScheduled', status: 'True' }], containerStatuses: [{ name: ctr.name, image: ctr.image, imageID: '', ready: true, restartCount: 0, started: true, state: { running: { startedAt: started } } }] };
    await c.kubectl(['patch', 'pod', p.metadata.name, '-n', p.metadata.namespace, '--subresource=status', '--type=merge', '-p', JSON.stringify({ status })]);
  }
  const ev = (name: string, type: string, reason: string, kind: string, obj: string, msg: string) =>
    c.kubectl(['apply', '-f', '-'], {
      input: `apiVersion: v1\nkind: Event\nmetadata: { name: ${name}, namespace: shop }\ninvolvedObject: { kind: ${kind}, name: ${obj}, namespace: shop }\ntype: ${type}\nreason: ${reason}\nmessage: "${msg}"\ncount: 3\nfirstTimestamp: "${new Date(Date.now() - 600_000).toISOString()}"\nlastTimestamp: "${new Date(Date.now() - 60_000).toISOString()}"\nsource: { component: kubelet }\n`,
    });
  // A rollout in progress: new pods must stay ready 10 minutes before they count as available.
  await c.kubectl(['patch', 'deployment', 'frontend', '-n', 'shop', '--type=merge', '-p', JSON.stringify({ spec: { minReadySeconds: 600, strategy: { rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } }, template: { metadata: { annotations: { 'skiff.dev/release': 'v2' } } } } })]);
  await ev('checkout-migrate-backoff', 'Warning', 'BackOff', 'Pod', 'checkout-migrate', 'Back-off restarting failed container migrate in pod checkout-migrate');
  await ev('checkout-probe', 'Warning', 'Unhealthy', 'Pod', 'checkout-migrate', 'Readiness probe failed: HTTP probe failed with statuscode: 503');
}

async function main(): Promise<void> {
  mkdirSync(OUT, { recursive: true });
  const c = await startCluster();
  try {
    await seed(c);
    const d = await dashboardOf(c);
    const browser = await launch();
    const open = async (path: string, theme: 'dark' | 'light') => {
      const page = await openDashboard(browser, d, { width: 1440, height: 900 }, theme);
      await gotoRetry(page, `${d.origin}${path}`);
      return page;
    };
    const save = async (page: Page, name: string) => {
      await page.screenshot({ path: join(OUT, `${name}.png`) });
      await page.context().close();
      console.log(`saved assets/screenshots/${name}.png`);
    };
    const shoot = async (name: string, path: string, theme: 'dark' | 'light', prepare?: (p: Page) => Promise<void>) => {
      const page = await open(path, theme);
      await page.waitForTimeout(1200);
      if (prepare) await prepare(page);
      await page.waitForTimeout(400);
      await save(page, name);
    };
    // Views with usage charts: opened now, photographed when a few minutes of samples are in.
    const started = Date.now();
    const charted: [string, Page][] = [
      ['overview', await open('/c/skiff/overview', 'dark')],
      ['overview-light', await open('/c/skiff/overview?ns=shop', 'light')],
      ['pod-details', await open('/c/skiff/pods?ns=shop&sel=shop/search-indexer', 'dark')],
    ];
    await shoot('pods', '/c/skiff/pods?ns=shop', 'dark');
    await shoot('topology', '/c/skiff/topology?ns=shop', 'dark');
    await shoot('deployment-details', '/c/skiff/deployments?ns=shop&sel=shop/frontend', 'dark');
    await shoot('image-pull', '/c/skiff/pods?ns=shop&q=recommendations&sel=shop/' + (await c.k(['get', 'pods', '-n', 'shop', '-l', 'app=recommendations', '-o', 'jsonpath={.items[0].metadata.name}'])), 'light');
    await shoot('pod-yaml', '/c/skiff/pods?ns=shop&sel=shop/checkout-migrate&tab=yaml', 'light');
    await shoot('yaml-editor', '/c/skiff/deployments?ns=shop&sel=shop/checkout&tab=yaml', 'dark', async (p) => {
      // Find and replace in the editor, apply: the server's validation error lands on its line.
      await p.click('[data-testid="yaml-edit"]');
      await p.waitForSelector('[data-testid="yaml-editor"] .cm-editor');
      await p.locator('[data-testid="yaml-editor"] .cm-content').click();
      await p.keyboard.press('Control+Home');
      await p.keyboard.press('Control+f');
      await p.locator('[data-testid="editor-find"]').fill('replicas: 2');
      await p.locator('[aria-label="Replace"]').fill('replicas: -2');
      await p.click('.cm-skiff-btn[title="Replace this match"]');
      await p.click('[data-testid="yaml-apply"]');
      await p.waitForSelector('[data-testid="editor-error"]');
    });
    await shoot('events', '/c/skiff/events', 'light');
    await shoot('logs', '/c/skiff/pods?ns=shop&sel=shop/api-gateway&tab=logs', 'dark', async (p) => {
      await p.waitForTimeout(2500);
      await p.fill('[aria-label="search logs"]', 'status=504');
    });
    await shoot('command-palette', '/c/skiff/services', 'dark', async (p) => {
      await p.keyboard.press('Control+k');
      await p.fill('[data-testid="palette-input"]', 'check');
      await p.waitForTimeout(600);
    });
    const wait = Number(process.env.SCREENSHOT_CHART_MS ?? 150_000) - (Date.now() - started);
    if (wait > 0) {
      console.log(`waiting ${Math.round(wait / 1000)} s for usage samples…`);
      await new Promise((r) => setTimeout(r, wait));
    }
    for (const [name, page] of charted) await save(page, name);
    await browser.close();
  } finally {
    await c.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

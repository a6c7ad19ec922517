/**
 * Measures the Pods view with many pods (default 50,000) written straight to the store:
 * time to first rows, time until the whole list is loaded, scroll frame rate, and JS heap.
 *   node dist/test/e2e/ui/bigList.js [count]
 * (A measurement script for the lead's bench/; not part of the test suite.)
 */
import { join } from 'node:path';
import { Engine } from '../../../engine/engine.js';
import { Dashboard } from '../../../engine/dashboard/server.js';
import type { KubeObject } from '../../../engine/api/types.js';
import { tempDir } from '../harness.js';
import { launch, openDashboard } from './browser.js';

async function main(): Promise<void> {
  const count = Number(process.argv[2] ?? 50_000);
  const engine = new Engine({ dataDir: join(tempDir(), 'data'), port: 0, apiOnly: true, noNode: true });
  await engine.start();
  for (let i = 0; i < 20; i++) engine.client.resource('', 'Namespace').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}` } } as KubeObject);
  const pods = engine.client.resource('', 'Pod');
  let t = performance.now();
  for (let i = 0; i < count; i++) {
    pods.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `pod-${String(i).padStart(6, '0')}`, namespace: `ns-${i % 20}`, labels: { app: `app-${i % 100}` } }, spec: { nodeName: `node-${i % 50}`, containers: [{ name: 'main', image: 'nginx' }] } } as KubeObject);
  }
  console.log(`created ${count} pods in ${Math.round(performance.now() - t)} ms`);
  const dash = new Dashboard({ bundledKubeconfig: engine.kubeconfigPath, kubeconfigPaths: [] });
  await dash.listen();
  const browser = await launch();
  const page = await openDashboard(browser, { url: dash.url, origin: dash.origin, port: dash.port, token: dash.token });
  t = performance.now();
  await page.goto(`${dash.origin}/c/skiff/pods`);
  await page.waitForSelector('.trow');
  console.log(`first rows after ${Math.round(performance.now() - t)} ms`);
  await page.waitForSelector(`[data-testid="row-count"]:has-text("${count.toLocaleString('en-US').replace(/,/g, '')} items")`, { timeout: 120_000 });
  console.log(`all ${count} loaded after ${Math.round(performance.now() - t)} ms`);
  // Browser-side code as text: this file compiles for Node (no DOM types).
  const fps = (await page.evaluate(`(async () => {
    const el = document.querySelector('.tbody');
    let frames = 0;
    const start = performance.now();
    await new Promise((resolve) => {
      const step = () => {
        frames++;
        el.scrollTop += 400;
        if (performance.now() - start < 3000) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    return (frames / (performance.now() - start)) * 1000;
  })()`)) as number;
  console.log(`scroll: ${fps.toFixed(1)} fps`);
  // 500 watch events/s for 4 s while scrolling.
  let n = 0;
  const timer = setInterval(() => {
    for (let i = 0; i < 50; i++) pods.modify(`ns-${n % 20}`, `pod-${String(n++ % count).padStart(6, '0')}`, (p) => void ((p.metadata.labels ??= {}).touched = String(n)));
  }, 100);
  const fpsUnderLoad = (await page.evaluate(`(async () => {
    const el = document.querySelector('.tbody');
    let frames = 0;
    const start = performance.now();
    await new Promise((resolve) => {
      const step = () => {
        frames++;
        el.scrollTop += -300;
        if (performance.now() - start < 4000) requestAnimationFrame(step);
        else resolve();
      };
      requestAnimationFrame(step);
    });
    return (frames / (performance.now() - start)) * 1000;
  })()`)) as number;
  clearInterval(timer);
  console.log(`scroll with 500 watch events/s: ${fpsUnderLoad.toFixed(1)} fps`);
  const heap = (await page.evaluate('performance.memory ? performance.memory.usedJSHeapSize : 0')) as number;
  console.log(`JS heap: ${Math.round(heap / 1e6)} MB`);
  await browser.close();
  await dash.close();
  await engine.stop();
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

/**
 * The dashboard at scale: 50,000 pods written straight to the store (20 namespaces, 50 node
 * names; no kubelet), the real dashboard proxy, and Chromium (playwright-core) on the real UI.
 *   node dist/bench/ui.js [pods]          (after `npm run build`; also run by `npm run bench`)
 *
 * Each measurement is printed against its goal (issue E) and against a baseline taken in the
 * same run, on the same machine and browser:
 *   first paint       time from navigation to the first table row of the Pods view (all
 *                     namespaces, 50k pods) — baseline: the same view of an empty namespace
 *                     (app start + one list request + an empty table). Goal < 1 s.
 *   scroll fps        frames/s while scrolling the 50k-row virtualized table 400 px a frame —
 *                     baseline: a static HTML <table> of the same 50k rows in the same browser.
 *                     Goal ≥ 30 fps.
 *   fps @ 500 ev/s    the same scroll while 500 pod updates per second arrive over the watch —
 *                     baseline: the scroll fps without events. Goal ≥ 30 fps.
 *   JS heap           the page's used JS heap after a GC with the 50k pods loaded (and after the
 *                     event burst) — baseline: the app showing an empty list. Goal < 300 MB.
 */
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { Engine } from '../engine/engine.js';
import { Dashboard } from '../engine/dashboard/server.js';
import type { KubeObject } from '../engine/api/types.js';
import { tempDir } from '../test/e2e/harness.js';
import { browserSkipReason, launch, openDashboard } from '../test/e2e/ui/browser.js';
import { fmt, report } from './lib.js';

const COUNT = Number(process.argv[2] ?? 50_000);
const NAMESPACES = 20;
const EVENTS_PER_SECOND = 500;

// Browser-side code is passed as text: this file compiles for Node (no DOM types).
const FIRST_PAINT_PROBE = `(() => {
  const mark = () => {
    if (!window.__firstRow && document.querySelector('.trow')) window.__firstRow = performance.now();
    if (!window.__firstEmpty && document.querySelector('.tbody .empty')) window.__firstEmpty = performance.now();
  };
  new MutationObserver(mark).observe(document, { childList: true, subtree: true });
})()`;

const SCROLL_FPS = (selector: string, ms: number, step: number) => `(async () => {
  const el = document.querySelector(${JSON.stringify(selector)});
  const max = el.scrollHeight - el.clientHeight;
  let frames = 0;
  let dir = 1;
  const start = performance.now();
  await new Promise((resolve) => {
    const tick = () => {
      frames++;
      let next = el.scrollTop + dir * ${step};
      if (next >= max || next <= 0) { dir = -dir; next = Math.max(0, Math.min(max, next)); }
      el.scrollTop = next;
      if (performance.now() - start < ${ms}) requestAnimationFrame(tick);
      else resolve();
    };
    requestAnimationFrame(tick);
  });
  return (frames / (performance.now() - start)) * 1000;
})()`;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function heapMB(cdp: CDPSession): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usedSize / 1e6;
}

async function firstPaint(page: Page, url: string, probe: '__firstRow' | '__firstEmpty'): Promise<number> {
  await page.goto(url);
  // A function, not a string: the dashboard's CSP forbids eval of strings in the page.
  await page.waitForFunction((p: string) => (globalThis as unknown as Record<string, unknown>)[p] !== undefined, probe, { timeout: 60_000, polling: 50 });
  return (await page.evaluate(`window.${probe}`)) as number;
}

async function main(): Promise<void> {
  const skip = browserSkipReason();
  if (skip) {
    console.log(`ui bench skipped: ${skip}`);
    return;
  }
  const engine = new Engine({ dataDir: join(tempDir(), 'data'), port: 0, apiOnly: true, noNode: true });
  await engine.start();
  const namespaces = engine.client.resource('', 'Namespace');
  for (let i = 0; i < NAMESPACES; i++) namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: `ns-${i}` } } as KubeObject);
  namespaces.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'empty' } } as KubeObject);
  const pods = engine.client.resource('', 'Pod');
  const name = (i: number) => `pod-${String(i).padStart(6, '0')}`;
  let t = performance.now();
  for (let i = 0; i < COUNT; i++) {
    pods.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: name(i), namespace: `ns-${i % NAMESPACES}`, labels: { app: `app-${i % 100}` } },
      spec: { nodeName: `node-${i % 50}`, containers: [{ name: 'main', image: 'nginx' }] },
      status: { phase: 'Running', podIP: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}` },
    } as KubeObject);
  }
  console.log(`setup: ${COUNT} pods written to the store in ${Math.round(performance.now() - t)} ms`);
  const dash = new Dashboard({ bundledKubeconfig: engine.kubeconfigPath, kubeconfigPaths: [] });
  await dash.listen();
  const browser = await launch();
  try {
    const page = await openDashboard(browser, { url: dash.url, origin: dash.origin, port: dash.port, token: dash.token });
    await page.addInitScript(FIRST_PAINT_PROBE);
    const cdp = await page.context().newCDPSession(page);
    const podsUrl = `${dash.origin}/c/skiff/pods`;
    const emptyUrl = `${dash.origin}/c/skiff/pods?ns=empty`;

    // ---- first paint (median of 3, after one warm-up of each: the bundle is cached as in the app)
    await firstPaint(page, emptyUrl, '__firstEmpty');
    await firstPaint(page, podsUrl, '__firstRow');
    const emptyPaints: number[] = [];
    const paints: number[] = [];
    for (let i = 0; i < 3; i++) {
      emptyPaints.push(await firstPaint(page, emptyUrl, '__firstEmpty'));
      paints.push(await firstPaint(page, podsUrl, '__firstRow'));
    }
    const emptyHeap = await (async () => {
      await firstPaint(page, emptyUrl, '__firstEmpty');
      await page.waitForTimeout(500);
      return heapMB(cdp);
    })();

    // ---- the full list
    t = performance.now();
    await page.goto(podsUrl);
    await page.waitForSelector(`[data-testid="row-count"]:has-text("${COUNT} items")`, { timeout: 180_000 });
    const loadedMs = performance.now() - t;
    console.log(`setup: all ${COUNT} pods listed and shown after ${Math.round(loadedMs)} ms`);
    await page.waitForTimeout(1000);
    const heapLoaded = await heapMB(cdp);

    // ---- scroll fps: virtualized app table vs a static 50k-row HTML table
    const fps = (await page.evaluate(SCROLL_FPS('.tbody', 3000, 400))) as number;
    const staticPage = await page.context().newPage();
    const rows = Array.from({ length: COUNT }, (_, i) => `<tr><td>${name(i)}</td><td>ns-${i % NAMESPACES}</td><td>1/1</td><td>Running</td><td>0</td><td>node-${i % 50}</td><td>5m</td></tr>`).join('');
    await staticPage.setContent(`<!doctype html><style>body{margin:0;font:13px sans-serif}#s{height:800px;overflow:auto}td{padding:8px 12px;border-bottom:1px solid #ddd}</style><div id="s"><table>${rows}</table></div>`);
    await staticPage.waitForTimeout(500);
    const staticFps = (await staticPage.evaluate(SCROLL_FPS('#s', 3000, 400))) as number;
    await staticPage.close();

    // ---- fps while 500 watch events/s arrive (pod status updates across all namespaces)
    let sent = 0;
    const t0 = performance.now();
    const timer = setInterval(() => {
      const due = Math.floor(((performance.now() - t0) / 1000) * EVENTS_PER_SECOND);
      for (; sent < due; sent++) {
        const i = (sent * 7919) % COUNT;
        pods.modify(`ns-${i % NAMESPACES}`, name(i), (p) => void ((p.metadata.labels ??= {}).rev = String(sent)));
      }
    }, 20);
    await new Promise((r) => setTimeout(r, 1000)); // let the stream reach steady state
    const sentBefore = sent;
    const tLoad = performance.now();
    const fpsLoaded = (await page.evaluate(SCROLL_FPS('.tbody', 4000, 300))) as number;
    const rate = ((sent - sentBefore) / (performance.now() - tLoad)) * 1000;
    clearInterval(timer);
    const heapAfter = await heapMB(cdp);
    console.log(`setup: ${Math.round(rate)} pod updates/s written while measuring (${sent} in total), each one a watch event to the page`);

    const paint = median(paints);
    const paintBase = median(emptyPaints);
    report('pods view first paint (50k pods)', `${fmt(paint, 0)} ms`, `${fmt(paintBase, 0)} ms (empty list)`, paint / paintBase, '< 1000 ms', paint < 1000);
    report('scroll fps (50k rows, virtualized)', `${fmt(fps)} fps`, `${fmt(staticFps)} fps (static 50k-row HTML table)`, fps / staticFps, '≥ 30 fps', fps >= 30);
    report(`scroll fps with ${EVENTS_PER_SECOND} watch events/s`, `${fmt(fpsLoaded)} fps`, `${fmt(fps)} fps (no events)`, fpsLoaded / fps, '≥ 30 fps', fpsLoaded >= 30 && rate >= EVENTS_PER_SECOND * 0.9);
    const heap = Math.max(heapLoaded, heapAfter);
    report('renderer JS heap (50k pods)', `${fmt(heap)} MB`, `${fmt(emptyHeap)} MB (empty list)`, heap / emptyHeap, '< 300 MB', heap < 300);
  } finally {
    await browser.close();
    await dash.close();
    await engine.stop();
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});

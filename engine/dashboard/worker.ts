/**
 * Runs the dashboard backend on a worker thread. Its module graph (notably
 * @kubernetes/client-node, ~0.5 s to load) would otherwise block the API server's event loop
 * right when the first kubectl requests arrive. The dashboard needs nothing from the engine but
 * the kubeconfig path, so it lives happily on its own thread.
 */
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { DashboardOptions } from './server.js';

export interface DashboardHandle {
  url: string;
  close(): Promise<void>;
}

type FromWorker = { type: 'ready'; url: string } | { type: 'error'; message: string } | { type: 'closed' };

/** Starts the dashboard in a worker; resolves with its URL once it listens. */
export function startDashboardWorker(opts: DashboardOptions): Promise<DashboardHandle> {
  const worker = new Worker(new URL(import.meta.url), { workerData: opts });
  return new Promise((resolve, reject) => {
    const onMessage = (m: FromWorker) => {
      if (m.type === 'ready') {
        worker.off('message', onMessage);
        resolve({
          url: m.url,
          close: () =>
            new Promise<void>((done) => {
              const t = setTimeout(() => void worker.terminate().then(() => done()), 3000);
              worker.once('message', () => {
                clearTimeout(t);
                void worker.terminate().then(() => done());
              });
              worker.postMessage('close');
            }),
        });
      } else if (m.type === 'error') {
        void worker.terminate();
        reject(new Error(m.message));
      }
    };
    worker.on('message', onMessage);
    worker.once('error', reject);
  });
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const { startDashboard } = await import('./server.js');
  try {
    const d = await startDashboard(workerData as DashboardOptions);
    port.on('message', (m) => {
      if (m === 'close') void d.close().finally(() => port.postMessage({ type: 'closed' } satisfies FromWorker));
    });
    port.postMessage({ type: 'ready', url: d.url } satisfies FromWorker);
  } catch (e) {
    port.postMessage({ type: 'error', message: (e as Error).message } satisfies FromWorker);
  }
}

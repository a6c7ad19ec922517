/**
 * Scheduler throughput: 1,000 nodes and 10,000 pods written straight to an in-memory store
 * (':memory:', through the same REST layer and in-process client the engine uses), then the
 * time until every pod is bound — filter, score, bind (a real pods/binding write each) and the
 * Scheduled event per pod. Goal ≥ 1,000 pods/s.
 *
 *   node dist/bench/scheduler.js [--nodes 1000] [--pods 10000] [--virtual]
 * --virtual: the nodes are virtual nodes hosted by the VirtualNodeHost, whose kubelets also
 * mark every pod Running (and the time until all Running is printed too).
 */
import { realClock } from '../engine/api/clock.js';
import { buildRegistry } from '../engine/api/resources/index.js';
import type { KubeObject } from '../engine/api/types.js';
import { installAdmission } from '../engine/apiserver/admission.js';
import { Rest } from '../engine/apiserver/rest.js';
import { Client } from '../engine/client/client.js';
import { Recorder } from '../engine/events/recorder.js';
import { addVirtualNode } from '../engine/nodes/api.js';
import { VirtualNodeHost } from '../engine/nodes/virtual-controller.js';
import { Scheduler } from '../engine/scheduler/scheduler.js';
import { Store } from '../engine/store/store.js';
import { fmt, report } from './lib.js';

const args = process.argv.slice(2);
const flag = (name: string, def: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const NODES = flag('nodes', 1000);
const PODS = flag('pods', 10_000);
const VIRTUAL = args.includes('--virtual');
const GOAL = 1000;

function node(i: number): KubeObject {
  const capacity = { cpu: '32', memory: '256Gi', pods: '110', 'ephemeral-storage': '1Ti' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: `node-${i}`, labels: { 'kubernetes.io/hostname': `node-${i}`, type: 'virtual' } },
    spec: {},
    status: { capacity, allocatable: capacity, conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

function pod(i: number): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `pod-${i}`, namespace: 'default', labels: { app: `app-${i % 50}` } },
    spec: { containers: [{ name: 'app', image: 'busybox:1.36', resources: { requests: { cpu: '100m', memory: '128Mi' } } }] },
  };
}

async function main(): Promise<void> {
  const store = new Store({ path: ':memory:', historySize: 100_000 });
  const registry = buildRegistry();
  const rest = new Rest(store, registry, realClock);
  installAdmission(rest);
  const client = new Client(rest, registry);
  for (const name of ['default', 'kube-system', 'kube-node-lease']) client.resource('', 'Namespace').create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });

  let host: VirtualNodeHost | undefined;
  if (VIRTUAL) {
    host = new VirtualNodeHost({ client });
    host.start();
    for (let i = 0; i < NODES; i++) addVirtualNode({ client }, { name: `node-${i}`, cpu: '32', memory: '256Gi', pods: 110 });
    await new Promise<void>((resolve) => {
      const t = setInterval(() => {
        const ready = client.resource('', 'Node').list().items.filter((n) => (n.status as { allocatable?: unknown } | undefined)?.allocatable).length;
        if (ready === NODES) {
          clearInterval(t);
          resolve();
        }
      }, 20);
    });
  } else {
    for (let i = 0; i < NODES; i++) client.resource('', 'Node').create(node(i));
  }

  const scheduler = new Scheduler({ client, recorder: new Recorder(client, { component: 'default-scheduler' }) });
  scheduler.start();

  const pods = client.resource('', 'Pod');
  const t0 = performance.now();
  for (let i = 0; i < PODS; i++) pods.create(pod(i));
  const tCreated = performance.now();
  await new Promise<void>((resolve) => {
    const check = () => (scheduler.bound >= PODS ? resolve() : setTimeout(check, 2));
    check();
  });
  const tBound = performance.now();
  let tRunning = tBound;
  if (VIRTUAL) {
    await new Promise<void>((resolve) => {
      const check = () => {
        const running = pods.list('default').items.filter((p) => (p.status as { phase?: string }).phase === 'Running').length;
        if (running >= PODS) resolve();
        else setTimeout(check, 50);
      };
      check();
    });
    tRunning = performance.now();
  }

  // Sanity: every pod bound, no node over its pod limit.
  const perNode = new Map<string, number>();
  for (const p of pods.list('default').items) {
    const n = (p.spec as { nodeName?: string }).nodeName;
    if (!n) throw new Error(`${p.metadata.name} not bound`);
    perNode.set(n, (perNode.get(n) ?? 0) + 1);
  }
  const max = Math.max(...perNode.values());
  const min = Math.min(...[...perNode.values()], ...(perNode.size < NODES ? [0] : []));

  const scheduleMs = tBound - tCreated;
  const rate = (PODS / scheduleMs) * 1000;
  console.log(`${NODES} nodes, ${PODS} pods${VIRTUAL ? ' (virtual nodes with kubelets)' : ''}`);
  console.log(`  create pods: ${fmt(tCreated - t0, 0)} ms (${fmt((PODS / (tCreated - t0)) * 1000, 0)} pods/s written)`);
  console.log(`  schedule + bind all: ${fmt(scheduleMs, 0)} ms; end to end (write + bind) ${fmt(tBound - t0, 0)} ms`);
  if (VIRTUAL) console.log(`  all Running: ${fmt(tRunning - t0, 0)} ms after the first write`);
  console.log(`  pods per node: min ${min}, max ${max}`);
  report('scheduler throughput', `${fmt(rate, 0)} pods/s`, `goal ${GOAL} pods/s`, rate / GOAL, '≥ 1.0x', rate >= GOAL);

  await scheduler.stop();
  host?.stop();
  store.close();
}

await main();

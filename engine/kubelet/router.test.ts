import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { KubeObject } from '../api/types.js';
import { ApiError } from '../api/errors.js';
import type { ApiFeatures, MetricsProvider, PodConnector } from '../apiserver/features.js';
import { nodeRouterOf, registerNodeServer } from './router.js';

function server(node: string, calls: string[], metrics: Partial<MetricsProvider> = {}) {
  const pods: PodConnector = {
    async logs(pod) {
      calls.push(`${node}:logs:${pod.metadata.name}`);
    },
    async upgrade(kind, pod) {
      calls.push(`${node}:${kind}:${pod.metadata.name}`);
    },
    async proxy(pod, port) {
      calls.push(`${node}:proxy:${pod.metadata.name}:${port}`);
    },
  };
  const m: MetricsProvider = {
    nodeMetrics: metrics.nodeMetrics ?? (async () => [{ kind: 'NodeMetrics', metadata: { name: node } }]),
    podMetrics: metrics.podMetrics ?? (async (ns) => [{ kind: 'PodMetrics', metadata: { name: `p-${node}`, namespace: ns ?? 'default' } }]),
  };
  return { pods, metrics: m };
}

const pod = (name: string, nodeName?: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: nodeName ? { nodeName } : {} });
const req = {} as IncomingMessage;
const res = {} as ServerResponse;
const sock = {} as Duplex;

describe('node router', () => {
  it('routes logs, exec, port-forward and proxy to the kubelet of the pod’s node', async () => {
    const f: ApiFeatures = {};
    const calls: string[] = [];
    registerNodeServer(f, 'local', server('local', calls));
    registerNodeServer(f, 'd2', server('d2', calls));
    const pods = f.pods as PodConnector;
    await pods.logs(pod('a', 'd2'), {}, req, res);
    await pods.upgrade('exec', pod('b', 'local'), req, sock, Buffer.alloc(0));
    await pods.upgrade('portforward', pod('c', 'd2'), req, sock, Buffer.alloc(0));
    await pods.proxy(pod('d', 'd2'), '80', '/', req, res);
    // Not scheduled, or on a node without a kubelet here (virtual): the first (local) one answers as before.
    await pods.logs(pod('e'), {}, req, res);
    await pods.logs(pod('f', 'vn1'), {}, req, res);
    assert.deepEqual(calls, ['d2:logs:a', 'local:exec:b', 'd2:portforward:c', 'd2:proxy:d:80', 'local:logs:e', 'local:logs:f']);
  });

  it('metrics are the union over kubelets; one that fails or hangs is left out', async () => {
    const f: ApiFeatures = {};
    registerNodeServer(f, 'local', server('local', []));
    registerNodeServer(f, 'd2', server('d2', []));
    registerNodeServer(f, 'broken', server('broken', [], { nodeMetrics: async () => Promise.reject(new Error('engine down')) }));
    registerNodeServer(f, 'hung', server('hung', [], { podMetrics: () => new Promise(() => undefined) }));
    nodeRouterOf(f)!.deadlineMs = 50;
    const m = f.metrics as MetricsProvider;
    assert.deepEqual((await m.nodeMetrics()).map((n) => n.metadata.name), ['local', 'd2', 'hung']);
    assert.deepEqual((await m.podMetrics('ns1')).map((p) => `${p.metadata.namespace}/${p.metadata.name}`), ['ns1/p-local', 'ns1/p-d2', 'ns1/p-broken']);
  });

  it('unregistering: the node’s pods fall back, and the features go when the last kubelet goes', async () => {
    const f: ApiFeatures = {};
    const calls: string[] = [];
    const offLocal = registerNodeServer(f, 'local', server('local', calls));
    const offD2 = registerNodeServer(f, 'd2', server('d2', calls));
    offD2();
    await (f.pods as PodConnector).logs(pod('a', 'd2'), {}, req, res);
    assert.deepEqual(calls, ['local:logs:a']);
    assert.ok(f.metrics);
    offLocal();
    assert.equal(f.pods, undefined);
    assert.equal(f.metrics, undefined);
    // No kubelet at all: the router (if someone holds it) answers 503.
    assert.throws(() => nodeRouterOf(f)!.route(pod('x', 'd2')), (e: unknown) => e instanceof ApiError && e.code === 503);
    // A stale unregister does not remove a newer registration under the same name.
    const again = registerNodeServer(f, 'd2', server('d2-new', calls));
    offD2();
    assert.equal(nodeRouterOf(f)!.names().join(), 'd2');
    again();
  });
});

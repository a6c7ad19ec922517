/**
 * The `kubernetes` Service in `default` and its endpoints, as the real API server's bootstrap
 * controller and endpoint reconciler keep them (pkg/controlplane/controller/kubernetesservice,
 * pkg/controlplane/reconcilers): ClusterIP = first address of the service range, port 443
 * (`https`) → the API server's port; Endpoints (labelled skip-mirror) and an EndpointSlice named
 * `kubernetes` pointing at the API server.
 *
 * The address is 127.0.0.1 because the API server listens on loopback only: reachable from the
 * host, NOT from pods (their 127.0.0.1 is their own). The networking part of Skiff must give
 * pods a route to the API server and this address should follow it then.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import { canonical } from '../../apiserver/rest.js';
import { isAlreadyExists, isNotFound } from '../shared/controller.js';

export const KUBERNETES_SERVICE = 'kubernetes';
export const KUBERNETES_NAMESPACE = 'default';
export const API_SERVER_ADDRESS = '127.0.0.1';

/** The first usable address of a CIDR ("10.96.0.0/16" → "10.96.0.1"). */
export function firstServiceIP(cidr: string): string {
  const [base] = cidr.split('/');
  const n = base.split('.').reduce((a, p) => a * 256 + Number(p), 0) + 1;
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

export function apiServerPort(url: string): number {
  const u = new URL(url);
  return u.port ? Number(u.port) : 443;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

/** Creates or repairs the Service, Endpoints and EndpointSlice. Idempotent. */
export function reconcileKubernetesService(ctx: EngineContext): void {
  const port = apiServerPort(ctx.apiServer.url);
  const cidr = ctx.network?.serviceCIDR ?? '10.96.0.0/16';
  const ns = KUBERNETES_NAMESPACE;
  const name = KUBERNETES_SERVICE;
  const labels = { component: 'apiserver', provider: 'kubernetes' };
  const ports = [{ name: 'https', port: 443, protocol: 'TCP', targetPort: port }];

  const services = ctx.client.resource('', 'Service');
  const svc = services.get(ns, name);
  if (!svc) {
    createIgnoringExists(() =>
      services.create({
        apiVersion: 'v1',
        kind: 'Service',
        metadata: { name, namespace: ns, labels },
        spec: { type: 'ClusterIP', clusterIP: firstServiceIP(cidr), ports, sessionAffinity: 'None' },
      }),
    );
  } else {
    const spec = isPlainObject(svc.spec) ? svc.spec : {};
    if (!same(spec.ports, ports) || !same(svc.metadata.labels, labels)) {
      const copy = clone(svc);
      copy.metadata.labels = labels;
      copy.spec = { ...spec, ports };
      services.update(copy);
    }
  }

  const endpoints = ctx.client.resource('', 'Endpoints');
  const epLabels = { 'endpointslice.kubernetes.io/skip-mirror': 'true' };
  const subsets = [{ addresses: [{ ip: API_SERVER_ADDRESS }], ports: [{ name: 'https', port, protocol: 'TCP' }] }];
  const ep = endpoints.get(ns, name);
  if (!ep) {
    createIgnoringExists(() => endpoints.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels: epLabels }, subsets }));
  } else if (!same(ep.subsets, subsets) || !same(ep.metadata.labels, epLabels)) {
    const copy = clone(ep);
    copy.metadata.labels = epLabels;
    copy.subsets = subsets;
    endpoints.update(copy);
  }

  const slices = ctx.client.resource('discovery.k8s.io', 'EndpointSlice');
  const slice: Record<string, unknown> = {
    addressType: 'IPv4',
    endpoints: [{ addresses: [API_SERVER_ADDRESS], conditions: { ready: true } }],
    ports: [{ name: 'https', port, protocol: 'TCP' }],
  };
  const sliceLabels = { 'kubernetes.io/service-name': name };
  const cur = slices.get(ns, name);
  if (!cur) {
    createIgnoringExists(() => slices.create({ apiVersion: 'discovery.k8s.io/v1', kind: 'EndpointSlice', metadata: { name, namespace: ns, labels: sliceLabels }, ...slice } as KubeObject));
  } else if (!same(cur.endpoints, slice.endpoints) || !same(cur.ports, slice.ports) || !same(cur.metadata.labels, sliceLabels)) {
    const copy = clone(cur);
    copy.metadata.labels = sliceLabels;
    Object.assign(copy, slice);
    slices.update(copy);
  }
}

function createIgnoringExists(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (isAlreadyExists(e) || isNotFound(e)) return; // a race, or `default` not there yet
    throw e;
  }
}

/**
 * The Endpoints controller (upstream pkg/controller/endpoint/endpoints_controller.go): for every
 * Service with a selector, an Endpoints object of the same name listing the selected pods —
 * ready ones under `addresses`, the others under `notReadyAddresses` (all ready with
 * publishNotReadyAddresses) — with each service port resolved on the pod (targetPort number,
 * or a container port name), a targetRef to the pod, its node and, for pods whose subdomain is
 * the Service, its hostname. Terminal pods, pods without an IP and pods being deleted are left
 * out. Services without a selector are left alone (their Endpoints are written by hand).
 *
 * Keys are Service keys; pod events enqueue every Service selecting the pod (before and after).
 * It also keeps the `kubernetes` Service (kubernetes_service.ts).
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone } from '../../api/types.js';
import { canonical } from '../../apiserver/rest.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import { Controller, isAlreadyExists, isNamespaceTerminating, isNotFound, startDeferred } from '../shared/controller.js';
import { isPodReady, podIP, type Pod } from '../shared/pods.js';
import { findPort, podEndpointsChanged, serviceSelector, serviceSelects, shouldPodBeInEndpoints, shouldSetHostname, type Service, type ServicePort } from '../shared/services.js';
import { KUBERNETES_NAMESPACE, KUBERNETES_SERVICE, reconcileKubernetesService } from './kubernetes_service.js';

/** Upstream's maxCapacity: more addresses are truncated (annotation over-capacity). */
export const MAX_CAPACITY = 1000;
export const OVER_CAPACITY_ANNOTATION = 'endpoints.kubernetes.io/over-capacity';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
const LAST_CHANGE_ANNOTATION = 'endpoints.kubernetes.io/last-change-trigger-time';

export interface EndpointAddress {
  ip: string;
  hostname?: string;
  nodeName?: string;
  targetRef?: { kind: string; namespace?: string; name: string; uid: string };
}

export interface EndpointPort {
  name?: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSubset {
  addresses?: EndpointAddress[];
  notReadyAddresses?: EndpointAddress[];
  ports?: EndpointPort[];
}

export class EndpointsController extends Controller {
  private svcInformer!: Informer<Service>;
  private podInformer!: Informer<Pod>;
  private epInformer!: Informer<KubeObject>;

  constructor(ctx: EngineContext) {
    super(ctx, 'endpoint-controller');
  }

  protected register(): void {
    this.svcInformer = this.informer<Service>('', 'Service');
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.epInformer = this.informer('', 'Endpoints');
    this.svcInformer.addHandler({
      add: (s) => this.worker.enqueue(keyOf(s)),
      update: (_o, s) => this.worker.enqueue(keyOf(s)),
      delete: (s) => this.worker.enqueue(keyOf(s)),
    });
    this.podInformer.addHandler({
      add: (p) => this.enqueueServicesOf(p),
      update: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion || !podEndpointsChanged(o, p)) return;
        this.enqueueServicesOf(p);
        if (JSON.stringify(o.metadata.labels ?? {}) !== JSON.stringify(p.metadata.labels ?? {})) this.enqueueServicesOf(o);
      },
      delete: (p) => this.enqueueServicesOf(p),
    });
    // Endpoints deleted by someone else are put back (upstream watches deletes only).
    this.epInformer.addHandler({ delete: (ep) => this.worker.enqueue(keyOf(ep)) });
  }

  protected override onStart(): void {
    // checkLeftoverEndpoints: Endpoints whose Service went away while we were not running.
    for (const ep of this.epInformer.list()) if (!this.svcInformer.get(ep.metadata.namespace, ep.metadata.name as string)) this.worker.enqueue(keyOf(ep));
    this.worker.enqueue(`${KUBERNETES_NAMESPACE}/${KUBERNETES_SERVICE}`);
  }

  private enqueueServicesOf(pod: Pod): void {
    for (const svc of this.svcInformer.list(pod.metadata.namespace)) {
      if (serviceSelects(svc, pod)) this.worker.enqueue(keyOf(svc));
    }
  }

  sync(key: string): void {
    const [ns, name] = splitKey(key);
    if (ns === KUBERNETES_NAMESPACE && name === KUBERNETES_SERVICE) {
      reconcileKubernetesService(this.ctx);
      return;
    }
    const epClient = this.ctx.client.resource('', 'Endpoints');
    const svc = this.svcInformer.get(ns, name);
    if (!svc) {
      // The Service is gone: so are its Endpoints (only if we made them from a selector;
      // upstream deletes unconditionally, as Endpoints of a missing Service serve nobody).
      try {
        if (this.epInformer.get(ns, name)) epClient.delete(ns, name);
      } catch (e) {
        if (!isNotFound(e)) throw e;
      }
      return;
    }
    if (svc.spec?.type === 'ExternalName') return;
    const selector = serviceSelector(svc);
    if (!selector) return;
    const publishNotReady = svc.spec?.publishNotReadyAddresses === true;
    const pods = this.podInformer.list(ns, selector);
    let subsets: EndpointSubset[] = [];
    for (const pod of pods) {
      if (!shouldPodBeInEndpoints(pod, publishNotReady)) continue;
      const addr = podToEndpointAddress(pod);
      if (shouldSetHostname(pod, svc)) addr.hostname = pod.spec?.hostname;
      const ready = publishNotReady || isPodReady(pod);
      const ports = svc.spec?.ports ?? [];
      if (ports.length === 0) {
        // A headless Service may have no ports: addresses only.
        if (svc.spec?.clusterIP === 'None') subsets.push(ready ? { addresses: [addr] } : { notReadyAddresses: [addr] });
        continue;
      }
      for (const sp of ports) {
        const num = findPort(pod, sp);
        if (num === undefined) continue;
        const port = endpointPort(sp, num);
        subsets.push(ready ? { addresses: [addr], ports: [port] } : { notReadyAddresses: [addr], ports: [port] });
      }
    }
    subsets = repackSubsets(subsets);
    const truncated = truncate(subsets);

    const cur = this.epInformer.get(ns, name);
    const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
    if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
    else delete labels[HEADLESS_LABEL];
    if (cur) {
      const ann = cur.metadata.annotations ?? {};
      const capacityOk = truncated ? ann[OVER_CAPACITY_ANNOTATION] === 'truncated' : ann[OVER_CAPACITY_ANNOTATION] === undefined;
      if (same(cur.subsets ?? [], subsets) && same(cur.metadata.labels ?? {}, labels) && capacityOk) return;
      const next = clone(cur);
      next.subsets = subsets;
      next.metadata.labels = labels;
      const annotations = { ...ann };
      delete annotations[LAST_CHANGE_ANNOTATION];
      if (truncated) annotations[OVER_CAPACITY_ANNOTATION] = 'truncated';
      else delete annotations[OVER_CAPACITY_ANNOTATION];
      if (Object.keys(annotations).length) next.metadata.annotations = annotations;
      else delete next.metadata.annotations;
      try {
        epClient.update(next);
      } catch (e) {
        if (isNotFound(e)) return this.worker.enqueue(key);
        throw e;
      }
      return;
    }
    const ep: KubeObject = { apiVersion: 'v1', kind: 'Endpoints', metadata: { name, namespace: ns, labels }, subsets };
    if (truncated) ep.metadata.annotations = { [OVER_CAPACITY_ANNOTATION]: 'truncated' };
    try {
      epClient.create(ep);
    } catch (e) {
      // Forbidden: the namespace is terminating; AlreadyExists: a race, the next event fixes it.
      if (isNamespaceTerminating(e) || isAlreadyExists(e)) return;
      throw e;
    }
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function podToEndpointAddress(pod: Pod): EndpointAddress {
  const a: EndpointAddress = {
    ip: podIP(pod) as string,
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name as string, uid: pod.metadata.uid as string },
  };
  if (pod.spec?.nodeName) a.nodeName = pod.spec.nodeName;
  return a;
}

function endpointPort(sp: ServicePort, port: number): EndpointPort {
  const p: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
  if (sp.name) p.name = sp.name;
  if (sp.appProtocol) p.appProtocol = sp.appProtocol;
  return p;
}

/**
 * RepackSubsets: one subset per distinct set of ports, each with the addresses serving exactly
 * that set, in a canonical order.
 */
export function repackSubsets(subsets: EndpointSubset[]): EndpointSubset[] {
  const addrKey = (a: EndpointAddress) => `${a.ip}/${a.targetRef?.uid ?? ''}`;
  const addrs = new Map<string, EndpointAddress>();
  // port key → (address key → ready)
  const byPort = new Map<string, { port: EndpointPort | undefined; addrs: Map<string, boolean> }>();
  const add = (port: EndpointPort | undefined, a: EndpointAddress, ready: boolean) => {
    const pk = port ? JSON.stringify(canonical(port)) : '';
    let e = byPort.get(pk);
    if (!e) byPort.set(pk, (e = { port, addrs: new Map() }));
    const ak = addrKey(a);
    addrs.set(ak, a);
    e.addrs.set(ak, ready);
  };
  for (const s of subsets) {
    const ports = s.ports?.length ? s.ports : [undefined];
    for (const p of ports) {
      for (const a of s.addresses ?? []) add(p, a, true);
      for (const a of s.notReadyAddresses ?? []) add(p, a, false);
    }
  }
  // Group ports by their address set.
  const groups = new Map<string, { ports: EndpointPort[]; addrs: Map<string, boolean> }>();
  for (const { port, addrs: set } of byPort.values()) {
    const gk = JSON.stringify([...set.entries()].sort());
    let g = groups.get(gk);
    if (!g) groups.set(gk, (g = { ports: [], addrs: set }));
    if (port) g.ports.push(port);
  }
  const out: EndpointSubset[] = [];
  const byIP = (a: EndpointAddress, b: EndpointAddress) => (addrKey(a) < addrKey(b) ? -1 : addrKey(a) > addrKey(b) ? 1 : 0);
  for (const g of groups.values()) {
    const ready: EndpointAddress[] = [];
    const notReady: EndpointAddress[] = [];
    for (const [k, r] of g.addrs) (r ? ready : notReady).push(addrs.get(k) as EndpointAddress);
    const s: EndpointSubset = {};
    if (ready.length) s.addresses = ready.sort(byIP);
    if (notReady.length) s.notReadyAddresses = notReady.sort(byIP);
    if (g.ports.length) s.ports = g.ports.sort((a, b) => ((a.name ?? '') + a.port < (b.name ?? '') + b.port ? -1 : 1));
    out.push(s);
  }
  return out.sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

/** Keeps at most MAX_CAPACITY addresses (ready first, as upstream); true when it cut. */
function truncate(subsets: EndpointSubset[]): boolean {
  let total = 0;
  for (const s of subsets) total += (s.addresses?.length ?? 0) + (s.notReadyAddresses?.length ?? 0);
  if (total <= MAX_CAPACITY) return false;
  let left = MAX_CAPACITY;
  for (const s of subsets) {
    const keepReady = Math.min(left, s.addresses?.length ?? 0);
    if (s.addresses) s.addresses = s.addresses.slice(0, keepReady);
    left -= keepReady;
  }
  for (const s of subsets) {
    const keep = Math.min(left, s.notReadyAddresses?.length ?? 0);
    if (s.notReadyAddresses) s.notReadyAddresses = s.notReadyAddresses.slice(0, keep);
    left -= keep;
  }
  for (const s of subsets) {
    if (s.addresses?.length === 0) delete s.addresses;
    if (s.notReadyAddresses?.length === 0) delete s.notReadyAddresses;
  }
  const kept = subsets.filter((s) => s.addresses || s.notReadyAddresses);
  subsets.splice(0, subsets.length, ...kept);
  return true;
}

/** controller-manager entry point: `endpoints`. */
export function startEndpointsController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new EndpointsController(ctx));
}

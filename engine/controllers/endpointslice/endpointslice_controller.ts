/**
 * The EndpointSlice controller (upstream pkg/controller/endpointslice and
 * staging/src/k8s.io/endpointslice/reconciler.go), plus the mirroring of hand-written Endpoints
 * (upstream's endpointslicemirroring controller) for Services without a selector.
 *
 * For a Service with a selector: discovery.k8s.io/v1 EndpointSlices labelled
 * `kubernetes.io/service-name=<svc>` and `endpointslice.kubernetes.io/managed-by=
 * endpointslice-controller.k8s.io`, owned by the Service, one per address family and port set
 * (pods resolving named ports differently land in different slices), at most 100 endpoints
 * each. Each endpoint carries conditions ready/serving/terminating (pods being deleted stay
 * listed as terminating, not ready), targetRef, nodeName and hostname. A Service with no
 * endpoints gets one empty placeholder slice, as upstream. Existing slices are reused and only
 * rewritten when their content changes.
 *
 * For a Service without a selector whose Endpoints exist (and are not labelled skip-mirror):
 * slices managed by `endpointslicemirroring-controller.k8s.io` mirroring those Endpoints.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import { canonical } from '../../apiserver/rest.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import { Controller, isAlreadyExists, isNamespaceTerminating, isNotFound, startDeferred } from '../shared/controller.js';
import { newControllerRef } from '../shared/ownerrefs.js';
import { isPodReady, podIP, type Pod } from '../shared/pods.js';
import { findPort, ipFamily, podEndpointsChanged, serviceSelector, serviceSelects, shouldPodBeInEndpoints, shouldSetHostname, type Service } from '../shared/services.js';

export const SERVICE_NAME_LABEL = 'kubernetes.io/service-name';
export const MANAGED_BY_LABEL = 'endpointslice.kubernetes.io/managed-by';
export const CONTROLLER_NAME = 'endpointslice-controller.k8s.io';
export const MIRROR_CONTROLLER_NAME = 'endpointslicemirroring-controller.k8s.io';
export const SKIP_MIRROR_LABEL = 'endpointslice.kubernetes.io/skip-mirror';
export const HEADLESS_LABEL = 'service.kubernetes.io/headless';
/** Upstream's default --max-endpoints-per-slice. */
export const MAX_ENDPOINTS_PER_SLICE = 100;

export interface SliceEndpoint {
  addresses: string[];
  conditions: { ready?: boolean; serving?: boolean; terminating?: boolean };
  targetRef?: { kind: string; namespace?: string; name: string; uid?: string };
  nodeName?: string;
  hostname?: string;
}

export interface SlicePort {
  name: string;
  port: number;
  protocol: string;
  appProtocol?: string;
}

export interface EndpointSlice extends KubeObject {
  addressType: string;
  endpoints: SliceEndpoint[];
  ports: SlicePort[];
}

interface Desired {
  addressType: string;
  ports: SlicePort[];
  endpoints: SliceEndpoint[];
}

export class EndpointSliceController extends Controller {
  private svcInformer!: Informer<Service>;
  private podInformer!: Informer<Pod>;
  private sliceInformer!: Informer<EndpointSlice>;
  private epInformer!: Informer<KubeObject>;

  constructor(
    ctx: EngineContext,
    private readonly maxPerSlice = MAX_ENDPOINTS_PER_SLICE,
  ) {
    super(ctx, 'endpointslice-controller');
  }

  protected register(): void {
    this.svcInformer = this.informer<Service>('', 'Service');
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.sliceInformer = this.informer<EndpointSlice>('discovery.k8s.io', 'EndpointSlice');
    this.epInformer = this.informer('', 'Endpoints');
    const enqueue = (o: KubeObject) => this.worker.enqueue(keyOf(o));
    this.svcInformer.addHandler({ add: enqueue, update: (_o, s) => enqueue(s), delete: enqueue });
    this.podInformer.addHandler({
      add: (p) => this.enqueueServicesOf(p),
      update: (o, p) => {
        if (o.metadata.resourceVersion === p.metadata.resourceVersion || !podEndpointsChanged(o, p)) return;
        this.enqueueServicesOf(p);
        if (JSON.stringify(o.metadata.labels ?? {}) !== JSON.stringify(p.metadata.labels ?? {})) this.enqueueServicesOf(o);
      },
      delete: (p) => this.enqueueServicesOf(p),
    });
    // Our slices changed or deleted by someone else: reconcile their Service.
    const onSlice = (s: EndpointSlice) => {
      const managedBy = s.metadata.labels?.[MANAGED_BY_LABEL];
      const svc = s.metadata.labels?.[SERVICE_NAME_LABEL];
      if (svc && (managedBy === CONTROLLER_NAME || managedBy === MIRROR_CONTROLLER_NAME)) this.worker.enqueue(`${s.metadata.namespace}/${svc}`);
    };
    this.sliceInformer.addHandler({ update: (_o, s) => onSlice(s), delete: onSlice });
    // Hand-written Endpoints of selector-less Services are mirrored.
    const onEndpoints = (ep: KubeObject) => {
      const svc = this.svcInformer.get(ep.metadata.namespace, ep.metadata.name as string);
      if (svc && !serviceSelector(svc)) enqueue(ep);
    };
    this.epInformer.addHandler({ add: onEndpoints, update: (_o, e) => onEndpoints(e), delete: onEndpoints });
  }

  private enqueueServicesOf(pod: Pod): void {
    for (const svc of this.svcInformer.list(pod.metadata.namespace)) {
      if (serviceSelects(svc, pod)) this.worker.enqueue(keyOf(svc));
    }
  }

  /** Slices of a Service managed by `manager`. */
  private slicesOf(ns: string | undefined, name: string, manager: string): EndpointSlice[] {
    return this.sliceInformer
      .list(ns, [
        { key: SERVICE_NAME_LABEL, op: '=', values: [name] },
        { key: MANAGED_BY_LABEL, op: '=', values: [manager] },
      ])
      .sort((a, b) => ((a.metadata.name as string) < (b.metadata.name as string) ? -1 : 1));
  }

  sync(key: string): void {
    const [ns, name] = splitKey(key);
    const svc = this.svcInformer.get(ns, name);
    if (!svc || svc.spec?.type === 'ExternalName') {
      // Slices are owned by the Service (the garbage collector would remove them too).
      this.reconcile(ns, name, svc, CONTROLLER_NAME, []);
      this.reconcile(ns, name, svc, MIRROR_CONTROLLER_NAME, []);
      return;
    }
    if (!serviceSelector(svc)) {
      this.reconcile(ns, name, svc, CONTROLLER_NAME, []);
      const ep = this.epInformer.get(ns, name);
      const mirror = ep && ep.metadata.labels?.[SKIP_MIRROR_LABEL] !== 'true' ? mirrorEndpoints(ep) : [];
      this.reconcile(ns, name, svc, MIRROR_CONTROLLER_NAME, mirror);
      return;
    }
    this.reconcile(ns, name, svc, MIRROR_CONTROLLER_NAME, []);
    const pods = this.podInformer.list(ns, serviceSelector(svc) ?? []);
    this.reconcile(ns, name, svc, CONTROLLER_NAME, this.desiredFromPods(svc, pods), true);
  }

  /** Endpoints grouped by address family and port set, each group chunked into slices. */
  private desiredFromPods(svc: Service, pods: Pod[]): Desired[] {
    const groups = new Map<string, Desired>();
    const families = svc.spec?.ipFamilies?.length ? svc.spec.ipFamilies : ['IPv4'];
    const sorted = [...pods].sort((a, b) => ((a.metadata.name as string) < (b.metadata.name as string) ? -1 : 1));
    for (const pod of sorted) {
      if (!shouldPodBeInEndpoints(pod, true)) continue;
      const ip = podIP(pod) as string;
      const family = ipFamily(ip);
      if (!families.includes(family)) continue;
      const ports: SlicePort[] = [];
      for (const sp of svc.spec?.ports ?? []) {
        const num = findPort(pod, sp);
        if (num === undefined) continue;
        const p: SlicePort = { name: sp.name ?? '', port: num, protocol: sp.protocol ?? 'TCP' };
        if (sp.appProtocol) p.appProtocol = sp.appProtocol;
        ports.push(p);
      }
      const gk = `${family}|${JSON.stringify(canonical(ports))}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = { addressType: family, ports, endpoints: [] }));
      g.endpoints.push(podToEndpoint(pod, svc, ip));
    }
    return [...groups.values()];
  }

  /**
   * Makes the Service's slices of `manager` equal to `desired` (chunked by maxPerSlice): reuses
   * existing slices with the same address type and ports, updates the ones whose content
   * differs, creates the missing, deletes the rest. With `placeholder`, a Service without
   * endpoints keeps one empty slice.
   */
  private reconcile(ns: string | undefined, name: string, svc: Service | undefined, manager: string, desired: Desired[], placeholder = false): void {
    const client = this.ctx.client.resource<EndpointSlice>('discovery.k8s.io', 'EndpointSlice');
    const existing = this.slicesOf(ns, name, manager);
    if (desired.length === 0 && placeholder && svc) desired = [{ addressType: (svc.spec?.ipFamilies ?? ['IPv4'])[0] ?? 'IPv4', ports: [], endpoints: [] }];
    const wanted: Desired[] = [];
    for (const d of desired) {
      if (d.endpoints.length === 0) wanted.push(d);
      for (let i = 0; i < d.endpoints.length; i += this.maxPerSlice) wanted.push({ ...d, endpoints: d.endpoints.slice(i, i + this.maxPerSlice) });
    }
    const labels = svc ? sliceLabels(svc, manager) : {};
    const unused = [...existing];
    const toCreate: Desired[] = [];
    for (const w of wanted) {
      // Prefer a slice with identical content, then one with the same ports and family.
      let idx = unused.findIndex((s) => sameContent(s, w) && same(s.metadata.labels, labels));
      if (idx < 0) idx = unused.findIndex((s) => s.addressType === w.addressType && same(s.ports ?? [], w.ports));
      if (idx < 0) {
        toCreate.push(w);
        continue;
      }
      const [slice] = unused.splice(idx, 1);
      if (sameContent(slice, w) && same(slice.metadata.labels, labels)) continue;
      const next = clone(slice);
      next.metadata.labels = labels;
      next.endpoints = w.endpoints;
      next.ports = w.ports;
      try {
        client.update(next);
      } catch (e) {
        if (!isNotFound(e)) throw e;
        toCreate.push(w);
      }
    }
    for (const w of toCreate) {
      if (!svc) break;
      // Reuse a leftover slice of another shape before creating (fewer objects churned).
      const spare = unused.find((s) => s.addressType === w.addressType);
      if (spare) {
        unused.splice(unused.indexOf(spare), 1);
        // addressType is immutable upstream; same family only.
        const next = clone(spare);
        next.metadata.labels = labels;
        next.endpoints = w.endpoints;
        next.ports = w.ports;
        client.update(next);
        continue;
      }
      try {
        client.create({
          apiVersion: 'discovery.k8s.io/v1',
          kind: 'EndpointSlice',
          metadata: { generateName: `${name}-`, namespace: ns, labels, ownerReferences: [newControllerRef(svc, 'v1', 'Service')] },
          addressType: w.addressType,
          endpoints: w.endpoints,
          ports: w.ports,
        });
      } catch (e) {
        if (isNamespaceTerminating(e) || isAlreadyExists(e)) return;
        throw e;
      }
    }
    for (const s of unused) client.delete(s.metadata.namespace, s.metadata.name as string);
  }
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a ?? null)) === JSON.stringify(canonical(b ?? null));
}

function sameContent(s: EndpointSlice, d: Desired): boolean {
  return s.addressType === d.addressType && same(s.ports ?? [], d.ports) && same(s.endpoints ?? [], d.endpoints);
}

function sliceLabels(svc: Service, manager: string): Record<string, string> {
  const labels: Record<string, string> = { ...(svc.metadata.labels ?? {}) };
  labels[SERVICE_NAME_LABEL] = svc.metadata.name as string;
  labels[MANAGED_BY_LABEL] = manager;
  if (svc.spec?.clusterIP === 'None') labels[HEADLESS_LABEL] = '';
  else delete labels[HEADLESS_LABEL];
  return labels;
}

/** podToEndpoint: ready = serving and not terminating (or publishNotReadyAddresses). */
function podToEndpoint(pod: Pod, svc: Service, ip: string): SliceEndpoint {
  const serving = isPodReady(pod);
  const terminating = pod.metadata.deletionTimestamp !== undefined;
  const ready = svc.spec?.publishNotReadyAddresses === true || (serving && !terminating);
  const ep: SliceEndpoint = {
    addresses: [ip],
    conditions: { ready, serving, terminating },
    targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name as string, uid: pod.metadata.uid as string },
  };
  if (pod.spec?.nodeName) ep.nodeName = pod.spec.nodeName;
  if (shouldSetHostname(pod, svc)) ep.hostname = pod.spec?.hostname;
  return ep;
}

/** Slices mirroring a hand-written Endpoints object (one group per subset's port set). */
export function mirrorEndpoints(ep: KubeObject): Desired[] {
  const groups = new Map<string, Desired>();
  const subsets = Array.isArray(ep.subsets) ? ep.subsets.filter(isPlainObject) : [];
  for (const s of subsets) {
    const ports: SlicePort[] = (Array.isArray(s.ports) ? s.ports.filter(isPlainObject) : []).map((p) => {
      const out: SlicePort = { name: typeof p.name === 'string' ? p.name : '', port: Number(p.port), protocol: typeof p.protocol === 'string' ? p.protocol : 'TCP' };
      if (typeof p.appProtocol === 'string') out.appProtocol = p.appProtocol;
      return out;
    });
    const add = (a: Record<string, unknown>, ready: boolean) => {
      if (typeof a.ip !== 'string') return;
      const family = ipFamily(a.ip);
      const gk = `${family}|${JSON.stringify(canonical(ports))}`;
      let g = groups.get(gk);
      if (!g) groups.set(gk, (g = { addressType: family, ports, endpoints: [] }));
      const e: SliceEndpoint = { addresses: [a.ip], conditions: { ready } };
      if (isPlainObject(a.targetRef)) e.targetRef = a.targetRef as SliceEndpoint['targetRef'];
      if (typeof a.nodeName === 'string') e.nodeName = a.nodeName;
      if (typeof a.hostname === 'string') e.hostname = a.hostname;
      g.endpoints.push(e);
    };
    for (const a of Array.isArray(s.addresses) ? s.addresses.filter(isPlainObject) : []) add(a, true);
    for (const a of Array.isArray(s.notReadyAddresses) ? s.notReadyAddresses.filter(isPlainObject) : []) add(a, false);
  }
  return [...groups.values()];
}

/** controller-manager entry point: `endpointslice`. */
export function startEndpointSliceController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new EndpointSliceController(ctx));
}

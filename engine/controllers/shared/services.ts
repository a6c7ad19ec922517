/**
 * Service ↔ pod helpers shared by the Endpoints and EndpointSlice controllers (upstream
 * pkg/controller/util/endpoint and staging/.../endpointslice/util): which pods back a Service,
 * which port a pod serves a service port on, and when a pod's hostname is published.
 */
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import { matchesLabels, type Selector } from '../../api/selectors.js';
import { isPodTerminal, podIP, type Pod } from './pods.js';

export interface ServicePort {
  name?: string;
  port: number;
  targetPort?: number | string;
  protocol?: string;
  appProtocol?: string;
  nodePort?: number;
}

export interface Service extends KubeObject {
  spec?: {
    selector?: Record<string, string> | null;
    ports?: ServicePort[];
    clusterIP?: string;
    type?: string;
    publishNotReadyAddresses?: boolean;
    ipFamilies?: string[];
    [k: string]: unknown;
  };
}

/** The Service's selector, or null for a Service without one (endpoints managed by hand). */
export function serviceSelector(svc: Service): Selector | null {
  const sel = svc.spec?.selector;
  if (!isPlainObject(sel) || Object.keys(sel).length === 0) return null;
  return Object.entries(sel).map(([key, v]) => ({ key, op: '=' as const, values: [String(v)] }));
}

/**
 * Whether the Service selects the pod. An empty selector selects nothing: upstream serializes an
 * empty map away (omitempty), so `selector: {}` reads back as no selector at all.
 */
export function serviceSelects(svc: Service, pod: KubeObject): boolean {
  const sel = serviceSelector(svc);
  if (!sel || sel.length === 0) return false;
  return matchesLabels(sel, pod.metadata.labels);
}

/**
 * ShouldPodBeInEndpoints: not terminal, has an IP, and (unless terminating pods are wanted)
 * not being deleted.
 */
export function shouldPodBeInEndpoints(pod: Pod, includeTerminating: boolean): boolean {
  if (isPodTerminal(pod)) return false;
  if (!podIP(pod)) return false;
  if (!includeTerminating && pod.metadata.deletionTimestamp) return false;
  return true;
}

/** ShouldSetHostname: the pod has a hostname and its subdomain is this Service. */
export function shouldSetHostname(pod: Pod, svc: Service): boolean {
  const h = pod.spec?.hostname;
  return typeof h === 'string' && h !== '' && pod.spec?.subdomain === svc.metadata.name && pod.metadata.namespace === svc.metadata.namespace;
}

/**
 * FindPort: the container port a service port's targetPort means on this pod — a number as is,
 * a name looked up among the pod's container ports (same protocol; sidecar init containers too).
 */
export function findPort(pod: Pod, sp: ServicePort): number | undefined {
  const t = sp.targetPort ?? sp.port;
  if (typeof t === 'number') return t;
  const proto = sp.protocol ?? 'TCP';
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? []).filter((c) => c.restartPolicy === 'Always')];
  for (const c of containers) {
    for (const p of c.ports ?? []) {
      if (p.name === t && (p.protocol ?? 'TCP') === proto) return p.containerPort;
    }
  }
  return undefined;
}

/** Whether a pod change can matter to endpoints (IP, readiness, deletion, node, hostname, labels). */
export function podEndpointsChanged(old: Pod, cur: Pod): boolean {
  const proj = (p: Pod) =>
    JSON.stringify([
      podIP(p),
      p.status?.podIPs,
      p.status?.phase,
      p.status?.conditions?.find((c) => c.type === 'Ready')?.status,
      p.metadata.deletionTimestamp,
      p.spec?.nodeName,
      p.spec?.hostname,
      p.spec?.subdomain,
      p.metadata.labels,
      p.spec?.containers?.map((c) => c.ports),
    ]);
  return proj(old) !== proj(cur);
}

/** "IPv6" for addresses with a colon. */
export function ipFamily(ip: string): 'IPv4' | 'IPv6' {
  return ip.includes(':') ? 'IPv6' : 'IPv4';
}

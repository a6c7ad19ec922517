/**
 * The proxy's view of one Service port: its VIP, node port, load-balancer port, affinity and the
 * ready endpoints behind it. Built from a Service and its Endpoints object (kept by the endpoints
 * controller from ready pods; a selectorless Service's Endpoints are written by its owner). Only
 * `addresses` (ready) are used, never `notReadyAddresses`, so a pod that turns unready leaves the
 * rotation as soon as the Endpoints object changes. targetPort names were already resolved to
 * numbers by the endpoints controller (Endpoints ports are per-pod numbers, matched to the
 * Service port by name), which is why the model never reads pods.
 */
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import { isIPv4 } from '../network.js';

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface Endpoint {
  ip: string;
  port: number;
  /** targetRef of the address (pod namespace/name), for logs and tests. */
  pod?: string;
  /** nodeName of the address. */
  node?: string;
}

export interface ServicePort {
  /** `<ns>/<name>:<port name>/<protocol>` — stable across updates. */
  key: string;
  namespace: string;
  name: string;
  /** Port name ('' for a single unnamed port). */
  portName: string;
  protocol: Protocol;
  /** Service port. */
  port: number;
  /** ClusterIP, unless headless or ExternalName. */
  clusterIP?: string;
  nodePort?: number;
  /** LoadBalancer: published on the host at 127.0.0.1:port. */
  loadBalancer: boolean;
  /** ClientIP affinity timeout in seconds; undefined = no affinity. */
  affinitySeconds?: number;
  /** Ready endpoints, sorted (stable rule output). */
  endpoints: Endpoint[];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Every port of a Service with its ready endpoints. Headless and ExternalName have no VIP. */
export function servicePorts(svc: KubeObject, ep: KubeObject | undefined): ServicePort[] {
  const spec = isPlainObject(svc.spec) ? svc.spec : {};
  const type = str(spec.type) ?? 'ClusterIP';
  if (type === 'ExternalName') return [];
  const ns = svc.metadata.namespace ?? 'default';
  const name = svc.metadata.name ?? '';
  const cip = str(spec.clusterIP);
  const clusterIP = cip && cip !== 'None' && isIPv4(cip) ? cip : undefined;
  const affinityCfg = isPlainObject(spec.sessionAffinityConfig) && isPlainObject(spec.sessionAffinityConfig.clientIP) ? spec.sessionAffinityConfig.clientIP : {};
  const affinitySeconds = spec.sessionAffinity === 'ClientIP' ? (typeof affinityCfg.timeoutSeconds === 'number' && affinityCfg.timeoutSeconds > 0 ? affinityCfg.timeoutSeconds : 10800) : undefined;
  const out: ServicePort[] = [];
  for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
    if (!isPlainObject(p) || typeof p.port !== 'number') continue;
    const portName = str(p.name) ?? '';
    const protocol = ((str(p.protocol) ?? 'TCP').toUpperCase() as Protocol) || 'TCP';
    out.push({
      key: `${ns}/${name}:${portName}/${protocol}`,
      namespace: ns,
      name,
      portName,
      protocol,
      port: p.port,
      clusterIP,
      nodePort: (type === 'NodePort' || type === 'LoadBalancer') && typeof p.nodePort === 'number' ? p.nodePort : undefined,
      loadBalancer: type === 'LoadBalancer',
      affinitySeconds,
      endpoints: readyEndpoints(ep, portName, protocol),
    });
  }
  return out;
}

/** Ready addresses × the Endpoints port whose name (and protocol) matches the Service port. */
export function readyEndpoints(ep: KubeObject | undefined, portName: string, protocol: Protocol): Endpoint[] {
  const out: Endpoint[] = [];
  const seen = new Set<string>();
  for (const s of ep && Array.isArray(ep.subsets) ? ep.subsets : []) {
    if (!isPlainObject(s)) continue;
    const ports = (Array.isArray(s.ports) ? s.ports : []).filter(isPlainObject);
    const port = ports.find((p) => (str(p.name) ?? '') === portName && (str(p.protocol) ?? 'TCP').toUpperCase() === protocol);
    if (!port || typeof port.port !== 'number') continue;
    for (const a of Array.isArray(s.addresses) ? s.addresses : []) {
      if (!isPlainObject(a) || !str(a.ip) || !isIPv4(a.ip as string)) continue;
      const k = `${a.ip}:${port.port}`;
      if (seen.has(k)) continue;
      seen.add(k);
      const ref = isPlainObject(a.targetRef) ? a.targetRef : undefined;
      out.push({ ip: a.ip as string, port: port.port, pod: ref && ref.kind === 'Pod' ? `${str(ref.namespace) ?? ''}/${str(ref.name) ?? ''}` : undefined, ...(str(a.nodeName) && { node: str(a.nodeName) }) });
    }
  }
  return out.sort((x, y) => (x.ip === y.ip ? x.port - y.port : x.ip < y.ip ? -1 : 1));
}

/** The Service port a `services/NAME:PORT/proxy` or Ingress backend names (by name or number). */
export function findPort(ports: ServicePort[], ref: string | number | undefined): ServicePort | undefined {
  if (ref === undefined || ref === '') return ports.find((p) => p.protocol === 'TCP') ?? ports[0];
  if (typeof ref === 'number' || /^\d+$/.test(ref)) return ports.find((p) => p.port === Number(ref) && p.protocol === 'TCP');
  return ports.find((p) => p.portName === ref);
}

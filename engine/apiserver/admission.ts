/**
 * Admission: the stateful defaulting and checks that need more than the object itself —
 * Secret stringData folding, Service ClusterIP and NodePort allocation, Job selectors — and,
 * last as upstream orders them, LimitRanger then ResourceQuota (admission/), so quota sees the
 * LimitRange defaults.
 */
import * as errors from '../api/errors.js';
import { isPlainObject, type KubeObject } from '../api/types.js';
import type { Rest } from './rest.js';
import { defaultNetwork, type ClusterNetwork } from '../network.js';
import { realClock, type Clock } from '../api/clock.js';
import { admitLimitRanger } from './admission/limitranger.js';
import { admitResourceQuota } from './admission/resourcequota.js';

type Obj = Record<string, unknown>;

/**
 * The part of the cluster network plan (engine/network.ts) admission allocates from. It is the
 * same plan the proxy and DNS serve: engine.ts may pass its ClusterNetwork; by default the plan
 * is computed the same way the engine computes it (defaultNetwork: built-in ranges unless the
 * SKIFF_SERVICE_CIDR / SKIFF_NODEPORT_RANGE environment overrides them).
 */
export type NetworkConfig = Pick<ClusterNetwork, 'serviceCIDR' | 'nodePortRange'>;

export const DEFAULT_NETWORK: NetworkConfig = defaultNetwork('skiff', {});

export function installAdmission(rest: Rest, net: NetworkConfig = defaultNetwork('skiff'), clock: Clock = realClock): void {
  rest.addAdmission((obj, old, ctx) => {
    if (ctx.op === 'delete') return;
    const kind = ctx.def.kind;
    if (kind === 'Secret' && ctx.def.group === '') foldStringData(obj);
    if (kind === 'Service' && ctx.def.group === '') allocateService(rest, obj, old, net);
    if (kind === 'Ingress' && ctx.def.group === 'networking.k8s.io' && ctx.op === 'create') defaultIngressClass(rest, obj);
    if (kind === 'Job' && ctx.def.group === 'batch' && ctx.op === 'create') jobSelector(obj);
    admitLimitRanger(obj, old, ctx);
    admitResourceQuota(obj, old, ctx, clock);
  });
}

function foldStringData(obj: KubeObject): void {
  const sd = obj.stringData;
  if (sd === undefined) return;
  if (!isPlainObject(sd)) throw errors.badRequest('stringData must be a map of strings');
  const data: Obj = isPlainObject(obj.data) ? { ...obj.data } : {};
  for (const [k, v] of Object.entries(sd)) data[k] = Buffer.from(String(v), 'utf8').toString('base64');
  obj.data = data;
  delete obj.stringData;
}

function ipToInt(ip: string): number {
  return ip.split('.').reduce((a, p) => a * 256 + Number(p), 0);
}

function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(n / 2 ** s) % 256).join('.');
}

function usedServiceValues(rest: Rest): { ips: Set<string>; ports: Set<number> } {
  const def = rest.registry.lookup('', 'v1', 'services');
  const ips = new Set<string>();
  const ports = new Set<number>();
  if (!def) return { ips, ports };
  for (const e of rest.list(def, undefined).items) {
    const spec = isPlainObject(e.obj.spec) ? e.obj.spec : {};
    if (typeof spec.clusterIP === 'string') ips.add(spec.clusterIP);
    for (const p of Array.isArray(spec.ports) ? spec.ports : []) if (isPlainObject(p) && typeof p.nodePort === 'number') ports.add(p.nodePort);
  }
  return { ips, ports };
}

function allocateService(rest: Rest, obj: KubeObject, old: KubeObject | undefined, net: NetworkConfig): void {
  const spec = (isPlainObject(obj.spec) ? obj.spec : (obj.spec = {})) as Obj;
  const oldSpec = old && isPlainObject(old.spec) ? old.spec : undefined;
  const type = spec.type;
  const [base, prefix] = net.serviceCIDR.split('/');
  const start = ipToInt(base);
  const size = 2 ** (32 - Number(prefix));
  const used = usedServiceValues(rest);
  if (oldSpec && typeof oldSpec.clusterIP === 'string') {
    used.ips.delete(oldSpec.clusterIP);
    for (const p of Array.isArray(oldSpec.ports) ? oldSpec.ports : []) if (isPlainObject(p) && typeof p.nodePort === 'number') used.ports.delete(p.nodePort);
  }
  if (type === 'ExternalName') {
    delete spec.clusterIP;
    delete spec.clusterIPs;
  } else if (spec.clusterIP === 'None') {
    spec.clusterIPs = ['None'];
  } else {
    let ip = typeof spec.clusterIP === 'string' && spec.clusterIP ? spec.clusterIP : undefined;
    if (oldSpec && typeof oldSpec.clusterIP === 'string' && oldSpec.clusterIP && ip && ip !== oldSpec.clusterIP) {
      throw errors.invalid('Service', obj.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs[0]', message: 'Invalid value: field is immutable' }]);
    }
    if (!ip && oldSpec && typeof oldSpec.clusterIP === 'string') ip = oldSpec.clusterIP;
    if (ip) {
      const n = ipToInt(ip);
      if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip) || n < start || n >= start + size) {
        throw errors.invalid('Service', obj.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is ${net.serviceCIDR}` }]);
      }
      if (used.ips.has(ip) && (!oldSpec || oldSpec.clusterIP !== ip)) {
        throw errors.invalid('Service', obj.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: `Invalid value: ["${ip}"]: failed to allocate IP ${ip}: provided IP is already allocated` }]);
      }
    } else {
      // .1 is the kubernetes service; start allocating after it, wrapping within the range.
      const offset = 10 + Math.floor(Math.random() * (size - 12));
      for (let i = 0; i < size - 2; i++) {
        const cand = intToIp(start + 1 + ((offset + i) % (size - 2)));
        if (!used.ips.has(cand)) {
          ip = cand;
          break;
        }
      }
      if (!ip) throw errors.internal('failed to allocate a serviceIP: range is full');
    }
    spec.clusterIP = ip;
    spec.clusterIPs = [ip];
  }
  if (type === 'NodePort' || type === 'LoadBalancer') {
    const [lo, hi] = net.nodePortRange;
    for (const p of Array.isArray(spec.ports) ? spec.ports : []) {
      if (!isPlainObject(p)) continue;
      if (typeof p.nodePort === 'number') {
        if (p.nodePort < lo || p.nodePort > hi) {
          throw errors.invalid('Service', obj.metadata.name ?? '', [{ reason: 'FieldValueInvalid', field: 'spec.ports[0].nodePort', message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${lo}-${hi}` }]);
        }
        continue;
      }
      const oldPort = (Array.isArray(oldSpec?.ports) ? oldSpec.ports : []).find((q: unknown) => isPlainObject(q) && q.port === p.port && typeof q.nodePort === 'number') as Obj | undefined;
      if (oldPort) {
        p.nodePort = oldPort.nodePort;
        continue;
      }
      for (let i = 0; i <= hi - lo; i++) {
        const cand = lo + ((Math.floor(Math.random() * (hi - lo + 1)) + i) % (hi - lo + 1));
        if (!used.ports.has(cand)) {
          p.nodePort = cand;
          used.ports.add(cand);
          break;
        }
      }
    }
  } else {
    for (const p of Array.isArray(spec.ports) ? spec.ports : []) if (isPlainObject(p)) delete p.nodePort;
  }
}

/**
 * Upstream's DefaultIngressClass admission plugin: an Ingress created without a class (neither
 * spec.ingressClassName nor the legacy annotation) gets the class marked default — when exactly
 * one is; several defaults are left alone here (upstream rejects; we let the controllers decide).
 */
function defaultIngressClass(rest: Rest, obj: KubeObject): void {
  const spec = (isPlainObject(obj.spec) ? obj.spec : (obj.spec = {})) as Obj;
  if (typeof spec.ingressClassName === 'string' && spec.ingressClassName) return;
  if (obj.metadata.annotations?.['kubernetes.io/ingress.class']) return;
  const def = rest.registry.lookup('networking.k8s.io', 'v1', 'ingressclasses');
  if (!def) return;
  const defaults = rest.list(def, undefined).items.filter((e) => e.obj.metadata.annotations?.['ingressclass.kubernetes.io/is-default-class'] === 'true');
  if (defaults.length === 1) spec.ingressClassName = defaults[0].obj.metadata.name;
}

function jobSelector(obj: KubeObject): void {
  const spec = (isPlainObject(obj.spec) ? obj.spec : (obj.spec = {})) as Obj;
  if (spec.manualSelector === true) return;
  const uid = obj.metadata.uid as string;
  const labels = { 'batch.kubernetes.io/controller-uid': uid, 'batch.kubernetes.io/job-name': obj.metadata.name as string, 'controller-uid': uid, 'job-name': obj.metadata.name as string };
  spec.selector = { matchLabels: { 'batch.kubernetes.io/controller-uid': uid } };
  const tmpl = (isPlainObject(spec.template) ? spec.template : (spec.template = {})) as Obj;
  const meta = (isPlainObject(tmpl.metadata) ? tmpl.metadata : (tmpl.metadata = {})) as Obj;
  meta.labels = { ...(isPlainObject(meta.labels) ? meta.labels : {}), ...labels };
  delete spec.manualSelector;
}

/**
 * A container's environment, as upstream's kubelet_pods.go makeEnvironmentVariables builds it:
 *
 * 1. service links (when `enableServiceLinks`, the default): `<SVC>_SERVICE_HOST`, `<SVC>_PORT…`
 *    for every Service of the pod's namespace, plus the `kubernetes` Service of `default`;
 * 2. `envFrom` sources in order (ConfigMap/Secret, each with an optional prefix);
 * 3. `env` entries in order: `value` with $(VAR) expansion against everything defined so far,
 *    or `valueFrom` (configMapKeyRef, secretKeyRef, fieldRef, resourceFieldRef).
 * Later definitions replace earlier ones. A missing ConfigMap/Secret or key that is not
 * `optional` is a {@link ContainerConfigError}: the container waits with reason
 * CreateContainerConfigError and the message upstream prints. Command and args are expanded
 * against the final environment ({@link expandCommand}).
 */
import type { KubeObject } from '../api/types.js';
import { milliValue, value as quantityValue } from '../api/quantity.js';
import type { EnvVar } from './runtime/runtime.js';
import { arr, obj, str, type Container, podSpec } from './podutil.js';

/** Where env values come from. Lookups return the cached object or undefined. */
export interface EnvSources {
  configMap(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
  /** Services of a namespace (for service links). */
  services?(namespace: string): KubeObject[];
  /** Node allocatable, for resourceFieldRef of unset limits. */
  nodeAllocatable?: { cpuMillis: number; memoryBytes: number; ephemeralBytes?: number };
}

export interface PodRuntimeFacts {
  podIP?: string;
  podIPs?: string[];
  hostIP?: string;
  hostIPs?: string[];
}

/** The container cannot be created as configured (upstream: CreateContainerConfigError). */
export class ContainerConfigError extends Error {
  readonly reason = 'CreateContainerConfigError';
}

// ---------------------------------------------------------------------------------------------
// $(VAR) expansion (third_party/forked/golang/expansion)

/** Expands `$(VAR)` with `mapping`; `$$` escapes; unknown names stay as written. */
export function expand(input: string, mapping: (name: string) => string): string {
  let out = '';
  let checkpoint = 0;
  for (let cursor = 0; cursor < input.length; cursor++) {
    if (input[cursor] === '$' && cursor + 1 < input.length) {
      out += input.slice(checkpoint, cursor);
      const { read, isVar, advance } = readVariableName(input.slice(cursor + 1));
      out += isVar ? mapping(read) : read;
      cursor += advance;
      checkpoint = cursor + 1;
    }
  }
  return out + input.slice(checkpoint);
}

function readVariableName(input: string): { read: string; isVar: boolean; advance: number } {
  switch (input[0]) {
    case '$':
      return { read: '$', isVar: false, advance: 1 };
    case '(': {
      const close = input.indexOf(')', 1);
      if (close >= 0) return { read: input.slice(1, close), isVar: true, advance: close + 1 };
      return { read: '$(', isVar: false, advance: 1 };
    }
    default:
      return { read: '$' + input[0], isVar: false, advance: 1 };
  }
}

/** Upstream's MappingFuncFor: the first context that defines the name wins, else `$(NAME)`. */
export function mappingFor(...contexts: Map<string, string>[]): (name: string) => string {
  return (name) => {
    for (const c of contexts) {
      const v = c.get(name);
      if (v !== undefined) return v;
    }
    return `$(${name})`;
  };
}

/** Expands command and args against the container's final environment. */
export function expandCommand(list: string[] | undefined, env: EnvVar[]): string[] | undefined {
  if (!list) return undefined;
  const m = new Map(env.map((e) => [e.name, e.value]));
  const f = mappingFor(m);
  return list.map((s) => expand(s, f));
}

// ---------------------------------------------------------------------------------------------
// Service links (pkg/kubelet/envvars)

function envName(serviceName: string): string {
  return serviceName.toUpperCase().replace(/-/g, '_');
}

/** The docker-links style variables of Services with a cluster IP, as upstream FromServices. */
export function serviceEnv(services: KubeObject[]): Map<string, string> {
  const out = new Map<string, string>();
  const sorted = [...services].sort((a, b) => String(a.metadata.name).localeCompare(String(b.metadata.name)));
  for (const svc of sorted) {
    const spec = obj(svc.spec);
    const ip = str(spec.clusterIP);
    if (!ip || ip === 'None') continue;
    const ports = arr(spec.ports);
    if (ports.length === 0) continue;
    const name = envName(String(svc.metadata.name));
    out.set(`${name}_SERVICE_HOST`, ip);
    out.set(`${name}_SERVICE_PORT`, String(ports[0].port));
    for (const p of ports) {
      if (typeof p.name === 'string' && p.name) out.set(`${name}_SERVICE_PORT_${envName(p.name)}`, String(p.port));
    }
    const first = ports[0];
    const proto0 = String(first.protocol ?? 'TCP').toLowerCase();
    out.set(`${name}_PORT`, `${proto0}://${ip}:${String(first.port)}`);
    for (const p of ports) {
      const proto = String(p.protocol ?? 'TCP');
      const prefix = `${name}_PORT_${String(p.port)}_${proto.toUpperCase()}`;
      out.set(prefix, `${proto.toLowerCase()}://${ip}:${String(p.port)}`);
      out.set(`${prefix}_PROTO`, proto.toLowerCase());
      out.set(`${prefix}_PORT`, String(p.port));
      out.set(`${prefix}_ADDR`, ip);
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// fieldRef and resourceFieldRef (shared with downwardAPI volumes)

/** Value of a fieldRef path; throws ContainerConfigError for unsupported paths. */
export function fieldRefValue(pod: KubeObject, fieldPath: string, facts: PodRuntimeFacts): string {
  const m = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath) ?? /^metadata\.(labels|annotations)\["(.*)"\]$/.exec(fieldPath);
  if (m) {
    const map = (m[1] === 'labels' ? pod.metadata.labels : pod.metadata.annotations) ?? {};
    return map[m[2]] ?? '';
  }
  const spec = podSpec(pod);
  switch (fieldPath) {
    case 'metadata.name':
      return pod.metadata.name ?? '';
    case 'metadata.namespace':
      return pod.metadata.namespace ?? '';
    case 'metadata.uid':
      return pod.metadata.uid ?? '';
    case 'metadata.labels':
      return formatMap(pod.metadata.labels ?? {});
    case 'metadata.annotations':
      return formatMap(pod.metadata.annotations ?? {});
    case 'spec.nodeName':
      return str(spec.nodeName) ?? '';
    case 'spec.serviceAccountName':
      return str(spec.serviceAccountName) ?? '';
    case 'status.hostIP':
      return facts.hostIP ?? '';
    case 'status.hostIPs':
      return (facts.hostIPs ?? (facts.hostIP ? [facts.hostIP] : [])).join(',');
    case 'status.podIP':
      return facts.podIP ?? '';
    case 'status.podIPs':
      return (facts.podIPs ?? (facts.podIP ? [facts.podIP] : [])).join(',');
    default:
      throw new ContainerConfigError(`unsupported fieldPath: ${fieldPath}`);
  }
}

/** `key="value"` lines sorted by key, as downwardAPI volumes write labels and annotations. */
export function formatMap(m: Record<string, string>): string {
  return Object.keys(m)
    .sort()
    .map((k) => `${k}=${JSON.stringify(m[k])}`)
    .join('\n');
}

/** Value of a resourceFieldRef for `container`: ceil(value / divisor); unset limits = node allocatable. */
export function resourceFieldValue(container: Container, resource: string, divisor: unknown, allocatable?: EnvSources['nodeAllocatable']): string {
  const res = obj(container.resources);
  const limits = obj(res.limits);
  const requests = obj(res.requests);
  const div = divisor === undefined || divisor === null || divisor === '' || divisor === '0' ? '1' : divisor;
  const cpu = (q: unknown, fallback: number): string => {
    const m = q === undefined ? fallback : milliValue(q);
    const d = milliValue(div) || 1000;
    return String(Math.ceil(m / d));
  };
  const bytes = (q: unknown, fallback: number): string => {
    const v = q === undefined ? fallback : quantityValue(q);
    const d = quantityValue(div) || 1;
    return String(Math.ceil(v / d));
  };
  switch (resource) {
    case 'limits.cpu':
      return cpu(limits.cpu, allocatable?.cpuMillis ?? 0);
    case 'requests.cpu':
      return cpu(requests.cpu, 0);
    case 'limits.memory':
      return bytes(limits.memory, allocatable?.memoryBytes ?? 0);
    case 'requests.memory':
      return bytes(requests.memory, 0);
    case 'limits.ephemeral-storage':
      return bytes(limits['ephemeral-storage'], allocatable?.ephemeralBytes ?? 0);
    case 'requests.ephemeral-storage':
      return bytes(requests['ephemeral-storage'], 0);
    default:
      throw new ContainerConfigError(`unsupported container resource: ${resource}`);
  }
}

// ---------------------------------------------------------------------------------------------
// The environment

function decodeSecret(v: unknown): string {
  return typeof v === 'string' ? Buffer.from(v, 'base64').toString('utf8') : '';
}

/** Data of a ConfigMap (data + binaryData) or a Secret (decoded), as strings. */
export function configMapData(cm: KubeObject): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj(cm.data))) if (typeof v === 'string') out.set(k, v);
  for (const [k, v] of Object.entries(obj(cm.binaryData))) out.set(k, decodeSecret(v));
  return out;
}

export function secretData(s: KubeObject): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(obj(s.data))) out.set(k, decodeSecret(v));
  return out;
}

/** Builds the container's environment. Throws {@link ContainerConfigError}. */
export function makeEnvironment(pod: KubeObject, container: Container, src: EnvSources, facts: PodRuntimeFacts): EnvVar[] {
  const ns = pod.metadata.namespace ?? 'default';
  const spec = podSpec(pod);
  const result = new Map<string, string>();

  // 1. Service links. The master service is always there (upstream getServiceEnvVarMap).
  const svcEnv = new Map<string, string>();
  if (src.services) {
    const byName = new Map<string, KubeObject>();
    for (const s of src.services('default')) if (s.metadata.name === 'kubernetes') byName.set('kubernetes', s);
    if (spec.enableServiceLinks !== false) for (const s of src.services(ns)) byName.set(String(s.metadata.name), s);
    for (const [k, v] of serviceEnv([...byName.values()])) svcEnv.set(k, v);
  }

  // 2. envFrom.
  for (const from of arr(container.envFrom)) {
    const prefix = str(from.prefix) ?? '';
    let data: Map<string, string> | undefined;
    if (from.configMapRef !== undefined) {
      const ref = obj(from.configMapRef);
      const name = str(ref.name) ?? '';
      const cm = src.configMap(ns, name);
      if (!cm) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`configmap "${name}" not found`);
      }
      data = configMapData(cm);
    } else if (from.secretRef !== undefined) {
      const ref = obj(from.secretRef);
      const name = str(ref.name) ?? '';
      const s = src.secret(ns, name);
      if (!s) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`secret "${name}" not found`);
      }
      data = secretData(s);
    }
    for (const [k, v] of data ?? []) {
      const key = prefix + k;
      // Keys that cannot be environment variable names are skipped, as upstream does.
      if (!key || key.includes('=') || /\0/.test(key)) continue;
      result.set(key, v);
    }
  }

  // 3. env, expanded against what is defined so far, then the service links.
  const mapping = mappingFor(result, svcEnv);
  for (const e of arr(container.env)) {
    const name = str(e.name);
    if (!name) continue;
    if (e.valueFrom === undefined) {
      result.set(name, expand(str(e.value) ?? '', mapping));
      continue;
    }
    const vf = obj(e.valueFrom);
    if (vf.configMapKeyRef !== undefined) {
      const ref = obj(vf.configMapKeyRef);
      const cmName = str(ref.name) ?? '';
      const key = str(ref.key) ?? '';
      const cm = src.configMap(ns, cmName);
      if (!cm) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`configmap "${cmName}" not found`);
      }
      const v = configMapData(cm).get(key);
      if (v === undefined) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in ConfigMap ${ns}/${cmName}`);
      }
      result.set(name, v);
    } else if (vf.secretKeyRef !== undefined) {
      const ref = obj(vf.secretKeyRef);
      const sName = str(ref.name) ?? '';
      const key = str(ref.key) ?? '';
      const s = src.secret(ns, sName);
      if (!s) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`secret "${sName}" not found`);
      }
      const v = secretData(s).get(key);
      if (v === undefined) {
        if (ref.optional === true) continue;
        throw new ContainerConfigError(`couldn't find key ${key} in Secret ${ns}/${sName}`);
      }
      result.set(name, v);
    } else if (vf.fieldRef !== undefined) {
      result.set(name, fieldRefValue(pod, str(obj(vf.fieldRef).fieldPath) ?? '', facts));
    } else if (vf.resourceFieldRef !== undefined) {
      const ref = obj(vf.resourceFieldRef);
      result.set(name, resourceFieldValue(container, str(ref.resource) ?? '', ref.divisor, src.nodeAllocatable));
    }
  }

  // Service links go in too (unless the container defines the same names).
  const out: EnvVar[] = [];
  for (const [k, v] of svcEnv) if (!result.has(k)) out.push({ name: k, value: v });
  for (const [k, v] of result) out.push({ name: k, value: v });
  return out;
}

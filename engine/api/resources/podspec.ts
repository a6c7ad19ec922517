/**
 * Defaults and validation for PodSpec, shared by Pods and every kind with a pod template
 * (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController), as
 * k8s.io/kubernetes/pkg/apis/core/v1/defaults.go and validation.go do.
 */
import type { StatusCause } from '../types.js';
import { isPlainObject } from '../types.js';
import { validateDNS1123Label, invalidValue } from '../validation.js';

type Obj = Record<string, unknown>;

function containersOf(spec: Obj, field: string): Obj[] {
  const v = spec[field];
  return Array.isArray(v) ? (v.filter(isPlainObject) as Obj[]) : [];
}

/** imagePullPolicy default: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: unknown): string {
  if (typeof image !== 'string') return 'IfNotPresent';
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const tag = last.includes(':') ? last.slice(last.indexOf(':') + 1) : '';
  return !tag || tag === 'latest' ? 'Always' : 'IfNotPresent';
}

function defaultContainer(c: Obj): void {
  c.imagePullPolicy ??= defaultPullPolicy(c.image);
  c.terminationMessagePath ??= '/dev/termination-log';
  c.terminationMessagePolicy ??= 'File';
  c.resources ??= {};
  const ports = c.ports;
  if (Array.isArray(ports)) for (const p of ports) if (isPlainObject(p)) p.protocol ??= 'TCP';
  for (const probe of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const pr = c[probe];
    if (!isPlainObject(pr)) continue;
    pr.timeoutSeconds ??= 1;
    pr.periodSeconds ??= 10;
    pr.successThreshold ??= 1;
    pr.failureThreshold ??= 3;
    if (isPlainObject(pr.httpGet)) {
      pr.httpGet.path ??= '/';
      pr.httpGet.scheme ??= 'HTTP';
    }
  }
  const env = c.env;
  if (Array.isArray(env)) {
    for (const e of env) {
      if (isPlainObject(e) && isPlainObject(e.valueFrom) && isPlainObject(e.valueFrom.fieldRef)) e.valueFrom.fieldRef.apiVersion ??= 'v1';
    }
  }
}

export function defaultPodSpec(spec: Obj): void {
  spec.restartPolicy ??= 'Always';
  spec.terminationGracePeriodSeconds ??= 30;
  spec.dnsPolicy ??= 'ClusterFirst';
  spec.securityContext ??= {};
  spec.schedulerName ??= 'default-scheduler';
  for (const c of containersOf(spec, 'containers')) defaultContainer(c);
  for (const c of containersOf(spec, 'initContainers')) defaultContainer(c);
  const vols = spec.volumes;
  if (Array.isArray(vols)) {
    for (const v of vols) {
      if (!isPlainObject(v)) continue;
      for (const kind of ['configMap', 'secret', 'downwardAPI', 'projected']) {
        const src = v[kind];
        if (isPlainObject(src)) src.defaultMode ??= 420;
      }
      if (isPlainObject(v.hostPath)) v.hostPath.type ??= '';
    }
  }
}

export function validatePodSpec(spec: unknown, path: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (!isPlainObject(spec)) return [{ reason: 'FieldValueRequired', field: path, message: 'Required value' }];
  const containers = spec.containers;
  if (!Array.isArray(containers) || containers.length === 0) {
    out.push({ reason: 'FieldValueRequired', field: `${path}.containers`, message: 'Required value' });
  }
  const names = new Set<string>();
  for (const field of ['initContainers', 'containers']) {
    const list = spec[field];
    if (list === undefined) continue;
    if (!Array.isArray(list)) {
      out.push(invalidValue(`${path}.${field}`, list, 'must be a list'));
      continue;
    }
    list.forEach((c, i) => {
      const p = `${path}.${field}[${i}]`;
      if (!isPlainObject(c)) {
        out.push(invalidValue(p, c, 'must be an object'));
        return;
      }
      if (typeof c.name !== 'string' || !c.name) out.push({ reason: 'FieldValueRequired', field: `${p}.name`, message: 'Required value' });
      else {
        for (const e of validateDNS1123Label(c.name)) out.push(invalidValue(`${p}.name`, c.name, e));
        if (names.has(c.name)) out.push({ reason: 'FieldValueDuplicate', field: `${p}.name`, message: `Duplicate value: "${c.name}"` });
        names.add(c.name);
      }
      if (typeof c.image !== 'string' || !c.image.trim()) out.push({ reason: 'FieldValueRequired', field: `${p}.image`, message: 'Required value' });
      const pol = c.imagePullPolicy;
      if (pol !== undefined && !['Always', 'IfNotPresent', 'Never'].includes(pol as string)) {
        out.push({ reason: 'FieldValueNotSupported', field: `${p}.imagePullPolicy`, message: `Unsupported value: ${JSON.stringify(pol)}: supported values: "Always", "IfNotPresent", "Never"` });
      }
      const ports = c.ports;
      if (Array.isArray(ports)) {
        ports.forEach((port, j) => {
          if (!isPlainObject(port)) return;
          const n = port.containerPort;
          if (typeof n !== 'number' || n < 1 || n > 65535 || !Number.isInteger(n)) {
            out.push(invalidValue(`${p}.ports[${j}].containerPort`, n, 'must be between 1 and 65535, inclusive'));
          }
        });
      }
    });
  }
  const rp = spec.restartPolicy;
  if (rp !== undefined && !['Always', 'OnFailure', 'Never'].includes(rp as string)) {
    out.push({ reason: 'FieldValueNotSupported', field: `${path}.restartPolicy`, message: `Unsupported value: ${JSON.stringify(rp)}: supported values: "Always", "OnFailure", "Never"` });
  }
  return out;
}

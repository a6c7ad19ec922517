/**
 * Small typed views over pod objects for the kubelet (pods arrive as untyped JSON) and the
 * helpers several kubelet files share: container lookup, object references for events, the
 * `name_namespace(uid)` format upstream's messages use.
 */
import type { KubeObject } from '../api/types.js';
import { isPlainObject } from '../api/types.js';
import type { ObjectReference } from '../events/recorder.js';

export type Obj = Record<string, unknown>;

export function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function arr(v: unknown): Obj[] {
  return Array.isArray(v) ? (v.filter(isPlainObject) as Obj[]) : [];
}

export function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** A container of the pod spec, with the fields the kubelet reads. */
export interface Container extends Obj {
  name: string;
  image?: string;
}

export function podSpec(pod: KubeObject): Obj {
  return obj(pod.spec);
}

export function containers(pod: KubeObject): Container[] {
  return arr(podSpec(pod).containers).filter((c): c is Container => typeof c.name === 'string');
}

export function initContainers(pod: KubeObject): Container[] {
  return arr(podSpec(pod).initContainers).filter((c): c is Container => typeof c.name === 'string');
}

/** A native sidecar: an init container with restartPolicy Always (KEP-753). */
export function isSidecar(c: Container): boolean {
  return c.restartPolicy === 'Always';
}

export function findContainer(pod: KubeObject, name: string): { container: Container; init: boolean } | undefined {
  const app = containers(pod).find((c) => c.name === name);
  if (app) return { container: app, init: false };
  const init = initContainers(pod).find((c) => c.name === name);
  return init ? { container: init, init: true } : undefined;
}

export function restartPolicy(pod: KubeObject): 'Always' | 'OnFailure' | 'Never' {
  const p = podSpec(pod).restartPolicy;
  return p === 'OnFailure' || p === 'Never' ? p : 'Always';
}

export function podUid(pod: KubeObject): string {
  return pod.metadata.uid ?? '';
}

export function podNamespace(pod: KubeObject): string {
  return pod.metadata.namespace ?? 'default';
}

export function podName(pod: KubeObject): string {
  return pod.metadata.name ?? '';
}

/** Upstream's format.Pod: `name_namespace(uid)`. */
export function formatPod(pod: KubeObject): string {
  return `${podName(pod)}_${podNamespace(pod)}(${podUid(pod)})`;
}

/** The pod's `kubectl`-style key. */
export function podKey(pod: KubeObject): string {
  return `${podNamespace(pod)}/${podName(pod)}`;
}

export function podRef(pod: KubeObject): ObjectReference {
  return { kind: 'Pod', namespace: podNamespace(pod), name: podName(pod), uid: podUid(pod), apiVersion: 'v1', resourceVersion: pod.metadata.resourceVersion };
}

/** The reference events about one container carry (fieldPath as upstream's GenerateContainerRef). */
export function containerRef(pod: KubeObject, name: string): ObjectReference {
  const init = initContainers(pod).some((c) => c.name === name) && !containers(pod).some((c) => c.name === name);
  return { ...podRef(pod), fieldPath: `${init ? 'spec.initContainers' : 'spec.containers'}{${name}}` };
}

/** Grace period for killing the pod's containers: the deletion's, else the spec's (default 30 s). */
export function gracePeriodSeconds(pod: KubeObject): number {
  const d = pod.metadata.deletionGracePeriodSeconds;
  if (typeof d === 'number') return Math.max(0, d);
  const s = num(podSpec(pod).terminationGracePeriodSeconds);
  return s === undefined ? 30 : Math.max(0, s);
}

export function isTerminalPhase(phase: unknown): boolean {
  return phase === 'Succeeded' || phase === 'Failed';
}

export function podPhase(pod: KubeObject): string | undefined {
  return str(obj(pod.status).phase);
}

/** RFC 3339 without fractions, as the API prints times. */
export function apiTime(ms: number | Date): string {
  return new Date(ms).toISOString().replace(/\.\d+Z$/, 'Z');
}

/**
 * Fixture builders for kubelet unit tests (upstream style: newPod(), newContainer()).
 */
import type { KubeObject } from '../api/types.js';
import type { ObservedContainer, ObservedPod, ObservedSandbox } from './observed.js';
import { sortObserved } from './observed.js';
import type { Container } from './podutil.js';

let seq = 0;

export function newPod(name: string, spec: Record<string, unknown>, extra: Partial<KubeObject['metadata']> = {}): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, ...extra },
    spec: { restartPolicy: 'Always', terminationGracePeriodSeconds: 30, nodeName: 'node1', ...spec },
    status: { phase: 'Pending' },
  };
}

export function container(name: string, extra: Record<string, unknown> = {}): Container {
  return { name, image: 'skiff-test/busybox:1', imagePullPolicy: 'IfNotPresent', ...extra };
}

export function running(name: string, attempt = 0, extra: Partial<ObservedContainer> = {}): ObservedContainer {
  seq++;
  return { id: `${name}-${attempt}-${seq}`, name, role: 'app', attempt, state: 'running', startedAt: 1000, createdAt: 1000 + attempt, image: 'skiff-test/busybox:1', imageId: 'sha256:abc', sandboxId: 'sb', ...extra };
}

export function exited(name: string, attempt: number, exitCode: number, extra: Partial<ObservedContainer> = {}): ObservedContainer {
  return running(name, attempt, { state: 'exited', exitCode, reason: exitCode === 0 ? 'Completed' : 'Error', finishedAt: 2000, ...extra });
}

export function sandbox(state: ObservedSandbox['state'] = 'running', attempt = 0): ObservedSandbox {
  return { id: 'sb', attempt, state, ip: state === 'running' ? '10.244.0.9' : undefined, createdAt: 500 };
}

export function observed(sandboxes: ObservedSandbox[], containers: ObservedContainer[]): ObservedPod {
  return sortObserved({ sandboxes, containers });
}

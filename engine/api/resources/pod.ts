/**
 * The Pod type as the engine's Go-free code reads it (a KubeObject with the fields controllers
 * and the API server look at), and the condition readers of upstream k8s.io/kubernetes/pkg/api/v1/pod.
 * Lives in the API layer because both the API server (the eviction subresource) and the
 * controllers need it; engine/controllers/shared/pods.ts re-exports it with the controller helpers.
 */
import type { KubeObject } from '../types.js';
import { isPlainObject } from '../types.js';

export interface PodCondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  lastProbeTime?: string | null;
  reason?: string;
  message?: string;
}

export interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  [k: string]: unknown;
}

export interface Pod extends KubeObject {
  spec?: {
    nodeName?: string;
    hostname?: string;
    subdomain?: string;
    containers?: { name: string; image?: string; ports?: { name?: string; containerPort: number; protocol?: string }[]; [k: string]: unknown }[];
    initContainers?: { name: string; image?: string; restartPolicy?: string; ports?: { name?: string; containerPort: number; protocol?: string }[]; [k: string]: unknown }[];
    [k: string]: unknown;
  };
  status?: {
    phase?: string;
    podIP?: string;
    podIPs?: { ip: string }[];
    conditions?: PodCondition[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
    [k: string]: unknown;
  };
}

export function podPhase(p: Pod): string {
  return (isPlainObject(p.status) && typeof p.status.phase === 'string' && p.status.phase) || '';
}

export function getPodCondition(p: Pod, type: string): PodCondition | undefined {
  const conds = isPlainObject(p.status) && Array.isArray(p.status.conditions) ? p.status.conditions : [];
  return conds.find((c) => isPlainObject(c) && c.type === type);
}

/** The Ready condition is True. */
export function isPodReady(p: Pod): boolean {
  return getPodCondition(p, 'Ready')?.status === 'True';
}


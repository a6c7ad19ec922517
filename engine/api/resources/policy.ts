/**
 * policy/v1 PodDisruptionBudget as the engine reads it, and which pods a budget covers. Shared by
 * the API server's eviction subresource (engine/apiserver/eviction.ts) and the disruption
 * controller (engine/controllers/disruption/), so it sits in the API layer both may import.
 */
import type { KubeObject } from '../types.js';
import { fromLabelSelector, matchesLabels, type LabelSelectorObject } from '../selectors.js';
import type { Pod } from './pod.js';

export interface PodDisruptionBudget extends KubeObject {
  spec?: {
    minAvailable?: number | string;
    maxUnavailable?: number | string;
    selector?: LabelSelectorObject | null;
    unhealthyPodEvictionPolicy?: 'IfHealthyBudget' | 'AlwaysAllow' | string;
  };
  status?: {
    observedGeneration?: number;
    disruptedPods?: Record<string, string>;
    disruptionsAllowed?: number;
    currentHealthy?: number;
    desiredHealthy?: number;
    expectedPods?: number;
    conditions?: { type: string; status: string; reason?: string; message?: string; lastTransitionTime?: string; observedGeneration?: number }[];
  };
}

/** Whether the budget selects the pod (a null selector selects nothing, an empty one all). */
export function pdbSelects(pdb: PodDisruptionBudget, pod: Pod): boolean {
  const sel = fromLabelSelector(pdb.spec?.selector ?? null);
  return sel !== null && matchesLabels(sel, pod.metadata.labels);
}

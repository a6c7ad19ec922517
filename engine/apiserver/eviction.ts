/**
 * What the pods/eviction subresource must do with PodDisruptionBudgets (upstream
 * pkg/registry/core/pod/storage/eviction.go), as a function the API server's eviction handler
 * calls before deleting the pod (the disruption controller, engine/controllers/disruption/, keeps
 * the budgets' status this spends):
 *
 *   checkEviction(client, pod, now)   // throws 429 / 500 / 403, or spends one disruption
 *   rest.delete(pod)
 *
 * - finished, pending or already-deleting pods, and pods no budget selects, go at once;
 * - more than one budget selecting the pod is an error (500), as upstream;
 * - a pod that is not Ready may go if the budget says AlwaysAllow, or (IfHealthyBudget, the
 *   default) if the budget is currently met;
 * - otherwise the budget must be up to date (observedGeneration) and allow a disruption: it is
 *   decremented and the pod recorded in status.disruptedPods (the disruption controller
 *   forgets it after two minutes if no deletion follows); if none is allowed the answer is
 *   429 "Cannot evict pod as it would violate the pod's disruption budget." — which
 *   `kubectl drain` retries every 5 s.
 */
import * as errors from '../api/errors.js';
import type { Status } from '../api/types.js';
import { isPodReady, type Pod } from '../api/resources/pod.js';
import { pdbSelects, type PodDisruptionBudget } from '../api/resources/policy.js';
import type { Client } from '../client/client.js';

/** A timestamp as metav1.Time serializes it (RFC 3339, whole seconds). */
function metaTime(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, 'Z');
}

/** upstream MaxDisruptedPodSize. */
export const MAX_DISRUPTED_POD_SIZE = 2000;

function tooManyRequests(message: string, cause?: string): errors.ApiError {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'TooManyRequests', code: 429 };
  if (cause) s.details = { causes: [{ reason: 'DisruptionBudget', message: cause }] };
  return new errors.ApiError(s);
}

/**
 * Checks the pod's disruption budget and records the eviction in it; throws the API error the
 * eviction must answer with. A no-op when the registry does not serve PodDisruptionBudgets.
 */
export function checkEviction(client: Client, pod: Pod, now: Date, opts: { dryRun?: boolean } = {}): void {
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || pod.metadata.deletionTimestamp) return;
  if (!client.registry.byGroupKind('policy', 'PodDisruptionBudget')) return;
  const pdbs = client.resource<PodDisruptionBudget>('policy', 'PodDisruptionBudget');
  for (let attempt = 0; attempt < 5; attempt++) {
    const matching = pdbs.list(pod.metadata.namespace).items.filter((b) => pdbSelects(b, pod));
    if (matching.length === 0) return;
    if (matching.length > 1) throw errors.internal('This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.');
    const pdb = structuredClone(matching[0]);
    const st = (pdb.status ??= {});
    if (!isPodReady(pod)) {
      if (pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow') return;
      if ((st.currentHealthy ?? 0) >= (st.desiredHealthy ?? 0) && (st.desiredHealthy ?? 0) > 0) return;
    }
    if ((st.observedGeneration ?? 0) < (pdb.metadata.generation ?? 0)) {
      throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", `The disruption budget ${pdb.metadata.name} is still being processed by the server.`);
    }
    const allowed = st.disruptionsAllowed ?? 0;
    if (allowed < 0) throw errors.forbidden(`poddisruptionbudgets.policy "${pdb.metadata.name}" is forbidden: pdb disruptions allowed is negative`);
    if (Object.keys(st.disruptedPods ?? {}).length > MAX_DISRUPTED_POD_SIZE) {
      throw errors.forbidden(`poddisruptionbudgets.policy "${pdb.metadata.name}" is forbidden: DisruptedPods map too big - too many evictions not confirmed by PDB controller`);
    }
    if (allowed === 0) {
      throw tooManyRequests(
        "Cannot evict pod as it would violate the pod's disruption budget.",
        `The disruption budget ${pdb.metadata.name} needs ${st.desiredHealthy ?? 0} healthy pods and has ${st.currentHealthy ?? 0} currently`,
      );
    }
    if (opts.dryRun) return;
    st.disruptionsAllowed = allowed - 1;
    if (st.disruptionsAllowed === 0) {
      st.conditions = [
        ...(st.conditions ?? []).filter((c) => c.type !== 'DisruptionAllowed'),
        { type: 'DisruptionAllowed', status: 'False', reason: 'InsufficientPods', message: '', lastTransitionTime: metaTime(now) },
      ];
    }
    st.disruptedPods = { ...(st.disruptedPods ?? {}), [pod.metadata.name as string]: metaTime(now) };
    try {
      pdbs.updateStatus(pdb);
      return;
    } catch (e) {
      if (e instanceof errors.ApiError && e.code === 409) continue; // the budget changed: look again
      throw e;
    }
  }
  throw tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 'too many conflicts updating the disruption budget');
}

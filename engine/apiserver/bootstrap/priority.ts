/**
 * scheduling.k8s.io PriorityClasses as kube-apiserver has them: the two system classes created
 * at start (poststarthook scheduling/bootstrap-system-priority-classes) and the Priority
 * admission plugin, which resolves a pod's priorityClassName to spec.priority and
 * spec.preemptionPolicy (a globalDefault class applies to pods naming none) and refuses pods
 * naming a class that does not exist.
 */
import * as errors from '../../api/errors.js';
import type { Registry } from '../../api/registry.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import { INTERNAL, type Rest } from '../rest.js';

export const SYSTEM_CLASSES: Record<string, { value: number; description: string }> = {
  'system-node-critical': { value: 2000001000, description: 'Used for system critical pods that must not be moved from their current node.' },
  'system-cluster-critical': { value: 2000000000, description: 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.' },
};

export function installPriorityClasses(rest: Rest, registry: Registry): void {
  const pc = registry.byGroupKind('scheduling.k8s.io', 'PriorityClass');
  if (!pc) return;
  for (const [name, c] of Object.entries(SYSTEM_CLASSES)) {
    if (rest.tryGet(pc, undefined, name)) continue;
    try {
      rest.create(pc, undefined, { apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name }, value: c.value, description: c.description, preemptionPolicy: 'PreemptLowerPriority' }, { fieldManager: INTERNAL });
    } catch (e) {
      console.error(`priority classes: ${(e as Error).message}`);
    }
  }
  rest.addAdmission((obj, _old, ctx) => {
    if (ctx.op !== 'create' || ctx.def.kind !== 'Pod' || ctx.def.group !== '') return;
    const spec = isPlainObject(obj.spec) ? obj.spec : undefined;
    if (!spec) return;
    let cls: KubeObject | undefined;
    const name = typeof spec.priorityClassName === 'string' ? spec.priorityClassName : '';
    if (name) {
      cls = rest.tryGet(pc, undefined, name)?.obj;
      if (!cls) throw errors.forbidden(`pods "${obj.metadata.name ?? obj.metadata.generateName ?? ''}" is forbidden: no PriorityClass with name ${name} was found`);
    } else {
      cls = rest.list(pc, undefined).items.map((e) => e.obj).find((o) => o.globalDefault === true);
      if (cls) spec.priorityClassName = cls.metadata.name;
    }
    if (!cls) return;
    if (typeof spec.priority === 'number' && spec.priority !== 0 && spec.priority !== cls.value) {
      throw errors.forbidden(`pods "${obj.metadata.name ?? ''}" is forbidden: the integer value of priority (${spec.priority}) must not be provided in pod spec; priority admission controller computed ${String(cls.value)} from the given PriorityClass name`);
    }
    if (typeof cls.value === 'number') spec.priority = cls.value;
    if (typeof cls.preemptionPolicy === 'string') spec.preemptionPolicy = cls.preemptionPolicy;
  });
}

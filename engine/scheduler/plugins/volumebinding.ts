/**
 * VolumeBinding (basic; upstream plugins/volumebinding): a pod's PersistentVolumeClaims.
 *
 * PreFilter (rejects the pod on every node, "unresolvable" — preemption can't help):
 *   - a claim that doesn't exist: `persistentvolumeclaim "x" not found`; one being deleted:
 *     `persistentvolumeclaim "x" is being deleted`; a generic ephemeral volume's claim that the
 *     pod doesn't own: `PVC ns/x was not created for pod ns/p (pod is not owner)`;
 *   - an unbound claim whose class binds Immediately (or has no class): "pod has unbound
 *     immediate PersistentVolumeClaims" — the PV controller / provisioner binds it first, and
 *     the claim's update moves the pod back to the queue.
 * Filter: a bound claim's PersistentVolume must exist ("node(s) unavailable due to one or more
 * pvc(s) bound to non-existent pv(s)") and its spec.nodeAffinity must match the node ("node(s)
 * had volume node affinity conflict"). This is what keeps a pod on the node that holds its
 * local-path volume: Skiff's provisioner (engine/kubelet/localpath.ts) binds Immediately and
 * pins each PV to the engine's node with `kubernetes.io/hostname In [<node>]`.
 * WaitForFirstConsumer claims don't restrict the node; PreBind writes the chosen node into the
 * claim's `volume.kubernetes.io/selected-node` annotation, the handshake external provisioners
 * follow. Not done: matching unbound claims against static PVs per node, waiting in PreBind for
 * the claim to be bound, VolumeRestrictions, VolumeZone, NodeVolumeLimits.
 */
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import { Status, type ClusterEvent, type CycleState, type FilterPlugin, type FrameworkHandle, type PreBindPlugin, type PreFilterPlugin, type Result } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { NodeSelectorTerm, PodInfo } from '../framework/podinfo.js';
import { matchTerm } from '../util/nodeaffinity.js';

export const NAME = 'VolumeBinding';
export const ERR_REASON_UNBOUND_IMMEDIATE = 'pod has unbound immediate PersistentVolumeClaims';
export const ERR_REASON_NODE_CONFLICT = 'node(s) had volume node affinity conflict';
export const ERR_REASON_PV_NOT_EXIST = 'node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)';
export const SELECTED_NODE_ANNOTATION = 'volume.kubernetes.io/selected-node';

const PRE_FILTER_KEY = `PreFilter${NAME}`;

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return isPlainObject(v) ? v : {};
}

interface FilterState {
  /** Required node affinity terms of each bound PV (undefined entries = no constraint). */
  pvTerms: NodeSelectorTerm[][];
  pvMissing: boolean;
  /** Unbound WaitForFirstConsumer claims, annotated in PreBind. */
  delayed: string[];
}

/** The claim's owner check for generic ephemeral volumes (upstream ephemeral.VolumeIsForPod). */
function ownedBy(pvc: KubeObject, pod: PodInfo): boolean {
  return (pvc.metadata.ownerReferences ?? []).some((r) => r.controller === true && r.uid === pod.uid);
}

export class VolumeBinding implements PreFilterPlugin, FilterPlugin, PreBindPlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeLabel', 'PvcAdd', 'PvcUpdate', 'PvAdd', 'PvUpdate', 'StorageClassAdd'];

  constructor(private readonly handle: Pick<FrameworkHandle, 'pvc' | 'pv' | 'storageClass' | 'setClaimSelectedNode'>) {}

  preFilter(state: CycleState, pod: PodInfo): { status: Result } {
    if (pod.claims.length === 0) return { status: Status.SKIP };
    const st: FilterState = { pvTerms: [], pvMissing: false, delayed: [] };
    let unboundImmediate = false;
    for (const c of pod.claims) {
      const pvc = this.handle.pvc(pod.namespace, c.name);
      if (!pvc) return { status: Status.unresolvable(`persistentvolumeclaim "${c.name}" not found`) };
      if (pvc.metadata.deletionTimestamp) return { status: Status.unresolvable(`persistentvolumeclaim "${c.name}" is being deleted`) };
      if (c.ephemeral && !ownedBy(pvc, pod)) return { status: Status.unresolvable(`PVC ${pod.namespace}/${c.name} was not created for pod ${pod.namespace}/${pod.name} (pod is not owner)`) };
      const spec = obj(pvc.spec);
      const volumeName = typeof spec.volumeName === 'string' ? spec.volumeName : '';
      if (volumeName) {
        const pv = this.handle.pv(volumeName);
        if (!pv) {
          st.pvMissing = true;
          continue;
        }
        const required = obj(obj(obj(pv.spec).nodeAffinity).required);
        if (Array.isArray(required.nodeSelectorTerms)) st.pvTerms.push(required.nodeSelectorTerms.filter(isPlainObject) as NodeSelectorTerm[]);
        continue;
      }
      const className = typeof spec.storageClassName === 'string' ? spec.storageClassName : '';
      const cls = className ? this.handle.storageClass(className) : undefined;
      if (cls && (cls as Obj).volumeBindingMode === 'WaitForFirstConsumer') st.delayed.push(c.name);
      else unboundImmediate = true;
    }
    if (unboundImmediate) return { status: Status.unresolvable(ERR_REASON_UNBOUND_IMMEDIATE) };
    state.write(PRE_FILTER_KEY, st);
    return { status: null };
  }

  filter(state: CycleState, _pod: PodInfo, node: NodeInfo): Result {
    const st = state.read<FilterState>(PRE_FILTER_KEY);
    if (!st) return null;
    if (st.pvMissing) return Status.unresolvable(ERR_REASON_PV_NOT_EXIST);
    for (const terms of st.pvTerms) {
      // Terms are ORed; an empty list selects no node (as upstream's CheckNodeAffinity).
      if (!terms.some((t) => matchTerm(t, node.labels, node.name))) return Status.unresolvable(ERR_REASON_NODE_CONFLICT);
    }
    return null;
  }

  preBind(state: CycleState, pod: PodInfo, nodeName: string): Result {
    const st = state.read<FilterState>(PRE_FILTER_KEY);
    if (!st) return null;
    for (const name of st.delayed) {
      try {
        this.handle.setClaimSelectedNode(pod.namespace, name, nodeName);
      } catch (e) {
        return Status.error(`setting ${SELECTED_NODE_ANNOTATION} on claim ${pod.namespace}/${name}: ${(e as Error).message}`);
      }
    }
    return null;
  }
}

export const newVolumeBinding = (h: FrameworkHandle): VolumeBinding => new VolumeBinding(h);

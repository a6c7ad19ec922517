/**
 * ImageLocality: prefers nodes that already hold the pod's images (node.status.images), scaled
 * by how widely each image is spread so one node holding it doesn't attract every pod.
 */
import { MAX_NODE_SCORE, Status, type ClusterEvent, type CycleState, type FrameworkHandle, type PreScorePlugin, type Result, type ScorePlugin } from '../framework/types.js';
import type { NodeInfo } from '../framework/nodeinfo.js';
import type { PodInfo } from '../framework/podinfo.js';

export const NAME = 'ImageLocality';
const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

export class ImageLocality implements PreScorePlugin, ScorePlugin {
  readonly name = NAME;
  readonly events: readonly ClusterEvent[] = ['NodeAdd', 'NodeImages'];

  constructor(private readonly handle: FrameworkHandle) {}

  preScore(_state: CycleState, pod: PodInfo): Result {
    for (const img of pod.images) if (this.handle.imageNodeCount(img) > 0) return null;
    return Status.SKIP;
  }

  score(_state: CycleState, pod: PodInfo, node: NodeInfo): number {
    if (node.images.size === 0) return 0;
    const total = this.handle.nodes().length || 1;
    let sum = 0;
    for (const img of new Set(pod.images)) {
      const size = node.images.get(img);
      if (size === undefined) continue;
      sum += size * (this.handle.imageNodeCount(img) / total);
    }
    const maxThreshold = MAX_CONTAINER_THRESHOLD * Math.max(1, pod.images.length);
    const clamped = Math.min(Math.max(sum, MIN_THRESHOLD), maxThreshold);
    return Math.floor((MAX_NODE_SCORE * (clamped - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
  }
}

export const newImageLocality = (h: FrameworkHandle): ImageLocality => new ImageLocality(h);

/**
 * The plugin registry: name → factory (upstream plugins/registry.go), and the default profile
 * — which plugins run, in which order, with which score weights (upstream's defaults).
 */
import type { FrameworkHandle, Plugin, PluginFactory } from '../framework/types.js';
import { newBalancedAllocation } from './balancedallocation.js';
import { newDefaultPreemption } from './defaultpreemption.js';
import { newImageLocality } from './imagelocality.js';
import { newInterPodAffinity } from './interpodaffinity.js';
import { newNodeAffinity } from './nodeaffinity.js';
import { newNodeName } from './nodename.js';
import { newNodePorts } from './nodeports.js';
import { newNodeResourcesFit } from './noderesourcesfit.js';
import { newNodeUnschedulable } from './nodeunschedulable.js';
import { newPodTopologySpread } from './podtopologyspread.js';
import { newTaintToleration } from './tainttoleration.js';
import { newVolumeBinding } from './volumebinding.js';

export const REGISTRY: Record<string, PluginFactory> = {
  NodeName: () => newNodeName(),
  NodeUnschedulable: () => newNodeUnschedulable(),
  TaintToleration: () => newTaintToleration(),
  NodeAffinity: () => newNodeAffinity(),
  NodePorts: () => newNodePorts(),
  NodeResourcesFit: () => newNodeResourcesFit(),
  NodeResourcesBalancedAllocation: () => newBalancedAllocation(),
  VolumeBinding: (h: FrameworkHandle) => newVolumeBinding(h),
  PodTopologySpread: (h: FrameworkHandle) => newPodTopologySpread(h),
  InterPodAffinity: (h: FrameworkHandle) => newInterPodAffinity(h),
  ImageLocality: (h: FrameworkHandle) => newImageLocality(h),
  DefaultPreemption: (h: FrameworkHandle) => newDefaultPreemption(h),
};

export interface Profile {
  schedulerName: string;
  /** Plugin names in extension-point order (filters run in this order; the first failure wins). */
  plugins: string[];
  /** Score weights by plugin name; plugins with a Score but no weight get 1. */
  scoreWeights: Record<string, number>;
}

export const DEFAULT_PROFILE: Profile = {
  schedulerName: 'default-scheduler',
  plugins: [
    'NodeUnschedulable',
    'NodeName',
    'TaintToleration',
    'NodeAffinity',
    'NodePorts',
    'NodeResourcesFit',
    'VolumeBinding',
    'PodTopologySpread',
    'InterPodAffinity',
    'DefaultPreemption',
    'NodeResourcesBalancedAllocation',
    'ImageLocality',
  ],
  scoreWeights: {
    TaintToleration: 3,
    NodeAffinity: 2,
    PodTopologySpread: 2,
    InterPodAffinity: 2,
    NodeResourcesFit: 1,
    NodeResourcesBalancedAllocation: 1,
    ImageLocality: 1,
  },
};

export function buildPlugins(profile: Profile, handle: FrameworkHandle): Plugin[] {
  return profile.plugins.map((name) => {
    const f = REGISTRY[name];
    if (!f) throw new Error(`unknown scheduler plugin ${name}`);
    return f(handle);
  });
}

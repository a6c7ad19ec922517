/**
 * Runs one profile's plugins at each extension point (upstream framework/runtime/framework.go).
 * Filters stop at the first failing plugin for a node, as upstream does; that plugin's reasons
 * are what FailedScheduling counts.
 */
import type { NodeInfo } from './nodeinfo.js';
import type { PodInfo } from './podinfo.js';
import {
  CycleState,
  Status,
  isFilter,
  isPostFilter,
  isPreBind,
  isPreFilter,
  isPreScore,
  isScore,
  type FilterPlugin,
  type Plugin,
  type PostFilterPlugin,
  type PostFilterResult,
  type PreBindPlugin,
  type PreFilterPlugin,
  type PreScorePlugin,
  type Result,
  type ScorePlugin,
} from './types.js';

export interface PreFilterOutcome {
  status: Result;
  /** Nodes the pod is limited to (intersection of plugin results); undefined = all. */
  nodeNames?: Set<string>;
  /** Plugins that limited the nodes (for "node(s) didn't satisfy plugin(s) [...]"). */
  limitedBy?: string[];
}

export class Framework {
  readonly preFilters: PreFilterPlugin[];
  readonly filters: FilterPlugin[];
  readonly postFilters: PostFilterPlugin[];
  readonly preScores: PreScorePlugin[];
  readonly scores: { plugin: ScorePlugin; weight: number }[];
  readonly preBinds: PreBindPlugin[];

  constructor(
    readonly schedulerName: string,
    readonly plugins: Plugin[],
    weights: Record<string, number>,
  ) {
    this.preFilters = plugins.filter(isPreFilter);
    this.filters = plugins.filter(isFilter);
    this.postFilters = plugins.filter(isPostFilter);
    this.preScores = plugins.filter(isPreScore);
    this.preBinds = plugins.filter(isPreBind);
    this.scores = plugins.filter(isScore).map((plugin) => ({ plugin, weight: weights[plugin.name] ?? 1 }));
  }

  runPreFilters(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): PreFilterOutcome {
    let nodeNames: Set<string> | undefined;
    const limitedBy: string[] = [];
    for (const p of this.preFilters) {
      const { status, result } = p.preFilter(state, pod, nodes);
      if (status?.code === 'Skip') {
        state.skipFilter.add(p.name);
        continue;
      }
      if (status && status.code !== 'Success') {
        status.plugin = p.name;
        return { status };
      }
      if (result?.nodeNames) {
        limitedBy.push(p.name);
        nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => result.nodeNames?.has(n))) : new Set(result.nodeNames);
      }
    }
    return { status: null, nodeNames, limitedBy: limitedBy.sort() };
  }

  /** All filters for one node; the first failure is returned with its plugin name. */
  runFilters(state: CycleState, pod: PodInfo, node: NodeInfo): Result {
    for (const p of this.filters) {
      if (state.skipFilter.size && state.skipFilter.has(p.name)) continue;
      const st = p.filter(state, pod, node);
      if (st && st.code !== 'Success') {
        st.plugin = p.name;
        return st;
      }
    }
    return null;
  }

  runPostFilters(state: CycleState, pod: PodInfo, statuses: ReadonlyMap<string, Status>): PostFilterResult | undefined {
    let last: PostFilterResult | undefined;
    for (const p of this.postFilters) {
      const r = p.postFilter(state, pod, statuses);
      if (r.status.code === 'Success') return r;
      last = r;
    }
    return last;
  }

  /** PreBind plugins in order; the first failure stops the binding. */
  runPreBinds(state: CycleState, pod: PodInfo, nodeName: string): Result {
    for (const p of this.preBinds) {
      const st = p.preBind(state, pod, nodeName);
      if (st && st.code !== 'Success') {
        st.plugin = p.name;
        return st;
      }
    }
    return null;
  }

  /** Weighted, normalized scores of `nodes` (same order). */
  runScores(state: CycleState, pod: PodInfo, nodes: readonly NodeInfo[]): number[] {
    for (const p of this.preScores) {
      const st = p.preScore(state, pod, nodes);
      if (st?.code === 'Skip') state.skipScore.add(p.name);
    }
    const total = new Array<number>(nodes.length).fill(0);
    const scratch = new Array<number>(nodes.length);
    for (const { plugin, weight } of this.scores) {
      if (state.skipScore.has(plugin.name)) continue;
      for (let i = 0; i < nodes.length; i++) scratch[i] = plugin.score(state, pod, nodes[i]);
      plugin.normalizeScores?.(state, pod, scratch);
      for (let i = 0; i < nodes.length; i++) total[i] += scratch[i] * weight;
    }
    return total;
  }
}

export { CycleState, Status };

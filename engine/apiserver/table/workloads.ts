// Workload controllers: ReplicationController, ReplicaSet, Deployment,
// StatefulSet, DaemonSet, ControllerRevision, Job, CronJob,
// HorizontalPodAutoscaler and PodDisruptionBudget.

import { humanDuration, parseTime, since } from './duration.js';
import { DOC } from './descriptions.js';
import {
  ageColumn,
  column,
  containerCells,
  containersColumn,
  formatLabelSelector,
  formatLabels,
  imagesColumn,
  int,
  intOrString,
  list,
  meta,
  nameColumn,
  selectorString,
  text,
  view,
  type Json,
  type LabelSelector,
  type PodTemplateSpec,
} from './format.js';
import { formatQuantity } from './quantity.js';
import type { Cell, Printer } from './types.js';

/** Unset replicas are defaulted to 1 by the v1 APIs, so that is what a stored object means. */
function desired(v: unknown): number {
  return typeof v === 'number' ? Math.trunc(v) : 1;
}

interface Scalable {
  spec?: { replicas?: number; selector?: LabelSelector; template?: PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number; updatedReplicas?: number; availableReplicas?: number };
}

// ---- ReplicationController ---------------------------------------------------

interface ReplicationController {
  spec?: { replicas?: number; selector?: Record<string, string>; template?: PodTemplateSpec };
  status?: { replicas?: number; readyReplicas?: number };
}

export const replicationControllerPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', DOC['ReplicationControllerSpec.replicas']),
    column('Current', 'integer', DOC['ReplicationControllerStatus.replicas']),
    column('Ready', 'integer', DOC['ReplicationControllerStatus.readyReplicas']),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', DOC['ReplicationControllerSpec.selector'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const rc = view<ReplicationController>(obj);
    const [names, images] = containerCells(rc.spec?.template?.spec?.containers);
    return [
      text(meta(obj).name),
      desired(rc.spec?.replicas),
      int(rc.status?.replicas),
      int(rc.status?.readyReplicas),
      since(meta(obj).creationTimestamp, ctx.now),
      names,
      images,
      formatLabels(rc.spec?.selector),
    ];
  },
};

// ---- ReplicaSet ----------------------------------------------------------------

export const replicaSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', DOC['ReplicaSetSpec.replicas']),
    column('Current', 'integer', DOC['ReplicaSetStatus.replicas']),
    column('Ready', 'integer', DOC['ReplicaSetStatus.readyReplicas']),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', DOC['ReplicaSetSpec.selector'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const rs = view<Scalable>(obj);
    const [names, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      text(meta(obj).name),
      desired(rs.spec?.replicas),
      int(rs.status?.replicas),
      int(rs.status?.readyReplicas),
      since(meta(obj).creationTimestamp, ctx.now),
      names,
      images,
      formatLabelSelector(rs.spec?.selector),
    ];
  },
};

// ---- Deployment ------------------------------------------------------------------

export const deploymentPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    column('Up-to-date', 'string', DOC['DeploymentStatus.updatedReplicas']),
    column('Available', 'string', DOC['DeploymentStatus.availableReplicas']),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', DOC['DeploymentSpec.selector'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const d = view<Scalable>(obj);
    const [names, images] = containerCells(d.spec?.template?.spec?.containers);
    // Unlike the other printers, Deployment shows "" (not "<none>") for an empty selector.
    const selector = selectorString(d.spec?.selector) ?? '<invalid>';
    return [
      text(meta(obj).name),
      `${int(d.status?.readyReplicas)}/${desired(d.spec?.replicas)}`,
      int(d.status?.updatedReplicas),
      int(d.status?.availableReplicas),
      since(meta(obj).creationTimestamp, ctx.now),
      names,
      images,
      selector,
    ];
  },
};

// ---- StatefulSet -------------------------------------------------------------------

export const statefulSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'Number of the pod with ready state'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
  ],
  cells(obj, ctx) {
    const s = view<Scalable>(obj);
    const [names, images] = containerCells(s.spec?.template?.spec?.containers);
    return [
      text(meta(obj).name),
      `${int(s.status?.readyReplicas)}/${desired(s.spec?.replicas)}`,
      since(meta(obj).creationTimestamp, ctx.now),
      names,
      images,
    ];
  },
};

// ---- DaemonSet -----------------------------------------------------------------------

interface DaemonSet {
  spec?: { selector?: LabelSelector; template?: PodTemplateSpec };
  status?: {
    desiredNumberScheduled?: number;
    currentNumberScheduled?: number;
    numberReady?: number;
    updatedNumberScheduled?: number;
    numberAvailable?: number;
  };
}

export const daemonSetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Desired', 'integer', DOC['DaemonSetStatus.desiredNumberScheduled']),
    column('Current', 'integer', DOC['DaemonSetStatus.currentNumberScheduled']),
    column('Ready', 'integer', DOC['DaemonSetStatus.numberReady']),
    column('Up-to-date', 'integer', DOC['DaemonSetStatus.updatedNumberScheduled']),
    column('Available', 'integer', DOC['DaemonSetStatus.numberAvailable']),
    column('Node Selector', 'string', DOC['PodSpec.nodeSelector']),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', DOC['DaemonSetSpec.selector'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const ds = view<DaemonSet>(obj);
    const st = ds.status ?? {};
    const [names, images] = containerCells(ds.spec?.template?.spec?.containers);
    return [
      text(meta(obj).name),
      int(st.desiredNumberScheduled),
      int(st.currentNumberScheduled),
      int(st.numberReady),
      int(st.updatedNumberScheduled),
      int(st.numberAvailable),
      formatLabels(ds.spec?.template?.spec?.nodeSelector),
      since(meta(obj).creationTimestamp, ctx.now),
      names,
      images,
      formatLabelSelector(ds.spec?.selector),
    ];
  },
};

// ---- ControllerRevision -----------------------------------------------------------------

export const controllerRevisionPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Controller', 'string', 'Controller of the object'),
    column('Revision', 'string', DOC['ControllerRevision.revision']),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const owner = list(meta(obj).ownerReferences).find((r) => r.controller === true);
    let controller = '<none>';
    if (owner) {
      // formatResourceName(GroupKind, name, withKind=true): "daemonset.apps/name".
      const apiVersion = text(owner.apiVersion);
      const group = apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.indexOf('/')) : '';
      const kind = text(owner.kind);
      const groupKind = group === '' ? kind : `${kind}.${group}`;
      controller = groupKind === '' ? text(owner.name) : `${groupKind.toLowerCase()}/${text(owner.name)}`;
    }
    return [text(meta(obj).name), controller, int(obj['revision']), since(meta(obj).creationTimestamp, ctx.now)];
  },
};

// ---- Job ----------------------------------------------------------------------------------

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
}

interface Job {
  spec?: { completions?: number; parallelism?: number; selector?: LabelSelector; template?: PodTemplateSpec };
  status?: { succeeded?: number; startTime?: string; completionTime?: string; conditions?: Condition[] };
}

/** hasJobCondition: the first condition of that type decides. */
function hasCondition(conds: Condition[] | undefined, type: string): boolean {
  const c = list(conds).find((x) => x.type === type);
  return c !== undefined && c.status === 'True';
}

export const jobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Status', 'string', 'Status of the job.'),
    column('Completions', 'string', DOC['JobStatus.succeeded']),
    column('Duration', 'string', 'Time required to complete the job.'),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', DOC['JobSpec.selector'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const job = view<Job>(obj);
    const spec = job.spec ?? {};
    const st = job.status ?? {};
    const succeeded = int(st.succeeded);
    let completions: string;
    if (typeof spec.completions === 'number') {
      completions = `${succeeded}/${int(spec.completions)}`;
    } else {
      // Work-queue jobs (no completions) show their parallelism instead.
      const parallelism = int(spec.parallelism);
      completions = parallelism > 1 ? `${succeeded}/1 of ${parallelism}` : `${succeeded}/1`;
    }
    let duration = '';
    const start = parseTime(st.startTime);
    const end = parseTime(st.completionTime);
    if (start !== undefined) duration = humanDuration((end ?? ctx.now.getTime()) - start);

    let status: string;
    const conds = st.conditions;
    if (hasCondition(conds, 'Complete')) status = 'Complete';
    else if (hasCondition(conds, 'Failed')) status = 'Failed';
    else if (meta(obj).deletionTimestamp) status = 'Terminating';
    else if (hasCondition(conds, 'Suspended')) status = 'Suspended';
    else if (hasCondition(conds, 'FailureTarget')) status = 'FailureTarget';
    else status = 'Running';

    const [names, images] = containerCells(spec.template?.spec?.containers);
    return [
      text(meta(obj).name),
      status,
      completions,
      duration,
      since(meta(obj).creationTimestamp, ctx.now),
      names,
      images,
      formatLabelSelector(spec.selector),
    ];
  },
};

// ---- CronJob --------------------------------------------------------------------------------

interface CronJob {
  spec?: {
    schedule?: string;
    timeZone?: string;
    suspend?: boolean;
    jobTemplate?: { spec?: { selector?: LabelSelector; template?: PodTemplateSpec } };
  };
  status?: { active?: unknown[]; lastScheduleTime?: string };
}

/** printBoolPtr: the SUSPEND cell is a string even though its column says boolean. */
function boolPtr(v: unknown): string {
  if (typeof v !== 'boolean') return '<unset>';
  return v ? 'True' : 'False';
}

export const cronJobPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Schedule', 'string', DOC['CronJobSpec.schedule']),
    column('Timezone', 'string', DOC['CronJobSpec.timeZone']),
    column('Suspend', 'boolean', DOC['CronJobSpec.suspend']),
    column('Active', 'integer', DOC['CronJobStatus.active']),
    column('Last Schedule', 'string', DOC['CronJobStatus.lastScheduleTime']),
    ageColumn(),
    containersColumn(),
    imagesColumn(),
    column('Selector', 'string', DOC['JobSpec.selector'], { priority: 1 }),
  ],
  cells(obj, ctx) {
    const cj = view<CronJob>(obj);
    const spec = cj.spec ?? {};
    const lastSchedule = cj.status?.lastScheduleTime;
    const [names, images] = containerCells(spec.jobTemplate?.spec?.template?.spec?.containers);
    return [
      text(meta(obj).name),
      text(spec.schedule),
      typeof spec.timeZone === 'string' ? spec.timeZone : '<none>',
      boolPtr(spec.suspend),
      list(cj.status?.active).length,
      lastSchedule ? since(lastSchedule, ctx.now) : '<none>',
      since(meta(obj).creationTimestamp, ctx.now),
      names,
      images,
      formatLabelSelector(spec.jobTemplate?.spec?.selector),
    ];
  },
};

// ---- HorizontalPodAutoscaler -------------------------------------------------------------------

interface MetricTarget {
  type?: string;
  value?: unknown;
  averageValue?: unknown;
  averageUtilization?: number;
}

interface MetricValue {
  value?: unknown;
  averageValue?: unknown;
  averageUtilization?: number;
}

interface MetricSpec {
  type?: string;
  resource?: { name?: string; target?: MetricTarget };
  containerResource?: { name?: string; container?: string; target?: MetricTarget };
  pods?: { target?: MetricTarget };
  object?: { target?: MetricTarget };
  external?: { target?: MetricTarget };
}

interface MetricStatus {
  type?: string;
  resource?: { name?: string; current?: MetricValue };
  containerResource?: { name?: string; current?: MetricValue };
  pods?: { current?: MetricValue };
  object?: { current?: MetricValue };
  external?: { current?: MetricValue };
}

interface HPA {
  spec?: {
    scaleTargetRef?: { kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: MetricSpec[];
    /** autoscaling/v1 */
    targetCPUUtilizationPercentage?: number;
  };
  status?: {
    currentReplicas?: number;
    currentMetrics?: MetricStatus[];
    /** autoscaling/v1 */
    currentCPUUtilizationPercentage?: number;
  };
}

/** (*Quantity).String() on a possibly-nil pointer: Go prints "<nil>". */
function qty(v: unknown): string {
  return v === undefined || v === null ? '<nil>' : formatQuantity(v);
}

/** The metrics an HPA is evaluated with, whichever API version stored it. */
function hpaMetrics(hpa: HPA): { specs: MetricSpec[]; statuses: MetricStatus[] } {
  let specs = list(hpa.spec?.metrics);
  let statuses = list(hpa.status?.currentMetrics);
  if (specs.length === 0) {
    // v1 objects carry one CPU target; absent metrics are defaulted to 80% CPU by autoscaling/v2.
    const target = hpa.spec?.targetCPUUtilizationPercentage;
    specs = [
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: typeof target === 'number' ? target : 80 } } },
    ];
  }
  const currentCPU = hpa.status?.currentCPUUtilizationPercentage;
  if (statuses.length === 0 && typeof currentCPU === 'number') {
    statuses = [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: currentCPU } } }];
  }
  return { specs, statuses };
}

/** formatHPAMetrics: "cpu: 20%/50%", "<unknown>" before the first scrape, at most 2 then "+ N more...". */
export function formatHPAMetrics(specs: MetricSpec[], statuses: MetricStatus[]): string {
  if (specs.length === 0) return '<none>';
  const items: string[] = [];
  const max = 2;
  specs.forEach((spec, i) => {
    const st = statuses[i];
    switch (spec.type) {
      case 'External': {
        const target = spec.external?.target ?? {};
        if (target.averageValue !== undefined && target.averageValue !== null) {
          const cur = st?.external?.current?.averageValue;
          const current = st?.external && cur !== undefined && cur !== null ? formatQuantity(cur) : '<unknown>';
          items.push(`${current}/${formatQuantity(target.averageValue)} (avg)`);
        } else {
          const current = st?.external ? qty(st.external.current?.value) : '<unknown>';
          items.push(`${current}/${qty(target.value)}`);
        }
        break;
      }
      case 'Pods': {
        const current = st?.pods ? qty(st.pods.current?.averageValue) : '<unknown>';
        items.push(`${current}/${qty(spec.pods?.target?.averageValue)}`);
        break;
      }
      case 'Object': {
        const target = spec.object?.target ?? {};
        if (target.averageValue !== undefined && target.averageValue !== null) {
          const cur = st?.object?.current?.averageValue;
          const current = st?.object && cur !== undefined && cur !== null ? formatQuantity(cur) : '<unknown>';
          items.push(`${current}/${formatQuantity(target.averageValue)} (avg)`);
        } else {
          const current = st?.object ? qty(st.object.current?.value) : '<unknown>';
          items.push(`${current}/${qty(target.value)}`);
        }
        break;
      }
      case 'Resource':
      case 'ContainerResource': {
        const isContainer = spec.type === 'ContainerResource';
        const source = isContainer ? spec.containerResource : spec.resource;
        const status = isContainer ? st?.containerResource : st?.resource;
        const target = source?.target ?? {};
        const resourceName = text(source?.name);
        if (target.averageValue !== undefined && target.averageValue !== null) {
          const current = status ? qty(status.current?.averageValue) : '<unknown>';
          items.push(`${resourceName}: ${current}/${formatQuantity(target.averageValue)}`);
        } else {
          const util = status?.current?.averageUtilization;
          const current = typeof util === 'number' ? `${Math.trunc(util)}%` : '<unknown>';
          const goal = typeof target.averageUtilization === 'number' ? `${Math.trunc(target.averageUtilization)}%` : '<auto>';
          items.push(`${resourceName}: ${current}/${goal}`);
        }
        break;
      }
      default:
        items.push('<unknown type>');
    }
  });
  const count = items.length;
  if (count > max) return `${items.slice(0, max).join(', ')} + ${count - max} more...`;
  return items.join(', ');
}

export const horizontalPodAutoscalerPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Reference', 'string', DOC['HorizontalPodAutoscalerSpec.scaleTargetRef']),
    column('Targets', 'string', DOC['HorizontalPodAutoscalerSpec.metrics']),
    column('MinPods', 'string', DOC['HorizontalPodAutoscalerSpec.minReplicas']),
    column('MaxPods', 'string', DOC['HorizontalPodAutoscalerSpec.maxReplicas']),
    column('Replicas', 'string', DOC['HorizontalPodAutoscalerStatus.currentReplicas']),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const hpa = view<HPA>(obj);
    const ref = hpa.spec?.scaleTargetRef ?? {};
    const { specs, statuses } = hpaMetrics(hpa);
    const min = hpa.spec?.minReplicas;
    const cells: Cell[] = [
      text(meta(obj).name),
      `${text(ref.kind)}/${text(ref.name)}`,
      formatHPAMetrics(specs, statuses),
      typeof min === 'number' ? String(Math.trunc(min)) : '<unset>',
      int(hpa.spec?.maxReplicas),
      int(hpa.status?.currentReplicas),
      since(meta(obj).creationTimestamp, ctx.now),
    ];
    return cells;
  },
};

// ---- PodDisruptionBudget ---------------------------------------------------------------------------

interface PDB {
  spec?: { minAvailable?: unknown; maxUnavailable?: unknown };
  status?: { disruptionsAllowed?: number };
}

export const podDisruptionBudgetPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Min Available', 'string', 'The minimum number of pods that must be available.'),
    column('Max Unavailable', 'string', 'The maximum number of pods that may be unavailable.'),
    column('Allowed Disruptions', 'integer', 'Calculated number of pods that may be disrupted at this time.'),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const pdb = view<PDB>(obj);
    const present = (v: unknown): boolean => v !== undefined && v !== null;
    return [
      text(meta(obj).name),
      present(pdb.spec?.minAvailable) ? intOrString(pdb.spec?.minAvailable) : 'N/A',
      present(pdb.spec?.maxUnavailable) ? intOrString(pdb.spec?.maxUnavailable) : 'N/A',
      int(pdb.status?.disruptionsAllowed),
      since(meta(obj).creationTimestamp, ctx.now),
    ];
  },
};

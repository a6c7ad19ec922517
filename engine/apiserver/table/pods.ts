// Pod and PodTemplate printers (printPod / printPodTemplate upstream). printPod
// is the most intricate one: STATUS folds phase, init progress, container
// waiting/terminated reasons and deletion into the one word kubectl shows.

import { humanDuration, since } from './duration.js';
import { DOC } from './descriptions.js';
import {
  ageColumn,
  column,
  containerCells,
  formatLabels,
  int,
  list,
  meta,
  nameColumn,
  text,
  view,
  type Container,
  type Json,
  type Meta,
} from './format.js';
import type { Cell, PrintContext, Printer, TableRowCondition } from './types.js';

interface Terminated {
  exitCode?: number;
  signal?: number;
  reason?: string;
  finishedAt?: string;
}

interface ContainerState {
  waiting?: { reason?: string };
  running?: { startedAt?: string };
  terminated?: Terminated;
}

interface ContainerStatus {
  name?: string;
  ready?: boolean;
  started?: boolean;
  restartCount?: number;
  state?: ContainerState;
  /** JSON name of LastTerminationState. */
  lastState?: ContainerState;
}

interface PodCondition {
  type?: string;
  status?: string;
  reason?: string;
}

interface Pod {
  metadata?: Meta;
  spec?: {
    containers?: Container[];
    initContainers?: Container[];
    nodeName?: string;
    readinessGates?: { conditionType?: string }[];
  };
  status?: {
    phase?: string;
    reason?: string;
    conditions?: PodCondition[];
    initContainerStatuses?: ContainerStatus[];
    containerStatuses?: ContainerStatus[];
    podIP?: string;
    podIPs?: { ip?: string }[];
    nominatedNodeName?: string;
  };
}

/** node.NodeUnreachablePodReason: set by the node lifecycle controller. */
const NODE_LOST = 'NodeLost';

function isRestartableInit(c: Container | undefined): boolean {
  return c?.restartPolicy === 'Always';
}

/** Millis of a terminated state's finishedAt; undefined stands for Go's zero time. */
function finishedAt(cs: ContainerStatus): number | undefined {
  const t = cs.lastState?.terminated;
  if (!t || typeof t.finishedAt !== 'string') return undefined;
  const ms = Date.parse(t.finishedAt);
  return Number.isNaN(ms) ? undefined : ms;
}

/** lastRestartDate.Before(&terminatedDate) with zero-time semantics. */
function later(current: number | undefined, candidate: number | undefined): number | undefined {
  if (candidate === undefined) return current;
  return current === undefined || current < candidate ? candidate : current;
}

function hasCondition(conds: PodCondition[], type: string): boolean {
  const c = conds.find((x) => x.type === type);
  return c !== undefined && c.status === 'True';
}

/** The five default cells plus the four wide ones, exactly as printPod computes them. */
export function podCells(obj: Json, ctx: PrintContext): Cell[] {
  const pod = view<Pod>(obj);
  const spec = pod.spec ?? {};
  const status = pod.status ?? {};
  const conditions = list(status.conditions);
  const initContainers = list(spec.initContainers);

  let restarts = 0;
  let restartableInitRestarts = 0;
  let totalContainers = list(spec.containers).length;
  let readyContainers = 0;
  let lastRestart: number | undefined;
  let lastRestartableInitRestart: number | undefined;

  const phase = text(status.phase);
  let reason = phase;
  if (text(status.reason) !== '') reason = text(status.reason);

  // Scheduling gates keep a pod Pending; upstream surfaces that instead of the phase.
  for (const c of conditions) {
    if (c.type === 'PodScheduled' && c.reason === 'SchedulingGated') reason = 'SchedulingGated';
  }

  const initByName = new Map<string, Container>();
  for (const c of initContainers) {
    initByName.set(text(c.name), c);
    // Sidecars (restartable init containers) count toward READY's denominator.
    if (isRestartableInit(c)) totalContainers++;
  }

  let initializing = false;
  const initStatuses = list(status.initContainerStatuses);
  for (let i = 0; i < initStatuses.length; i++) {
    const cs = initStatuses[i] ?? {};
    const restartable = isRestartableInit(initByName.get(text(cs.name)));
    restarts += int(cs.restartCount);
    lastRestart = later(lastRestart, finishedAt(cs));
    if (restartable) {
      restartableInitRestarts += int(cs.restartCount);
      lastRestartableInitRestart = later(lastRestartableInitRestart, finishedAt(cs));
    }
    const term = cs.state?.terminated;
    const waiting = cs.state?.waiting;
    if (term && int(term.exitCode) === 0) continue;
    if (restartable && cs.started === true) {
      if (cs.ready === true) readyContainers++;
      continue;
    }
    if (term) {
      // Initialization failed.
      if (text(term.reason) === '') {
        reason = int(term.signal) !== 0 ? `Init:Signal:${int(term.signal)}` : `Init:ExitCode:${int(term.exitCode)}`;
      } else {
        reason = `Init:${text(term.reason)}`;
      }
    } else if (waiting && text(waiting.reason) !== '' && waiting.reason !== 'PodInitializing') {
      reason = `Init:${text(waiting.reason)}`;
    } else {
      reason = `Init:${i}/${initContainers.length}`;
    }
    initializing = true;
    break;
  }

  if (!initializing || hasCondition(conditions, 'Initialized')) {
    // Regular init containers no longer matter once the pod is initialized.
    restarts = restartableInitRestarts;
    lastRestart = lastRestartableInitRestart;
    let hasRunning = false;
    const statuses = list(status.containerStatuses);
    // Walk backwards so the first container's reason wins.
    for (let i = statuses.length - 1; i >= 0; i--) {
      const cs = statuses[i] ?? {};
      restarts += int(cs.restartCount);
      lastRestart = later(lastRestart, finishedAt(cs));
      const waiting = cs.state?.waiting;
      const term = cs.state?.terminated;
      if (waiting && text(waiting.reason) !== '') {
        reason = text(waiting.reason);
      } else if (term && text(term.reason) !== '') {
        reason = text(term.reason);
      } else if (term) {
        reason = int(term.signal) !== 0 ? `Signal:${int(term.signal)}` : `ExitCode:${int(term.exitCode)}`;
      } else if (cs.ready === true && cs.state?.running) {
        hasRunning = true;
        readyContainers++;
      }
    }
    // A container that exited 0 next to one still running does not make the pod "Completed".
    if (reason === 'Completed' && hasRunning) {
      reason = hasCondition(conditions, 'Ready') ? 'Running' : 'NotReady';
    }
  }

  const deleting = meta(obj).deletionTimestamp !== undefined && meta(obj).deletionTimestamp !== null;
  if (deleting && status.reason === NODE_LOST) {
    reason = 'Unknown';
  } else if (deleting && phase !== 'Succeeded' && phase !== 'Failed') {
    reason = 'Terminating';
  }

  let restartsText = String(restarts);
  if (restarts !== 0 && lastRestart !== undefined) {
    restartsText = `${restarts} (${humanDuration(ctx.now.getTime() - lastRestart)} ago)`;
  }

  const podIPs = list(status.podIPs);
  // v1 keeps podIP and podIPs[0] in sync; older writers may set only podIP.
  const podIP = text(podIPs[0]?.ip) || text(status.podIP) || '<none>';
  const nodeName = text(spec.nodeName) || '<none>';
  const nominated = text(status.nominatedNodeName) || '<none>';
  let readinessGates = '<none>';
  const gates = list(spec.readinessGates);
  if (gates.length > 0) {
    let trueConditions = 0;
    for (const gate of gates) {
      const c = conditions.find((x) => x.type === gate.conditionType);
      if (c && c.status === 'True') trueConditions++;
    }
    readinessGates = `${trueConditions}/${gates.length}`;
  }

  return [
    text(meta(obj).name),
    `${readyContainers}/${totalContainers}`,
    reason,
    restartsText,
    since(meta(obj).creationTimestamp, ctx.now),
    podIP,
    nodeName,
    nominated,
    readinessGates,
  ];
}

/** Terminal pods carry a row condition so clients can tell finished pods apart. */
function podConditions(obj: Json): TableRowCondition[] | undefined {
  switch (view<Pod>(obj).status?.phase) {
    case 'Succeeded':
      return [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }];
    case 'Failed':
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    default:
      return undefined;
  }
}

export const podPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Ready', 'string', 'The aggregate readiness state of this pod for accepting traffic.'),
    column('Status', 'string', 'The aggregate status of the containers in this pod.'),
    column(
      'Restarts',
      'string',
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ),
    ageColumn(),
    column('IP', 'string', DOC['PodStatus.podIP'], { priority: 1 }),
    column('Node', 'string', DOC['PodSpec.nodeName'], { priority: 1 }),
    column('Nominated Node', 'string', DOC['PodStatus.nominatedNodeName'], { priority: 1 }),
    column('Readiness Gates', 'string', DOC['PodSpec.readinessGates'], { priority: 1 }),
  ],
  cells: podCells,
  conditions: podConditions,
};

interface PodTemplate {
  template?: { metadata?: Meta; spec?: { containers?: Container[] } };
}

export const podTemplatePrinter: Printer = {
  columns: [
    nameColumn(),
    column('Containers', 'string', 'Names of each container in the template.'),
    column('Images', 'string', 'Images referenced by each container in the template.'),
    column('Pod Labels', 'string', 'The labels for the pod template.'),
  ],
  cells(obj) {
    const t = view<PodTemplate>(obj).template;
    const [names, images] = containerCells(t?.spec?.containers);
    return [text(meta(obj).name), names, images, formatLabels(t?.metadata?.labels)];
  },
};

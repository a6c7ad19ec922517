/**
 * Pod status as the kubelet reports it (upstream kubelet_pods.go generateAPIPodStatus,
 * convertToAPIContainerStatuses, getPhase and pkg/kubelet/status/generate.go), computed from
 * what the runtime shows ({@link ObservedPod}), the probe results and the reasons the kubelet
 * recorded for containers it could not start. A pure function: unit tests drive it with tables.
 *
 * - containerStatuses / initContainerStatuses: state running/waiting/terminated, lastState
 *   (the previous instance's termination), restartCount (= attempt of the newest instance),
 *   ready, started, image, imageID, containerID (`docker://<id>`).
 * - A container that will be restarted and has a recorded reason (CrashLoopBackOff,
 *   ErrImagePull, CreateContainerConfigError…) is Waiting with that reason and its last run as
 *   lastState; never-started containers wait as ContainerCreating (PodInitializing when the pod
 *   has init containers).
 * - phase: upstream's getPhase, and once Succeeded/Failed a pod never leaves it.
 * - conditions: kubelet-owned PodReadyToStartContainers, Initialized, Ready, ContainersReady,
 *   PodScheduled (others are kept); lastTransitionTime only moves when the status flips.
 */
import type { KubeObject } from '../api/types.js';
import { apiTime, arr, containers, initContainers, isSidecar, isTerminalPhase, obj, restartPolicy, str, type Container, type Obj } from './podutil.js';
import { currentSandbox, instances, isExited, type ObservedContainer, type ObservedPod } from './observed.js';

export interface WaitingReason {
  reason: string;
  message?: string;
}

export interface ProbeState {
  /** Startup probe passed (true when the container has none and is running). */
  started: boolean;
  /** Readiness (true when the container has no readiness probe and has started). */
  ready: boolean;
}

export interface StatusInput {
  pod: KubeObject;
  observed: ObservedPod;
  now: number;
  hostIP?: string;
  /** Recorded start failures per container name (upstream's reasonCache). */
  reasons: ReadonlyMap<string, WaitingReason>;
  /** Probe results of a running container instance. */
  probes(container: Container, id: string): ProbeState;
  /** Termination messages read from the containers' termination-log files, by container id. */
  terminationMessages?: ReadonlyMap<string, string>;
  /** The pod worker decided the pod is finished (nothing will be restarted). */
  terminal?: boolean;
}

export const KUBELET_CONDITIONS = ['PodReadyToStartContainers', 'Initialized', 'Ready', 'ContainersReady', 'PodScheduled'];

type ContainerStatus = Obj & { name: string; state: Obj; lastState: Obj; ready: boolean; restartCount: number };

function terminatedOf(c: ObservedContainer, messages?: ReadonlyMap<string, string>): Obj {
  const t: Obj = {
    exitCode: c.exitCode ?? (c.reason === 'StartError' ? 128 : 0),
    reason: c.reason ?? ((c.exitCode ?? 0) === 0 ? 'Completed' : 'Error'),
  };
  const msg = messages?.get(c.id) ?? (c.reason === 'StartError' ? c.message : undefined);
  if (msg) t.message = msg;
  t.startedAt = c.startedAt !== undefined ? apiTime(c.startedAt) : null;
  t.finishedAt = c.finishedAt !== undefined ? apiTime(c.finishedAt) : c.startedAt !== undefined ? apiTime(c.startedAt) : null;
  t.containerID = `docker://${c.id}`;
  return t;
}

/** Would the kubelet restart this exited container (ignoring back-off)? Upstream ShouldContainerBeRestarted. */
export function shouldRestart(pod: KubeObject, container: Container, init: boolean, last: ObservedContainer | undefined): boolean {
  if (!last) return true;
  if (!isExited(last)) return false;
  if (init && isSidecar(container)) return true;
  const policy = restartPolicy(pod);
  if (policy === 'Never') return false;
  if (policy === 'OnFailure') return (last.exitCode ?? 1) !== 0 || last.reason === 'StartError';
  // Always: init containers (not sidecars) only re-run while they fail.
  if (init) return (last.exitCode ?? 1) !== 0 || last.reason === 'StartError';
  return true;
}

function containerStatus(input: StatusInput, container: Container, init: boolean, defaultWaiting: string): ContainerStatus {
  const list = instances(input.observed, container.name);
  const [cur, prev] = list;
  const image = str(container.image) ?? '';
  const base: ContainerStatus = {
    name: container.name,
    state: { waiting: { reason: defaultWaiting } },
    lastState: {},
    ready: false,
    restartCount: 0,
    image,
    imageID: '',
    started: false,
  };
  if (!cur) {
    const r = input.reasons.get(container.name);
    if (r) base.state = { waiting: { reason: r.reason, ...(r.message && { message: r.message }) } };
    return base;
  }
  base.restartCount = cur.attempt;
  base.imageID = cur.imageId ? `docker://${cur.imageId}` : '';
  base.containerID = `docker://${cur.id}`;
  if (prev && isExited(prev)) base.lastState = { terminated: terminatedOf(prev, input.terminationMessages) };
  if (cur.state === 'running') {
    const p = input.probes(container, cur.id);
    base.state = { running: { startedAt: apiTime(cur.startedAt ?? cur.createdAt) } };
    base.started = p.started;
    base.ready = p.started && p.ready;
    return base;
  }
  if (isExited(cur)) {
    const term = { terminated: terminatedOf(cur, input.terminationMessages) };
    const r = input.reasons.get(container.name);
    if (!input.terminal && r && shouldRestart(input.pod, container, init, cur)) {
      base.lastState = term;
      base.state = { waiting: { reason: r.reason, ...(r.message && { message: r.message }) } };
    } else {
      base.state = term;
    }
    return base;
  }
  // Created, not started yet.
  const r = input.reasons.get(container.name);
  base.state = { waiting: r ? { reason: r.reason, ...(r.message && { message: r.message }) } : { reason: 'ContainerCreating' } };
  return base;
}

/** Upstream getPhase (pkg/kubelet/kubelet_pods.go). */
export function getPhase(pod: KubeObject, initStatuses: ContainerStatus[], statuses: ContainerStatus[], podIsTerminal: boolean): string {
  const byName = (list: ContainerStatus[], n: string) => list.find((s) => s.name === n);
  let pendingInitialization = 0;
  let failedInitialization = 0;
  const inits = initContainers(pod);
  for (const c of inits) {
    if (isSidecar(c)) continue;
    const s = byName(initStatuses, c.name);
    if (!s) {
      pendingInitialization++;
      continue;
    }
    const st = s.state;
    if (st.running) pendingInitialization++;
    else if (st.terminated) {
      if (obj(st.terminated).exitCode !== 0) failedInitialization++;
    } else if (st.waiting) {
      const lt = obj(s.lastState).terminated;
      if (lt) {
        if (obj(lt).exitCode !== 0) failedInitialization++;
      } else pendingInitialization++;
    } else pendingInitialization++;
  }
  let unknown = 0;
  let running = 0;
  let waiting = 0;
  let stopped = 0;
  let succeeded = 0;
  for (const c of inits) {
    if (!isSidecar(c)) continue;
    const s = byName(initStatuses, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    const st = s.state;
    if (st.running) {
      if (!s.started) pendingInitialization++;
      running++;
    } else if (st.terminated) {
      // Terminated sidecars do not count.
    } else if (st.waiting) {
      if (!obj(s.lastState).terminated) {
        pendingInitialization++;
        waiting++;
      }
    } else {
      pendingInitialization++;
      unknown++;
    }
  }
  for (const c of containers(pod)) {
    const s = byName(statuses, c.name);
    if (!s) {
      unknown++;
      continue;
    }
    const st = s.state;
    if (st.running) running++;
    else if (st.terminated) {
      stopped++;
      if (obj(st.terminated).exitCode === 0) succeeded++;
    } else if (st.waiting) {
      if (obj(s.lastState).terminated) stopped++;
      else waiting++;
    } else unknown++;
  }
  const policy = restartPolicy(pod);
  if (failedInitialization > 0 && policy === 'Never') return 'Failed';
  const anyRegularStarted = statuses.some((s) => s.state.running || s.state.terminated || obj(s.lastState).terminated);
  if ((pendingInitialization > 0 && !anyRegularStarted) || waiting > 0) return 'Pending';
  if (running > 0 && unknown === 0) return 'Running';
  if (running === 0 && stopped > 0 && unknown === 0) {
    if (podIsTerminal) return stopped === succeeded ? 'Succeeded' : 'Failed';
    if (policy === 'Always') return 'Running';
    if (stopped === succeeded) return 'Succeeded';
    if (policy === 'Never') return 'Failed';
    return 'Running';
  }
  return 'Pending';
}

function list(names: string[]): string {
  return `[${names.join(' ')}]`;
}

function condition(type: string, status: boolean, reason?: string, message?: string): Obj {
  const c: Obj = { type, status: status ? 'True' : 'False' };
  if (reason) c.reason = reason;
  if (message) c.message = message;
  return c;
}

function generateConditions(pod: KubeObject, initStatuses: ContainerStatus[], statuses: ContainerStatus[], phase: string, sandboxReady: boolean): Obj[] {
  const inits = initContainers(pod);
  const all = [...initStatuses, ...statuses];
  const find = (n: string) => all.find((s) => s.name === n);
  // Initialized
  let initialized: Obj;
  {
    const unknown: string[] = [];
    const incomplete: string[] = [];
    for (const c of inits) {
      const s = initStatuses.find((x) => x.name === c.name);
      if (!s) {
        unknown.push(c.name);
        continue;
      }
      if (isSidecar(c)) {
        if (!s.started) incomplete.push(c.name);
        continue;
      }
      const t = s.state.terminated;
      if (!t || obj(t).exitCode !== 0) incomplete.push(c.name);
    }
    const anyRegularStarted = statuses.some((s) => s.state.running || s.state.terminated || obj(s.lastState).terminated);
    const msgs: string[] = [];
    if (unknown.length) msgs.push(`containers with unknown status: ${list(unknown)}`);
    if (incomplete.length) msgs.push(`containers with incomplete status: ${list(incomplete)}`);
    if (phase === 'Succeeded' && unknown.length === 0) initialized = condition('Initialized', true, 'PodCompleted');
    else if (anyRegularStarted || msgs.length === 0) initialized = condition('Initialized', true);
    else initialized = condition('Initialized', false, 'ContainersNotInitialized', msgs.join(', '));
  }
  // ContainersReady
  let containersReady: Obj;
  {
    const unknown: string[] = [];
    const unready: string[] = [];
    for (const c of [...inits.filter(isSidecar), ...containers(pod)]) {
      const s = find(c.name);
      if (!s) unknown.push(c.name);
      else if (!s.ready) unready.push(c.name);
    }
    if (phase === 'Succeeded' && unknown.length === 0) containersReady = condition('ContainersReady', false, 'PodCompleted');
    else if (phase === 'Failed') containersReady = condition('ContainersReady', false, 'PodFailed');
    else {
      const msgs: string[] = [];
      if (unknown.length) msgs.push(`containers with unknown status: ${list(unknown)}`);
      if (unready.length) msgs.push(`containers with unready status: ${list(unready)}`);
      containersReady = msgs.length ? condition('ContainersReady', false, 'ContainersNotReady', msgs.join(', ')) : condition('ContainersReady', true);
    }
  }
  // Ready: ContainersReady and the readiness gates.
  let ready: Obj;
  if (containersReady.status !== 'True') ready = { ...containersReady, type: 'Ready' };
  else {
    const gates = arr(obj(pod.spec).readinessGates).map((g) => str(g.conditionType) ?? '');
    const conds = arr(obj(pod.status).conditions);
    const missing = gates.filter((g) => !conds.some((c) => c.type === g && c.status === 'True'));
    ready = missing.length
      ? condition('Ready', false, 'ReadinessGatesNotReady', `corresponding condition of pod readiness gate "${missing[0]}" does not exist.`)
      : condition('Ready', true);
  }
  return [condition('PodReadyToStartContainers', sandboxReady), initialized, ready, containersReady, condition('PodScheduled', true)];
}

/** The pod's new status. `lastTransitionTime`s are carried over from the current status when unchanged. */
export function generatePodStatus(input: StatusInput): Obj {
  const { pod } = input;
  const old = obj(pod.status);
  const inits = initContainers(pod);
  const defaultWaiting = inits.length ? 'PodInitializing' : 'ContainerCreating';
  const initStatuses = inits.map((c) => containerStatus(input, c, true, defaultWaiting));
  const statuses = containers(pod).map((c) => containerStatus(input, c, false, defaultWaiting));
  let phase = getPhase(pod, initStatuses, statuses, input.terminal ?? false);
  if (isTerminalPhase(old.phase)) phase = String(old.phase);
  const sb = currentSandbox(input.observed);
  const sandboxReady = !!sb && sb.state === 'running' && !!sb.ip;
  const now = apiTime(input.now);
  const oldConds = arr(old.conditions);
  const conds = [...oldConds.filter((c) => !KUBELET_CONDITIONS.includes(String(c.type))), ...generateConditions(pod, initStatuses, statuses, phase, sandboxReady)];
  for (const c of conds) {
    const prev = oldConds.find((p) => p.type === c.type);
    c.lastProbeTime ??= null;
    if (c.lastTransitionTime === undefined) c.lastTransitionTime = prev && prev.status === c.status && prev.lastTransitionTime ? prev.lastTransitionTime : now;
  }
  const status: Obj = { ...old };
  status.phase = phase;
  status.conditions = conds;
  if (input.hostIP) {
    status.hostIP = input.hostIP;
    status.hostIPs = [{ ip: input.hostIP }];
  }
  // The pod IP stays reported after the sandbox stops (a finished pod keeps its last IP).
  if (sandboxReady && sb?.ip) {
    status.podIP = sb.ip;
    status.podIPs = [{ ip: sb.ip }];
  }
  status.startTime ??= now;
  if (inits.length) status.initContainerStatuses = initStatuses;
  else delete status.initContainerStatuses;
  status.containerStatuses = statuses;
  delete status.reason;
  delete status.message;
  return status;
}

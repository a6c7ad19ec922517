/**
 * What to do to bring one pod's containers to its spec — upstream kuberuntime_manager.go
 * computePodActions, as a pure function of the pod and what the runtime shows:
 *
 * 1. Sandbox: none, not running, or without an IP → (re)create it with the next attempt number
 *    and restart everything from the first init container (a restarted sandbox is a new network
 *    namespace: containers of the old one are killed). Not when the pod is done: restartPolicy
 *    Never after a first sandbox, or nothing left to run.
 * 2. Init containers, in order, one at a time: the next one that has not succeeded is started;
 *    a running one is waited for; a failed one is restarted (per restartPolicy, with back-off
 *    applied by the caller) or, under restartPolicy Never, fails the pod. Native sidecars
 *    (restartPolicy Always init containers) are started in order and must be running before the
 *    next init container. Once any app container has run, init containers are done for good.
 * 3. App containers: never started → start; running with a different spec hash, a failed
 *    liveness or startup probe → kill (and start again unless restartPolicy Never); exited →
 *    restart when the policy says so (Always; OnFailure on non-zero exit).
 * 4. Nothing running and nothing to start → kill the pod (stop the sandbox): it is terminal.
 *
 * Back-off (CrashLoopBackOff) is not decided here: every start of a container that has an
 * exited instance carries it as `restartOf`, and the executor asks the back-off first.
 */
import type { KubeObject } from '../api/types.js';
import { specHash } from './runtime/runtime.js';
import { containers, initContainers, isSidecar, restartPolicy, type Container } from './podutil.js';
import { currentSandbox, isExited, latest, type ObservedContainer, type ObservedPod } from './observed.js';
import { shouldRestart } from './status.js';

export interface StartAction {
  name: string;
  init: boolean;
  /** Attempt number for the new instance (= its restartCount). */
  attempt: number;
  /** The exited instance this start replaces (back-off applies). */
  restartOf?: ObservedContainer;
  /** A created-but-never-started leftover to remove first. */
  replaces?: ObservedContainer;
}

export interface KillAction {
  id: string;
  name: string;
  /** Event message ("Container x failed liveness probe, will be restarted"); empty: plain kill. */
  message: string;
}

export interface PodActions {
  /** Stop every running container and the sandbox (pod done, or its sandbox is being replaced). */
  killPod: boolean;
  createSandbox: boolean;
  /** Attempt number of the sandbox to create. */
  sandboxAttempt: number;
  /** An existing sandbox died: emit SandboxChanged. */
  sandboxChanged: boolean;
  /** Init containers (at most one regular one, plus sidecars before it) to start, in order. */
  initToStart: StartAction[];
  containersToStart: StartAction[];
  containersToKill: KillAction[];
  /** The pod is finished: nothing runs and nothing will be started again. */
  terminal: boolean;
}

export interface ProbeVerdicts {
  livenessFailed(id: string): boolean;
  startupFailed(id: string): boolean;
  /** A sidecar counts as started once its startup probe (if any) passed. */
  started(id: string): boolean;
}

/** The hash stored on every container: a spec change means "restart" (resources excluded, as upstream). */
export function containerHash(c: Container): string {
  const { resources: _r, ...rest } = c;
  void _r;
  return specHash(rest);
}

function succeeded(c: ObservedContainer | undefined): boolean {
  return !!c && isExited(c) && c.exitCode === 0 && c.reason !== 'StartError';
}

function nextAttempt(last: ObservedContainer | undefined): number {
  return last ? last.attempt + 1 : 0;
}

function startOf(name: string, init: boolean, last: ObservedContainer | undefined): StartAction {
  const a: StartAction = { name, init, attempt: nextAttempt(last) };
  if (last && isExited(last)) a.restartOf = last;
  else if (last && last.state === 'created') a.replaces = last;
  return a;
}

export function computePodActions(pod: KubeObject, observed: ObservedPod, probes: ProbeVerdicts): PodActions {
  const policy = restartPolicy(pod);
  const inits = initContainers(pod);
  const apps = containers(pod);
  const actions: PodActions = {
    killPod: false,
    createSandbox: false,
    sandboxAttempt: 0,
    sandboxChanged: false,
    initToStart: [],
    containersToStart: [],
    containersToKill: [],
    terminal: false,
  };
  const sb = currentSandbox(observed);
  const sandboxOk = !!sb && sb.state === 'running' && !!sb.ip;
  const anyAppRan = apps.some((c) => latest(observed, c.name) !== undefined);

  if (!sandboxOk) {
    actions.sandboxAttempt = sb ? sb.attempt + 1 : 0;
    actions.sandboxChanged = !!sb;
    // Containers of a dead sandbox are stopped with it.
    if (sb) actions.killPod = true;
    if (policy === 'Never' && sb && observed.containers.length > 0) {
      actions.killPod = true;
      actions.terminal = true;
      return actions;
    }
    const toStart = apps.filter((c) => !(policy === 'OnFailure' && succeeded(latest(observed, c.name))));
    const initialized = inits.every((c) => isSidecar(c) || succeeded(latest(observed, c.name))) || anyAppRan;
    if (toStart.length === 0 && initialized && sb) {
      actions.killPod = true;
      actions.terminal = true;
      return actions;
    }
    actions.createSandbox = true;
    // A new sandbox starts over: first init container (sidecars up to it), else every app container.
    if (inits.length > 0) {
      for (const c of inits) {
        actions.initToStart.push(startOf(c.name, true, latest(observed, c.name)));
        if (!isSidecar(c)) break;
      }
      return actions;
    }
    actions.containersToStart = toStart.map((c) => startOf(c.name, false, latest(observed, c.name)));
    return actions;
  }

  // Init containers.
  if (!anyAppRan) {
    for (const c of inits) {
      const last = latest(observed, c.name);
      if (isSidecar(c)) {
        if (!last || last.state !== 'running') {
          actions.initToStart.push(startOf(c.name, true, last));
          return actions;
        }
        if (probes.startupFailed(last.id) || probes.livenessFailed(last.id)) {
          actions.containersToKill.push({ id: last.id, name: c.name, message: `Container ${c.name} failed ${probes.startupFailed(last.id) ? 'startup' : 'liveness'} probe, will be restarted` });
          actions.initToStart.push({ name: c.name, init: true, attempt: last.attempt + 1 });
          return actions;
        }
        if (!probes.started(last.id)) return actions;
        continue;
      }
      if (!last || last.state === 'created') {
        actions.initToStart.push(startOf(c.name, true, last));
        return actions;
      }
      if (last.state === 'running' || last.state === 'unknown') return actions;
      if (succeeded(last)) continue;
      // Failed init container.
      if (policy === 'Never') {
        actions.killPod = true;
        actions.terminal = true;
        return actions;
      }
      actions.initToStart.push(startOf(c.name, true, last));
      return actions;
    }
  }

  // App containers.
  let keep = 0;
  for (const c of apps) {
    const last = latest(observed, c.name);
    if (!last || last.state === 'created') {
      if (last && last.reason === 'StartError') {
        if (shouldRestart(pod, c, false, last)) actions.containersToStart.push(startOf(c.name, false, last));
        continue;
      }
      actions.containersToStart.push(startOf(c.name, false, last));
      continue;
    }
    if (last.state === 'running' || last.state === 'unknown') {
      let message = '';
      if (last.hash && last.hash !== containerHash(c)) message = `Container ${c.name} definition changed, will be restarted`;
      else if (probes.startupFailed(last.id)) message = `Container ${c.name} failed startup probe, will be restarted`;
      else if (probes.livenessFailed(last.id)) message = `Container ${c.name} failed liveness probe, will be restarted`;
      if (!message) {
        keep++;
        continue;
      }
      actions.containersToKill.push({ id: last.id, name: c.name, message });
      // Never: a killed container stays dead (its exit is the pod's result).
      if (policy !== 'Never') actions.containersToStart.push({ name: c.name, init: false, attempt: last.attempt + 1 });
      continue;
    }
    if (shouldRestart(pod, c, false, last)) actions.containersToStart.push(startOf(c.name, false, last));
  }
  if (keep === 0 && actions.containersToStart.length === 0) {
    // Sidecars do not keep a finished pod alive: they are killed with it.
    actions.killPod = true;
    actions.terminal = true;
    return actions;
  }
  if (anyAppRan) {
    // Sidecars keep running next to the app containers and are restarted when they stop.
    for (const c of inits.filter(isSidecar)) {
      const last = latest(observed, c.name);
      if (!last || last.state !== 'running') actions.initToStart.push(startOf(c.name, true, last));
    }
  }
  return actions;
}

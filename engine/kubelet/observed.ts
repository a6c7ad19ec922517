/**
 * What the runtime says about one pod (upstream: kubecontainer.PodStatus): its sandboxes and
 * every container instance still present, newest first. Built from Docker labels and inspect
 * results by kubelet.ts; read by sync.ts (what to do) and status.ts (what to report).
 */

export type ObservedState = 'created' | 'running' | 'exited' | 'unknown';

export interface ObservedSandbox {
  id: string;
  attempt: number;
  state: ObservedState;
  ip?: string;
  createdAt: number;
}

export interface ObservedContainer {
  id: string;
  /** Kubernetes container name. */
  name: string;
  role: 'app' | 'init' | 'ephemeral';
  attempt: number;
  hash?: string;
  sandboxId?: string;
  state: ObservedState;
  exitCode?: number;
  /** Completed | Error | OOMKilled | StartError (exited or failed-to-start containers). */
  reason?: string;
  message?: string;
  startedAt?: number;
  finishedAt?: number;
  createdAt: number;
  image: string;
  imageId: string;
}

export interface ObservedPod {
  /** Newest (highest attempt) first. */
  sandboxes: ObservedSandbox[];
  /** Newest first per name (highest attempt, then creation time). */
  containers: ObservedContainer[];
}

export function emptyObserved(): ObservedPod {
  return { sandboxes: [], containers: [] };
}

export function sortObserved(p: ObservedPod): ObservedPod {
  p.sandboxes.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  p.containers.sort((a, b) => b.attempt - a.attempt || b.createdAt - a.createdAt);
  return p;
}

/** The newest sandbox (the pod's current one), if any. */
export function currentSandbox(p: ObservedPod): ObservedSandbox | undefined {
  return p.sandboxes[0];
}

/** Instances of container `name`, newest first. */
export function instances(p: ObservedPod, name: string): ObservedContainer[] {
  return p.containers.filter((c) => c.name === name);
}

export function latest(p: ObservedPod, name: string): ObservedContainer | undefined {
  return p.containers.find((c) => c.name === name);
}

/** A failed start leaves Docker's container in 'created' with an error: report it as exited. */
export function isExited(c: ObservedContainer): boolean {
  return c.state === 'exited' || (c.state === 'created' && c.reason === 'StartError');
}

/**
 * Progress of things that take a while, read from API state only: image pulls (the kubelet's
 * Pulling/Pulled/Failed/BackOff events and the containers' waiting reasons) and Deployment
 * rollouts (ReplicaSets per revision, the Progressing condition).
 *
 * The Kubernetes API carries no byte counts for a pull, so a pull in flight is shown as
 * indeterminate with its elapsed time; a pod's determinate progress is how many of its images
 * are ready. No imports: unit-tested under Node.
 */
export interface Obj {
  kind?: string;
  metadata: { name: string; namespace?: string; uid?: string; annotations?: Record<string, string>; creationTimestamp?: string; ownerReferences?: { uid: string; kind?: string }[]; deletionTimestamp?: string };
  spec?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  status?: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  [k: string]: unknown;
}

export type PullPhase = 'waiting' | 'pulling' | 'pulled' | 'present' | 'failed' | 'backoff' | 'creating' | 'running';

export interface PullState {
  container: string;
  image: string;
  init: boolean;
  phase: PullPhase;
  /** When the current phase started (the event's time). */
  since?: string;
  /** "3.2s" from a Pulled event. */
  took?: string;
  message?: string;
}

export interface PodPull {
  containers: PullState[];
  /** Images ready (pulled or present) / all containers. */
  ready: number;
  total: number;
  /** The most telling state for a one-line summary. */
  summary: PullPhase | undefined;
  since?: string;
  message?: string;
}

function eventTime(e: Obj): string {
  return String(e.lastTimestamp ?? e.eventTime ?? (e.series as { lastObservedTime?: string } | undefined)?.lastObservedTime ?? e.firstTimestamp ?? e.metadata.creationTimestamp ?? '');
}

function imageIn(msg: string): string | undefined {
  return /image "([^"]+)"/.exec(msg)?.[1];
}

interface PullEvent {
  reason: 'Pulling' | 'Pulled' | 'Failed' | 'BackOff';
  image: string;
  time: string;
  message: string;
}

/** Pull-related events per pod uid (and `namespace/name` for events without a uid). */
export function indexPullEvents(events: Obj[]): Map<string, PullEvent[]> {
  const out = new Map<string, PullEvent[]>();
  for (const e of events) {
    const reason = String(e.reason ?? '');
    if (reason !== 'Pulling' && reason !== 'Pulled' && reason !== 'Failed' && reason !== 'BackOff') continue;
    const io = (e.involvedObject ?? {}) as { kind?: string; uid?: string; name?: string; namespace?: string };
    if (io.kind && io.kind !== 'Pod') continue;
    const message = String(e.message ?? '');
    const image = imageIn(message);
    if (!image) continue; // Failed/BackOff about something else (a crashing container)
    const ev: PullEvent = { reason, image, time: eventTime(e), message };
    for (const k of [io.uid, `${io.namespace ?? e.metadata.namespace ?? ''}/${io.name ?? ''}`]) {
      if (!k) continue;
      const l = out.get(k) ?? [];
      l.push(ev);
      out.set(k, l);
    }
  }
  for (const l of out.values()) l.sort((a, b) => a.time.localeCompare(b.time));
  return out;
}

const RANK: Record<PullPhase, number> = { failed: 7, backoff: 6, pulling: 5, waiting: 4, creating: 3, pulled: 2, present: 1, running: 0 };

/** The pull state of each container of a pod. */
export function podPull(pod: Obj, index: Map<string, PullEvent[]>): PodPull {
  const evs = (pod.metadata.uid && index.get(pod.metadata.uid)) || index.get(`${pod.metadata.namespace ?? ''}/${pod.metadata.name}`) || [];
  const specs: { name: string; image: string; init: boolean }[] = [
    ...((pod.spec?.initContainers ?? []) as { name: string; image: string }[]).map((c) => ({ ...c, init: true })),
    ...((pod.spec?.containers ?? []) as { name: string; image: string }[]).map((c) => ({ ...c, init: false })),
  ];
  type CStatus = { name: string; state?: Record<string, { reason?: string; message?: string; startedAt?: string }> };
  const statuses = new Map<string, CStatus>();
  for (const s of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])] as CStatus[]) statuses.set(s.name, s);
  const scheduled = !!pod.spec?.nodeName;
  const containers: PullState[] = specs.map((c) => {
    const st = statuses.get(c.name);
    const mine = evs.filter((e) => e.image === c.image);
    const last = mine[mine.length - 1];
    const pulled = [...mine].reverse().find((e) => e.reason === 'Pulled');
    const took = pulled ? /in ([\d.]+m?s|[\dhms.]+)(?: \(|\.|$)/.exec(pulled.message)?.[1] : undefined;
    const base = { container: c.name, image: c.image, init: c.init };
    const waiting = st?.state?.waiting;
    if (waiting?.reason === 'ErrImagePull' || waiting?.reason === 'InvalidImageName') return { ...base, phase: 'failed', since: last?.time, message: waiting.message ?? last?.message };
    if (waiting?.reason === 'ImagePullBackOff') return { ...base, phase: 'backoff', since: last?.time, message: waiting.message ?? last?.message };
    if (st?.state?.running || st?.state?.terminated) {
      if (pulled) return { ...base, phase: /already present/.test(pulled.message) ? 'present' : 'pulled', since: pulled.time, took };
      return { ...base, phase: 'running' };
    }
    // Not started yet: what the last pull event says.
    if (last?.reason === 'Pulling') return { ...base, phase: 'pulling', since: last.time, message: last.message };
    if (last?.reason === 'Pulled') return { ...base, phase: /already present/.test(last.message) ? 'present' : 'pulled', since: last.time, took };
    if (last?.reason === 'Failed') return { ...base, phase: 'failed', since: last.time, message: last.message };
    if (last?.reason === 'BackOff') return { ...base, phase: 'backoff', since: last.time, message: last.message };
    if (!scheduled) return { ...base, phase: 'waiting' };
    return { ...base, phase: waiting?.reason === 'ContainerCreating' || !st ? 'creating' : 'waiting', message: waiting?.message };
  });
  const ready = containers.filter((c) => c.phase === 'pulled' || c.phase === 'present' || c.phase === 'running').length;
  let top: PullState | undefined;
  for (const c of containers) if (!top || RANK[c.phase] > RANK[top.phase]) top = c;
  return { containers, ready, total: containers.length, summary: top?.phase, since: top?.since, message: top?.message };
}

// ---- rollouts

export interface RevisionRow {
  name: string;
  revision: number;
  desired: number;
  current: number;
  ready: number;
  available: number;
  images: string;
  created?: string;
  current_: boolean;
}

export interface Rollout {
  desired: number;
  updated: number;
  /** Available replicas of the current revision. */
  updatedAvailable: number;
  ready: number;
  available: number;
  /** Replicas of older revisions still present. */
  old: number;
  state: 'complete' | 'progressing' | 'failed' | 'paused' | 'scaled-down';
  reason?: string;
  message?: string;
  revisions: RevisionRow[];
}

export function rolloutOf(d: Obj, replicaSets: Obj[]): Rollout {
  const desired = Number(d.spec?.replicas ?? 1);
  const st = d.status ?? {};
  const updated = Number(st.updatedReplicas ?? 0);
  const ready = Number(st.readyReplicas ?? 0);
  const available = Number(st.availableReplicas ?? 0);
  const total = Number(st.replicas ?? 0);
  const prog = ((st.conditions ?? []) as { type: string; status: string; reason?: string; message?: string }[]).find((c) => c.type === 'Progressing');
  const curRev = d.metadata.annotations?.['deployment.kubernetes.io/revision'];
  const revisions: RevisionRow[] = replicaSets
    .filter((rs) => (rs.metadata.ownerReferences ?? []).some((o) => o.uid === d.metadata.uid))
    .map((rs) => {
      const rev = rs.metadata.annotations?.['deployment.kubernetes.io/revision'] ?? '0';
      return {
        name: rs.metadata.name,
        revision: Number(rev),
        desired: Number(rs.spec?.replicas ?? 0),
        current: Number(rs.status?.replicas ?? 0),
        ready: Number(rs.status?.readyReplicas ?? 0),
        available: Number(rs.status?.availableReplicas ?? 0),
        images: ((rs.spec?.template?.spec?.containers ?? []) as { image: string }[]).map((c) => c.image).join(', '),
        created: rs.metadata.creationTimestamp,
        current_: rev === curRev,
      };
    })
    .sort((a, b) => b.revision - a.revision);
  const old = revisions.filter((r) => !r.current_).reduce((n, r) => n + r.current, 0) || Math.max(0, total - updated);
  let state: Rollout['state'];
  if (d.spec?.paused) state = 'paused';
  else if (prog?.reason === 'ProgressDeadlineExceeded') state = 'failed';
  else if (desired === 0 && total === 0) state = 'scaled-down';
  else if (updated >= desired && available >= desired && old === 0 && Number(st.observedGeneration ?? 0) >= Number((d.metadata as { generation?: number }).generation ?? 0)) state = 'complete';
  else state = 'progressing';
  const cur = revisions.find((r) => r.current_);
  const updatedAvailable = cur ? Math.min(cur.available, updated) : Math.min(available, updated);
  return { desired, updated, updatedAvailable, ready, available, old, state, reason: prog?.reason, message: prog?.message, revisions };
}

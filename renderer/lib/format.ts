/**
 * How objects are summarised in tables: pod status as kubectl prints it, readiness, restarts,
 * quantities, and the colour of a status.
 */
import type { KubeObject } from './listState';

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'muted';

/** kubectl's pod STATUS column (printPod). */
export function podStatus(pod: KubeObject): string {
  const st = pod.status ?? {};
  let reason: string = st.reason ?? st.phase ?? 'Unknown';
  const inits: any[] = st.initContainerStatuses ?? []; // eslint-disable-line @typescript-eslint/no-explicit-any
  let initializing = false;
  inits.forEach((c, i) => {
    if (initializing) return;
    const t = c.state?.terminated;
    if (t && t.exitCode === 0) return;
    initializing = true;
    if (t) reason = t.reason ? `Init:${t.reason}` : t.signal ? `Init:Signal:${t.signal}` : `Init:ExitCode:${t.exitCode}`;
    else if (c.state?.waiting?.reason && c.state.waiting.reason !== 'PodInitializing') reason = `Init:${c.state.waiting.reason}`;
    else reason = `Init:${i}/${(pod.spec?.initContainers ?? []).length}`;
  });
  if (!initializing) {
    let hasRunning = false;
    const cs: any[] = st.containerStatuses ?? []; // eslint-disable-line @typescript-eslint/no-explicit-any
    for (let i = cs.length - 1; i >= 0; i--) {
      const c = cs[i];
      if (c.state?.waiting?.reason) reason = c.state.waiting.reason;
      else if (c.state?.terminated?.reason) reason = c.state.terminated.reason;
      else if (c.state?.terminated) reason = c.state.terminated.signal ? `Signal:${c.state.terminated.signal}` : `ExitCode:${c.state.terminated.exitCode}`;
      else if (c.ready && c.state?.running) hasRunning = true;
    }
    if (reason === 'Completed' && hasRunning) reason = (st.conditions ?? []).some((c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True') ? 'Running' : 'NotReady';
  }
  if (pod.metadata.deletionTimestamp) reason = st.reason === 'NodeLost' ? 'Unknown' : 'Terminating';
  return reason;
}

export function statusTone(s: string): Tone {
  if (/^(Running|Active|Bound|Ready|Available|Complete|True|Normal|Succeeded-ok)$/.test(s)) return 'ok';
  if (/^(Succeeded|Completed|Released)$/.test(s)) return 'info';
  if (/^(Pending|ContainerCreating|PodInitializing|Init:\d+\/\d+|Terminating|NotReady|Progressing|Suspended|SchedulingDisabled|Warning|Unknown)$/.test(s)) return 'warn';
  if (/(Err|BackOff|Failed|Error|OOMKilled|Evicted|Lost|Invalid|False|Unschedulable|NodeNotReady|Signal|ExitCode)/.test(s)) return 'bad';
  return 'muted';
}

export function podReady(pod: KubeObject): string {
  const cs: { ready?: boolean }[] = pod.status?.containerStatuses ?? [];
  const total = (pod.spec?.containers ?? []).length;
  return `${cs.filter((c) => c.ready).length}/${total}`;
}

export function podRestarts(pod: KubeObject): number {
  const cs: { restartCount?: number }[] = pod.status?.containerStatuses ?? [];
  return cs.reduce((n, c) => n + (c.restartCount ?? 0), 0);
}

/** Parses a Kubernetes quantity into a number of base units (cores or bytes). */
export function parseQuantity(q: string | number | undefined): number {
  if (q === undefined || q === null) return 0;
  if (typeof q === 'number') return q;
  const m = /^([+-]?[0-9.]+(?:[eE][+-]?\d+)?)([a-zA-Z]*)$/.exec(q.trim());
  if (!m) return 0;
  const n = Number(m[1]);
  const mult: Record<string, number> = {
    '': 1, n: 1e-9, u: 1e-6, m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18,
    Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, Pi: 1024 ** 5, Ei: 1024 ** 6,
  };
  return n * (mult[m[2]] ?? 1);
}

export function formatCpu(cores: number): string {
  if (cores === 0) return '0';
  const milli = cores * 1000;
  // Idle containers use fractions of a millicore: keep a digit or two rather than print 0m.
  if (milli < 10) return `${Number(milli.toFixed(milli < 1 ? 2 : 1))}m`;
  if (cores < 1) return `${Math.round(milli)}m`;
  return `${Number(cores.toFixed(2))}`;
}

export function formatBytes(b: number): string {
  if (b === 0) return '0';
  const units = ['B', 'Ki', 'Mi', 'Gi', 'Ti', 'Pi'];
  let i = 0;
  while (b >= 1024 && i < units.length - 1) {
    b /= 1024;
    i++;
  }
  return `${Number(b.toFixed(b < 10 ? 1 : 0))}${units[i]}`;
}

export function nodeReady(node: KubeObject): string {
  const c = (node.status?.conditions ?? []).find((x: { type: string }) => x.type === 'Ready');
  const s = c?.status === 'True' ? 'Ready' : c ? 'NotReady' : 'Unknown';
  return node.spec?.unschedulable ? `${s},SchedulingDisabled` : s;
}

/** Label selector object → `k=v,k2 in (a,b)` string. */
export function selectorString(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): string {
  if (!sel) return '';
  const parts = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${(e.values ?? []).join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/** Client-side label selector match for matchLabels/matchExpressions. */
export function matchesSelector(labels: Record<string, string> | undefined, sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): boolean {
  if (!sel) return false;
  const l = labels ?? {};
  const ml = Object.entries(sel.matchLabels ?? {});
  const me = sel.matchExpressions ?? [];
  if (ml.length === 0 && me.length === 0) return false;
  for (const [k, v] of ml) if (l[k] !== v) return false;
  for (const e of me) {
    const has = e.key in l;
    if (e.operator === 'In' && !(has && (e.values ?? []).includes(l[e.key]))) return false;
    if (e.operator === 'NotIn' && has && (e.values ?? []).includes(l[e.key])) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

/**
 * The HorizontalPodAutoscaler controller (upstream pkg/controller/podautoscaler/horizontal.go),
 * autoscaling/v2 semantics.
 *
 * Every 15 s per HPA (a timer per HPA, so nothing runs while there are none) and on spec
 * changes, sync(key):
 * - reads the scale target through its `scale` subresource semantics: the target kind must
 *   declare `scale` in the registry; spec.replicas, status.replicas and the selector come from
 *   the object (as the Scale the API serves is built), and a new size is written to the object's
 *   spec.replicas;
 * - for each metric (Resource and ContainerResource: cpu/memory; Utilization or AverageValue),
 *   reads pod usage from the metrics API the kubelet side provides (ctx.features.metrics,
 *   metrics.k8s.io PodMetrics) and computes a replica count (replicas.ts); the largest wins.
 *   Without metrics the HPA reports ScalingActive=False/FailedGetResourceMetric and does not
 *   scale (Pods/Object/External metrics need custom metrics APIs Skiff does not serve);
 * - stabilizes (without spec.behavior: scale-down takes the highest recommendation of the last
 *   5 minutes, scale-up at most max(2×, 4); with spec.behavior: stabilization windows and the
 *   Pods/Percent rate policies, selectPolicy Max/Min/Disabled), clamps to min/maxReplicas;
 * - rescales, records events (SuccessfulRescale …) and writes status: currentReplicas,
 *   desiredReplicas, currentMetrics, lastScaleTime, conditions AbleToScale / ScalingActive /
 *   ScalingLimited with upstream's reasons and messages.
 * An empty spec.metrics means 80% CPU, as the v2 defaulter fills in.
 */
import type { EngineContext } from '../../component.js';
import type { KubeObject } from '../../api/types.js';
import { clone, isPlainObject } from '../../api/types.js';
import { Quantity, milliValue } from '../../api/quantity.js';
import { fromLabelSelector, matchesLabels, parseLabelSelector, selectorToString, type LabelSelectorObject, type Selector } from '../../api/selectors.js';
import { canonical } from '../../apiserver/rest.js';
import type { ResourceClient } from '../../client/client.js';
import type { Informer } from '../../client/informer.js';
import { keyOf, splitKey } from '../../client/informer.js';
import type { EventRecorder } from '../../events/recorder.js';
import { Controller, isNotFound, metaTime, startDeferred } from '../shared/controller.js';
import type { Pod } from '../shared/pods.js';
import { parseGoDuration } from '../../api/cron.js';
import { MetricsError, rawResourceReplicas, resourceReplicas, type PodMetrics } from './replicas.js';
import type { HorizontalPodAutoscaler, MetricSpec, MetricStatus, ScalingRules, HPACondition } from '../../api/resources/autoscaling.js';

// The API types live with the API (engine/api/resources/autoscaling.ts); re-exported for this folder's users.
export type { HorizontalPodAutoscaler, MetricSpec, MetricStatus, MetricTarget, ScalingPolicy, ScalingRules, HPACondition } from '../../api/resources/autoscaling.js';

/** --horizontal-pod-autoscaler-sync-period. */
export const RESYNC_MS = 15_000;
/** --horizontal-pod-autoscaler-downscale-stabilization. */
export const DOWNSCALE_STABILIZATION_MS = 5 * 60_000;
export const DEFAULT_CPU_UTILIZATION = 80;

/** The default scale-up / scale-down rules (GenerateHPAScaleUpRules / ScaleDownRules). */
export function scaleUpRules(r: ScalingRules | undefined): Required<ScalingRules> {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 0,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [
      { type: 'Pods', value: 4, periodSeconds: 15 },
      { type: 'Percent', value: 100, periodSeconds: 15 },
    ],
  };
}

export function scaleDownRules(r: ScalingRules | undefined): Required<ScalingRules> {
  return {
    stabilizationWindowSeconds: r?.stabilizationWindowSeconds ?? 300,
    selectPolicy: r?.selectPolicy ?? 'Max',
    policies: r?.policies ?? [{ type: 'Percent', value: 100, periodSeconds: 15 }],
  };
}

interface Recommendation {
  replicas: number;
  at: number;
}

interface ScaleEvent {
  change: number;
  at: number;
  outdated: boolean;
}

/** The target as its Scale shows it. */
interface ScaleView {
  client: ResourceClient;
  obj: KubeObject;
  specReplicas: number;
  statusReplicas: number;
  selector: string;
}

export interface HPAControllerOptions {
  recorder?: EventRecorder;
  resyncMs?: number;
}

export class HorizontalController extends Controller {
  private readonly recorder: EventRecorder;
  private hpaInformer!: Informer<HorizontalPodAutoscaler>;
  private podInformer!: Informer<Pod>;
  private readonly hpaClient: ResourceClient<HorizontalPodAutoscaler>;
  private readonly recommendations = new Map<string, Recommendation[]>();
  private readonly scaleUpEvents = new Map<string, ScaleEvent[]>();
  private readonly scaleDownEvents = new Map<string, ScaleEvent[]>();
  private readonly resyncMs: number;

  constructor(ctx: EngineContext, opts: HPAControllerOptions = {}) {
    super(ctx, 'horizontal-pod-autoscaler');
    this.recorder = this.recorderFor('horizontal-pod-autoscaler', opts.recorder);
    this.resyncMs = opts.resyncMs ?? RESYNC_MS;
    this.hpaClient = ctx.client.resource<HorizontalPodAutoscaler>('autoscaling', 'HorizontalPodAutoscaler');
  }

  protected register(): void {
    this.hpaInformer = this.informer<HorizontalPodAutoscaler>('autoscaling', 'HorizontalPodAutoscaler');
    this.podInformer = this.informer<Pod>('', 'Pod');
    this.hpaInformer.addHandler({
      add: (h) => this.worker.enqueue(keyOf(h)),
      // Our own status writes come back as updates: only spec changes need an early sync.
      update: (o, h) => {
        if (o.metadata.generation !== h.metadata.generation) this.worker.enqueue(keyOf(h));
      },
      delete: (h) => {
        const key = keyOf(h);
        this.recommendations.delete(key);
        this.scaleUpEvents.delete(key);
        this.scaleDownEvents.delete(key);
      },
    });
  }

  async sync(key: string): Promise<void> {
    const [namespace, name] = splitKey(key);
    const shared = this.hpaInformer.get(namespace, name);
    if (!shared) {
      this.recommendations.delete(key);
      this.scaleUpEvents.delete(key);
      this.scaleDownEvents.delete(key);
      return;
    }
    // The periodic resync, for as long as the HPA exists.
    this.requeueAfter(key, this.resyncMs);
    try {
      await this.reconcile(shared, key);
    } catch (e) {
      // Failures the HPA reports itself (conditions, events) are retried by the resync timer,
      // as upstream's 15 s rate limiter does; anything else (e.g. a conflict) retries sooner.
      if (!(e instanceof ReconcileError)) throw e;
    }
  }

  private now(): number {
    return this.ctx.clock.now().getTime();
  }

  /** reconcileAutoscaler. */
  private async reconcile(shared: HorizontalPodAutoscaler, key: string): Promise<void> {
    const hpa = clone(shared);
    hpa.spec ??= {};
    hpa.status ??= {};
    const original = clone(hpa.status);
    const ref = hpa.spec.scaleTargetRef ?? {};
    const reference = `${ref.kind}/${hpa.metadata.namespace}/${ref.name}`;
    let scale: ScaleView;
    try {
      scale = this.getScale(hpa);
    } catch (e) {
      const msg = (e as Error).message;
      this.recorder.event(hpa, 'Warning', 'FailedGetScale', msg);
      setCondition(hpa, 'AbleToScale', 'False', 'FailedGetScale', `the HPA controller was unable to get the target's current scale: ${msg}`, this.now());
      this.writeStatus(hpa, original);
      throw new ReconcileError(`failed to query scale subresource for ${reference}: ${msg}`);
    }
    setCondition(hpa, 'AbleToScale', 'True', 'SucceededGetScale', "the HPA controller was able to get the target's current scale", this.now());
    const current = scale.specReplicas;
    if (!this.recommendations.has(key)) this.recommendations.set(key, [{ replicas: current, at: this.now() }]);
    const minReplicas = hpa.spec.minReplicas ?? 1;
    const maxReplicas = hpa.spec.maxReplicas ?? minReplicas;
    let desired = 0;
    let reason = '';
    let rescale = true;
    let statuses: MetricStatus[] = [];
    let retErr: Error | undefined;
    if (scale.specReplicas === 0 && minReplicas !== 0) {
      desired = 0;
      rescale = false;
      setCondition(hpa, 'ScalingActive', 'False', 'ScalingDisabled', 'scaling is disabled since the replica count of the target is zero', this.now());
    } else if (current > maxReplicas) {
      reason = 'Current number of replicas above Spec.MaxReplicas';
      desired = maxReplicas;
    } else if (current < minReplicas) {
      reason = 'Current number of replicas below Spec.MinReplicas';
      desired = minReplicas;
    } else {
      const metrics = hpa.spec.metrics?.length ? hpa.spec.metrics : [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: DEFAULT_CPU_UTILIZATION } } }];
      const r = await this.computeReplicasForMetrics(hpa, scale, metrics);
      statuses = r.statuses;
      if (r.err && r.replicas === -1) {
        hpa.status.currentReplicas = current;
        hpa.status.currentMetrics = statuses.length ? statuses : undefined;
        this.writeStatus(hpa, original);
        this.recorder.event(hpa, 'Warning', 'FailedComputeMetricsReplicas', r.err.message);
        throw new ReconcileError(`failed to compute desired number of replicas based on listed metrics for ${reference}: ${r.err.message}`);
      }
      if (r.err) retErr = r.err;
      let metricName = '';
      if (r.replicas > desired) {
        desired = r.replicas;
        metricName = r.metric;
      }
      if (desired > current) reason = `${metricName} above target`;
      if (desired < current) reason = 'All metrics below target';
      desired = hpa.spec.behavior ? this.normalizeWithBehaviors(hpa, key, current, desired, minReplicas, maxReplicas) : this.normalize(hpa, key, current, desired, minReplicas, maxReplicas);
      rescale = desired !== current;
    }
    if (rescale) {
      try {
        scale.client.modify(scale.obj.metadata.namespace, scale.obj.metadata.name as string, (o) => {
          (o.spec as Record<string, unknown>).replicas = desired;
        });
      } catch (e) {
        const msg = (e as Error).message;
        this.recorder.event(hpa, 'Warning', 'FailedRescale', `New size: ${desired}; reason: ${reason}; error: ${msg}`);
        setCondition(hpa, 'AbleToScale', 'False', 'FailedUpdateScale', `the HPA controller was unable to update the target scale: ${msg}`, this.now());
        hpa.status.currentReplicas = current;
        hpa.status.currentMetrics = statuses.length ? statuses : undefined;
        this.writeStatus(hpa, original);
        throw new ReconcileError(`failed to rescale ${reference}: ${msg}`);
      }
      setCondition(hpa, 'AbleToScale', 'True', 'SucceededRescale', `the HPA controller was able to update the target scale to ${desired}`, this.now());
      this.recorder.event(hpa, 'Normal', 'SuccessfulRescale', `New size: ${desired}; reason: ${reason}`);
      this.storeScaleEvent(hpa, key, current, desired);
    } else {
      desired = current;
    }
    hpa.status.currentReplicas = current;
    hpa.status.desiredReplicas = desired;
    hpa.status.currentMetrics = statuses.length ? statuses : undefined;
    if (rescale) hpa.status.lastScaleTime = metaTime(this.ctx.clock.now());
    this.writeStatus(hpa, original);
    if (retErr) throw new ReconcileError(retErr.message);
  }

  /** The scale target, read the way the `scale` subresource reads it. */
  private getScale(hpa: HorizontalPodAutoscaler): ScaleView {
    const ref = hpa.spec?.scaleTargetRef ?? {};
    if (!ref.kind || !ref.name) throw new Error('scaleTargetRef must name a kind and a name');
    const apiVersion = ref.apiVersion ?? 'v1';
    const def = this.ctx.registry.byApiVersionKind(apiVersion, ref.kind) ?? this.ctx.registry.byGroupKind(apiVersion.includes('/') ? apiVersion.split('/')[0] : '', ref.kind);
    if (!def) throw new Error(`no matches for kind "${ref.kind}" in group "${apiVersion.includes('/') ? apiVersion.split('/')[0] : ''}"`);
    if (!def.scale && !(def.subresources ?? []).includes('scale')) throw new Error(`${def.plural} "${ref.name}" does not have a scale subresource`);
    const client = this.ctx.client.resource(def.group, def.kind);
    const obj = client.get(hpa.metadata.namespace, ref.name);
    if (!obj) throw new Error(`${def.group ? `${def.plural}.${def.group}` : def.plural} "${ref.name}" not found`);
    const spec = isPlainObject(obj.spec) ? obj.spec : {};
    const specPath = def.scale?.specReplicasPath ?? ['spec', 'replicas'];
    const statusPath = def.scale?.statusReplicasPath ?? ['status', 'replicas'];
    const at = (o: unknown, path: string[]) => path.reduce<unknown>((v, k) => (isPlainObject(v) ? v[k] : undefined), o);
    const specReplicas = Number(at(obj, specPath) ?? 1);
    const statusReplicas = Number(at(obj, statusPath) ?? 0);
    let selector = def.scale?.selector?.(obj);
    if (selector === undefined) {
      const sel = spec.selector;
      if (def.kind === 'ReplicationController' && isPlainObject(sel)) selector = selectorToString(fromLabelSelector({ matchLabels: sel as Record<string, string> }) ?? []);
      else if (isPlainObject(sel)) selector = selectorToString(fromLabelSelector(sel as LabelSelectorObject) ?? []);
      else selector = '';
    }
    return { client, obj, specReplicas, statusReplicas, selector };
  }

  /** computeReplicasForMetrics: the largest proposal of the valid metrics. */
  private async computeReplicasForMetrics(hpa: HorizontalPodAutoscaler, scale: ScaleView, specs: MetricSpec[]): Promise<{ replicas: number; metric: string; statuses: MetricStatus[]; err?: Error }> {
    if (!scale.selector) {
      this.recorder.event(hpa, 'Warning', 'SelectorRequired', 'selector is required');
      setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', "the HPA target's scale is missing a selector", this.now());
      return { replicas: -1, metric: '', statuses: [], err: new Error('selector is required') };
    }
    let selector: Selector;
    try {
      selector = parseLabelSelector(scale.selector);
    } catch (e) {
      const msg = `couldn't convert selector into a corresponding internal selector object: ${(e as Error).message}`;
      this.recorder.event(hpa, 'Warning', 'InvalidSelector', msg);
      setCondition(hpa, 'ScalingActive', 'False', 'InvalidSelector', msg, this.now());
      return { replicas: -1, metric: '', statuses: [], err: new Error(msg) };
    }
    const pods = this.podInformer.list(hpa.metadata.namespace).filter((p) => matchesLabels(selector, p.metadata.labels));
    const statuses: MetricStatus[] = [];
    let replicas = 0;
    let metric = '';
    let invalid = 0;
    let firstErr: Error | undefined;
    let firstCond: { reason: string; message: string } | undefined;
    for (const spec of specs) {
      try {
        const r = await this.computeReplicasForMetric(hpa, spec, scale.specReplicas, pods);
        statuses.push(r.status);
        if (replicas === 0 || r.replicas > replicas) {
          replicas = r.replicas;
          metric = r.name;
        }
      } catch (e) {
        const err = e as MetricFailure;
        if (invalid === 0) {
          firstErr = err;
          firstCond = { reason: err.reason ?? 'FailedGetResourceMetric', message: `the HPA was unable to compute the replica count: ${err.detail ?? err.message}` };
        }
        statuses.push(emptyStatus(spec));
        invalid++;
      }
    }
    const err = firstErr ? new Error(`invalid metrics (${invalid} invalid out of ${specs.length}), first error is: ${firstErr.message}`) : undefined;
    if (invalid >= specs.length || (invalid > 0 && replicas < scale.specReplicas)) {
      setCondition(hpa, 'ScalingActive', 'False', firstCond!.reason, firstCond!.message, this.now());
      return { replicas: -1, metric: '', statuses, err };
    }
    setCondition(hpa, 'ScalingActive', 'True', 'ValidMetricFound', `the HPA was able to successfully calculate a replica count from ${metric}`, this.now());
    return { replicas, metric, statuses, err };
  }

  private async computeReplicasForMetric(hpa: HorizontalPodAutoscaler, spec: MetricSpec, specReplicas: number, pods: Pod[]): Promise<{ replicas: number; name: string; status: MetricStatus }> {
    const fail = (reason: string, cause: string, message: string): never => {
      this.recorder.event(hpa, 'Warning', reason, cause);
      throw new MetricFailure(message, reason, cause);
    };
    if (spec.type !== 'Resource' && spec.type !== 'ContainerResource') {
      const reason = `FailedGet${spec.type}Metric`;
      return fail(reason, `unable to get metric: the ${spec.type} metrics API (custom.metrics.k8s.io / external.metrics.k8s.io) is not served`, `failed to get ${spec.type.toLowerCase()} metric: the API is not served`);
    }
    const src = spec.type === 'Resource' ? spec.resource : spec.containerResource;
    if (!src) return fail('InvalidMetricSourceType', `invalid metric source: ${spec.type} without its source`, `invalid metric source: ${spec.type}`);
    const resource = src.name;
    const container = spec.type === 'ContainerResource' ? (spec.containerResource?.container ?? '') : undefined;
    const reason = spec.type === 'Resource' ? 'FailedGetResourceMetric' : 'FailedGetContainerResourceMetric';
    let sampled: PodMetrics;
    try {
      sampled = await this.podMetrics(hpa.metadata.namespace as string, resource, pods, container);
    } catch (e) {
      const inner = `unable to get metrics for resource ${resource}: ${(e as Error).message}`;
      const what = src.target.averageValue !== undefined && src.target.type === 'AverageValue' ? `failed to get ${resource} usage` : `failed to get ${resource} utilization`;
      return fail(reason, `${what}: ${inner}`, `failed to get ${resource} resource metric value: ${what}: ${inner}`);
    }
    const now = this.now();
    const baseStatus = (current: { averageUtilization?: number; averageValue?: string }): MetricStatus =>
      spec.type === 'Resource' ? { type: 'Resource', resource: { name: resource, current } } : { type: 'ContainerResource', containerResource: { name: resource, container: container ?? '', current } };
    try {
      if (src.target.type === 'AverageValue' && src.target.averageValue !== undefined) {
        const r = rawResourceReplicas(specReplicas, milliValue(src.target.averageValue), resource, pods, sampled, now);
        return { replicas: r.replicas, name: spec.type === 'Resource' ? `${resource} resource` : `${resource} container resource`, status: baseStatus({ averageValue: Quantity.fromMilli(r.usage).toString() }) };
      }
      const target = src.target.averageUtilization;
      if (target === undefined) throw new MetricsError('invalid resource metric source: neither a utilization target nor a value target was set');
      const r = resourceReplicas(specReplicas, target, resource, pods, sampled, now, container);
      const name = spec.type === 'Resource' ? `${resource} resource utilization (percentage of request)` : `${resource} container resource utilization (percentage of request)`;
      return { replicas: r.replicas, name, status: baseStatus({ averageUtilization: r.utilization, averageValue: Quantity.fromMilli(r.rawAverage).toString() }) };
    } catch (e) {
      if (!(e instanceof MetricsError)) throw e;
      const what = `failed to get ${resource} utilization: ${e.message}`;
      return fail(reason, what, `failed to get ${resource} resource metric value: ${what}`);
    }
  }

  /** Usage per pod (milli-units) from metrics.k8s.io, for the selected pods. */
  private async podMetrics(namespace: string, resource: string, pods: Pod[], container?: string): Promise<PodMetrics> {
    const provider = this.ctx.features.metrics;
    if (!provider) throw new Error('the server could not find the requested resource (get pods.metrics.k8s.io)');
    const wanted = new Set(pods.map((p) => p.metadata.name as string));
    const out: PodMetrics = new Map();
    for (const pm of await provider.podMetrics(namespace)) {
      const name = pm.metadata.name as string;
      if (!wanted.has(name)) continue;
      const containers = Array.isArray(pm.containers) ? (pm.containers as { name: string; usage?: Record<string, string> }[]) : [];
      let sum = 0;
      let found = false;
      for (const c of containers) {
        if (container && c.name !== container) continue;
        const v = c.usage?.[resource];
        if (v === undefined) continue;
        sum += milliValue(v);
        found = true;
      }
      if (!found) continue;
      const ts = typeof pm.timestamp === 'string' ? Date.parse(pm.timestamp) : NaN;
      let windowMs = 30_000;
      if (typeof pm.window === 'string') {
        try {
          windowMs = parseGoDuration(pm.window);
        } catch {
          // keep the default window
        }
      }
      out.set(name, { value: sum, timestamp: Number.isNaN(ts) ? this.now() : ts, windowMs });
    }
    if (out.size === 0) throw new Error('no metrics returned from resource metrics API');
    return out;
  }

  // ---- normalization

  /** normalizeDesiredReplicas (no spec.behavior). */
  private normalize(hpa: HorizontalPodAutoscaler, key: string, current: number, prenormalized: number, minReplicas: number, maxReplicas: number): number {
    const stabilized = this.stabilize(key, prenormalized);
    if (stabilized !== prenormalized) {
      setCondition(hpa, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation', this.now());
    } else {
      setCondition(hpa, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', this.now());
    }
    const { replicas, reason, message } = convertWithRules(current, stabilized, minReplicas, maxReplicas);
    setCondition(hpa, 'ScalingLimited', replicas === stabilized ? 'False' : 'True', reason, message, this.now());
    return replicas;
  }

  /** stabilizeRecommendation: the highest recommendation within the downscale window. */
  private stabilize(key: string, prenormalized: number): number {
    const now = this.now();
    const cutoff = now - DOWNSCALE_STABILIZATION_MS;
    const recs = this.recommendations.get(key) ?? [];
    let max = prenormalized;
    let replaced = false;
    for (let i = 0; i < recs.length; i++) {
      if (recs[i].at > cutoff) max = Math.max(max, recs[i].replicas);
      else if (!replaced) {
        recs[i] = { replicas: prenormalized, at: now };
        replaced = true;
      }
    }
    if (!replaced) recs.push({ replicas: prenormalized, at: now });
    this.recommendations.set(key, recs);
    return max;
  }

  /** normalizeDesiredReplicasWithBehaviors. */
  private normalizeWithBehaviors(hpa: HorizontalPodAutoscaler, key: string, current: number, prenormalized: number, minReplicas: number, maxReplicas: number): number {
    const up = scaleUpRules(hpa.spec?.behavior?.scaleUp);
    const down = scaleDownRules(hpa.spec?.behavior?.scaleDown);
    const now = this.now();
    // stabilizeRecommendationWithBehaviors
    const upCutoff = now - up.stabilizationWindowSeconds * 1000;
    const downCutoff = now - down.stabilizationWindowSeconds * 1000;
    let upRec = prenormalized;
    let downRec = prenormalized;
    const recs = this.recommendations.get(key) ?? [];
    let oldIndex = -1;
    recs.forEach((r, i) => {
      if (r.at > upCutoff) upRec = Math.min(r.replicas, upRec);
      if (r.at > downCutoff) downRec = Math.max(r.replicas, downRec);
      if (r.at < upCutoff && r.at < downCutoff) oldIndex = i;
    });
    let stabilized = current;
    if (stabilized < upRec) stabilized = upRec;
    if (stabilized > downRec) stabilized = downRec;
    if (oldIndex >= 0) recs[oldIndex] = { replicas: prenormalized, at: now };
    else recs.push({ replicas: prenormalized, at: now });
    this.recommendations.set(key, recs);
    if (stabilized !== prenormalized) {
      if (prenormalized >= current) setCondition(hpa, 'AbleToScale', 'True', 'ScaleUpStabilized', 'recent recommendations were lower than current one, applying the lowest recent recommendation', now);
      else setCondition(hpa, 'AbleToScale', 'True', 'ScaleDownStabilized', 'recent recommendations were higher than current one, applying the highest recent recommendation', now);
    } else {
      setCondition(hpa, 'AbleToScale', 'True', 'ReadyForNewScale', 'recommended size matches current size', now);
    }
    // convertDesiredReplicasWithBehaviorRate
    let desired = stabilized;
    let reason = 'DesiredWithinRange';
    let message = 'the desired count is within the acceptable range';
    const upEvents = this.scaleUpEvents.get(key) ?? [];
    const downEvents = this.scaleDownEvents.get(key) ?? [];
    if (stabilized > current) {
      let limit = scaleUpLimit(current, upEvents, downEvents, up, now);
      if (limit < current) limit = current;
      let maxAllowed = maxReplicas;
      let r: string;
      let m: string;
      if (maxAllowed > limit) {
        maxAllowed = limit;
        r = 'ScaleUpLimit';
        m = 'the desired replica count is increasing faster than the maximum scale rate';
      } else {
        r = 'TooManyReplicas';
        m = 'the desired replica count is more than the maximum replica count';
      }
      if (stabilized > maxAllowed) {
        desired = maxAllowed;
        reason = r;
        message = m;
      }
    } else if (stabilized < current) {
      let limit = scaleDownLimit(current, upEvents, downEvents, down, now);
      if (limit > current) limit = current;
      let minAllowed = minReplicas;
      let r: string;
      let m: string;
      if (minAllowed < limit) {
        minAllowed = limit;
        r = 'ScaleDownLimit';
        m = 'the desired replica count is decreasing faster than the maximum scale rate';
      } else {
        r = 'TooFewReplicas';
        m = 'the desired replica count is less than the minimum replica count';
      }
      if (stabilized < minAllowed) {
        desired = minAllowed;
        reason = r;
        message = m;
      }
    }
    setCondition(hpa, 'ScalingLimited', desired === stabilized ? 'False' : 'True', reason, message, now);
    return desired;
  }

  /** storeScaleEvent: remembers rescales for the rate policies (only with spec.behavior). */
  private storeScaleEvent(hpa: HorizontalPodAutoscaler, key: string, prev: number, next: number): void {
    if (!hpa.spec?.behavior) return;
    const now = this.now();
    const up = scaleUpRules(hpa.spec.behavior.scaleUp);
    const down = scaleDownRules(hpa.spec.behavior.scaleDown);
    const longest = (r: Required<ScalingRules>) => Math.max(0, ...r.policies.map((p) => p.periodSeconds)) * 1000;
    const record = (m: Map<string, ScaleEvent[]>, period: number, change: number) => {
      const list = (m.get(key) ?? []).map((e) => ({ ...e, outdated: e.outdated || e.at <= now - period }));
      const i = list.findIndex((e) => e.outdated);
      const ev = { change, at: now, outdated: false };
      if (i >= 0) list[i] = ev;
      else list.push(ev);
      m.set(key, list);
    };
    if (next > prev) record(this.scaleUpEvents, longest(up), next - prev);
    else if (next < prev) record(this.scaleDownEvents, longest(down), prev - next);
  }

  /** updateStatusIfNeeded. */
  private writeStatus(hpa: HorizontalPodAutoscaler, original: NonNullable<HorizontalPodAutoscaler['status']>): void {
    const st = hpa.status ?? {};
    if (st.currentMetrics === undefined) delete st.currentMetrics;
    st.currentReplicas ??= 0;
    st.desiredReplicas ??= 0;
    if (JSON.stringify(canonical(st)) === JSON.stringify(canonical(original))) return;
    try {
      this.hpaClient.updateStatus(hpa);
    } catch (e) {
      if (!isNotFound(e)) throw e;
    }
  }
}

/** A reconcile failure already reported in the HPA's status and events. */
class ReconcileError extends Error {}

class MetricFailure extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly detail: string,
  ) {
    super(message);
  }
}

function emptyStatus(spec: MetricSpec): MetricStatus {
  if (spec.type === 'Resource' && spec.resource) return { type: 'Resource', resource: { name: spec.resource.name, current: {} } };
  if (spec.type === 'ContainerResource' && spec.containerResource) return { type: 'ContainerResource', containerResource: { name: spec.containerResource.name, container: spec.containerResource.container, current: {} } };
  return { type: '' };
}

/** setCondition: lastTransitionTime moves only when the status changes. */
export function setCondition(hpa: HorizontalPodAutoscaler, type: string, status: string, reason: string, message: string, nowMs: number): void {
  const st = (hpa.status ??= {});
  const conds = (st.conditions ??= []);
  const t = metaTime(new Date(nowMs));
  const i = conds.findIndex((c) => c.type === type);
  if (i < 0) {
    conds.push({ type, status, lastTransitionTime: t, reason, message });
    return;
  }
  const c = conds[i];
  conds[i] = { type, status, lastTransitionTime: c.status !== status ? t : (c.lastTransitionTime ?? t), reason, message };
}

/** convertDesiredReplicasWithRules (no behavior): at most max(2×, 4) per step, within min/max. */
export function convertWithRules(current: number, desired: number, minReplicas: number, maxReplicas: number): { replicas: number; reason: string; message: string } {
  const scaleUpLimit = Math.max(2 * current, 4);
  let maxAllowed: number;
  let reason: string;
  let message: string;
  if (maxReplicas > scaleUpLimit) {
    maxAllowed = scaleUpLimit;
    reason = 'ScaleUpLimit';
    message = 'the desired replica count is increasing faster than the maximum scale rate';
  } else {
    maxAllowed = maxReplicas;
    reason = 'TooManyReplicas';
    message = 'the desired replica count is more than the maximum replica count';
  }
  if (desired < minReplicas) return { replicas: minReplicas, reason: 'TooFewReplicas', message: 'the desired replica count is less than the minimum replica count' };
  if (desired > maxAllowed) return { replicas: maxAllowed, reason, message };
  return { replicas: desired, reason: 'DesiredWithinRange', message: 'the desired count is within the acceptable range' };
}

function changeInPeriod(periodSeconds: number, events: ScaleEvent[], now: number): number {
  const cutoff = now - periodSeconds * 1000;
  let n = 0;
  for (const e of events) if (e.at > cutoff) n += e.change;
  return n;
}

/** calculateScaleUpLimitWithScalingRules. */
export function scaleUpLimit(current: number, upEvents: ScaleEvent[], downEvents: ScaleEvent[], rules: Required<ScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const min = rules.selectPolicy === 'Min';
  let result = min ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, upEvents, now) + changeInPeriod(p.periodSeconds, downEvents, now);
    const proposed = p.type === 'Pods' ? start + p.value : Math.ceil(start * (1 + p.value / 100));
    result = min ? Math.min(result, proposed) : Math.max(result, proposed);
  }
  return result;
}

/** calculateScaleDownLimitWithBehaviors. */
export function scaleDownLimit(current: number, upEvents: ScaleEvent[], downEvents: ScaleEvent[], rules: Required<ScalingRules>, now: number): number {
  if (rules.selectPolicy === 'Disabled') return current;
  const min = rules.selectPolicy === 'Min';
  let result = min ? Number.MIN_SAFE_INTEGER : Number.MAX_SAFE_INTEGER;
  for (const p of rules.policies) {
    const start = current - changeInPeriod(p.periodSeconds, upEvents, now) + changeInPeriod(p.periodSeconds, downEvents, now);
    const proposed = p.type === 'Pods' ? start - p.value : Math.trunc(start * (1 - p.value / 100));
    result = min ? Math.max(result, proposed) : Math.min(result, proposed);
  }
  return result;
}

/** controller-manager entry point: `horizontalpodautoscaling`. */
export function startHorizontalController(ctx: EngineContext): { stop(): Promise<void> } {
  return startDeferred(new HorizontalController(ctx));
}

/**
 * autoscaling/v1 ↔ autoscaling/v2 HorizontalPodAutoscaler conversion (upstream
 * pkg/apis/autoscaling/v1/conversion.go), for serving v1 — which `kubectl autoscale` v1.32 POSTs
 * (protobuf, `/apis/autoscaling/v1/namespaces/<ns>/horizontalpodautoscalers`) — on top of
 * v2 storage. The registry's HPA resources (extra.ts) call these as their `convert`; the types
 * are the ones the HPA controller (engine/controllers/horizontalpodautoscaler/) works with.
 *
 * v1 has only `targetCPUUtilizationPercentage`; everything else v2 can express travels in
 * annotations, as upstream does, so a v2 → v1 → v2 round trip loses nothing:
 *   autoscaling.alpha.kubernetes.io/metrics          spec.metrics other than CPU utilization
 *   autoscaling.alpha.kubernetes.io/behavior         spec.behavior
 *   autoscaling.alpha.kubernetes.io/conditions       status.conditions
 *   autoscaling.alpha.kubernetes.io/current-metrics  status.currentMetrics other than CPU
 * (upstream writes the metrics annotations in the old v2beta1-like shape; Skiff writes and
 * reads the v2 shape, and also reads the old shape for Resource metrics).
 */
import type { KubeObject } from '../types.js';
import { clone, isPlainObject } from '../types.js';

export interface MetricTarget {
  type: 'Utilization' | 'AverageValue' | 'Value' | string;
  averageUtilization?: number;
  averageValue?: string | number;
  value?: string | number;
}

export interface MetricSpec {
  type: 'Resource' | 'ContainerResource' | 'Pods' | 'Object' | 'External' | string;
  resource?: { name: string; target: MetricTarget };
  containerResource?: { name: string; container: string; target: MetricTarget };
  [k: string]: unknown;
}

export interface ScalingPolicy {
  type: 'Pods' | 'Percent' | string;
  value: number;
  periodSeconds: number;
}

export interface ScalingRules {
  stabilizationWindowSeconds?: number;
  selectPolicy?: 'Max' | 'Min' | 'Disabled' | string;
  policies?: ScalingPolicy[];
}

export interface HPACondition {
  type: string;
  status: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

export interface MetricStatus {
  type: string;
  resource?: { name: string; current: { averageUtilization?: number; averageValue?: string } };
  containerResource?: { name: string; container: string; current: { averageUtilization?: number; averageValue?: string } };
}

export interface HorizontalPodAutoscaler extends KubeObject {
  spec?: {
    scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    metrics?: MetricSpec[];
    behavior?: { scaleUp?: ScalingRules; scaleDown?: ScalingRules };
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas?: number;
    desiredReplicas?: number;
    currentMetrics?: MetricStatus[];
    conditions?: HPACondition[];
  };
}

export const METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/metrics';
export const BEHAVIOR_ANNOTATION = 'autoscaling.alpha.kubernetes.io/behavior';
export const CONDITIONS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/conditions';
export const CURRENT_METRICS_ANNOTATION = 'autoscaling.alpha.kubernetes.io/current-metrics';
const ANNOTATIONS = [METRICS_ANNOTATION, BEHAVIOR_ANNOTATION, CONDITIONS_ANNOTATION, CURRENT_METRICS_ANNOTATION];

export interface HPAv1 extends KubeObject {
  spec?: {
    scaleTargetRef?: { apiVersion?: string; kind?: string; name?: string };
    minReplicas?: number;
    maxReplicas?: number;
    targetCPUUtilizationPercentage?: number;
  };
  status?: {
    observedGeneration?: number;
    lastScaleTime?: string;
    currentReplicas?: number;
    desiredReplicas?: number;
    currentCPUUtilizationPercentage?: number;
  };
}

function isCpuUtilization(m: MetricSpec): boolean {
  return m.type === 'Resource' && m.resource?.name === 'cpu' && m.resource.target?.type === 'Utilization' && m.resource.target.averageUtilization !== undefined;
}

function parseJSON(text: string | undefined): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An annotation metric in either the v2 shape or upstream's v1 alpha shape. */
function metricFromAnnotation(m: unknown): MetricSpec | undefined {
  if (!isPlainObject(m) || typeof m.type !== 'string') return undefined;
  const r = m.resource;
  if (m.type === 'Resource' && isPlainObject(r) && typeof r.name === 'string' && !isPlainObject(r.target)) {
    if (typeof r.targetAverageUtilization === 'number') return { type: 'Resource', resource: { name: r.name, target: { type: 'Utilization', averageUtilization: r.targetAverageUtilization } } };
    if (r.targetAverageValue !== undefined) return { type: 'Resource', resource: { name: r.name, target: { type: 'AverageValue', averageValue: r.targetAverageValue as string } } };
    return undefined;
  }
  return m as MetricSpec;
}

/** v1 → v2 (create/update through autoscaling/v1, and v1 reads of v2-stored objects in reverse). */
export function hpaV1ToV2(v1: HPAv1): HorizontalPodAutoscaler {
  const meta = clone(v1.metadata);
  const ann = { ...(meta.annotations ?? {}) };
  const out: HorizontalPodAutoscaler = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: {} };
  const spec = v1.spec ?? {};
  const s = out.spec as NonNullable<HorizontalPodAutoscaler['spec']>;
  if (spec.scaleTargetRef) s.scaleTargetRef = { ...spec.scaleTargetRef };
  if (spec.minReplicas !== undefined) s.minReplicas = spec.minReplicas;
  if (spec.maxReplicas !== undefined) s.maxReplicas = spec.maxReplicas;
  const metrics: MetricSpec[] = [];
  if (spec.targetCPUUtilizationPercentage !== undefined && spec.targetCPUUtilizationPercentage !== null) {
    metrics.push({ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: spec.targetCPUUtilizationPercentage } } });
  }
  const extra = parseJSON(ann[METRICS_ANNOTATION]);
  if (Array.isArray(extra)) for (const m of extra) {
    const mm = metricFromAnnotation(m);
    if (mm) metrics.push(mm);
  }
  if (metrics.length) s.metrics = metrics;
  const behavior = parseJSON(ann[BEHAVIOR_ANNOTATION]);
  if (isPlainObject(behavior)) s.behavior = behavior as NonNullable<HorizontalPodAutoscaler['spec']>['behavior'];
  if (v1.status) {
    const st = v1.status;
    const o: NonNullable<HorizontalPodAutoscaler['status']> = {};
    if (st.observedGeneration !== undefined) o.observedGeneration = st.observedGeneration;
    if (st.lastScaleTime) o.lastScaleTime = st.lastScaleTime;
    o.currentReplicas = st.currentReplicas ?? 0;
    o.desiredReplicas = st.desiredReplicas ?? 0;
    const current: MetricStatus[] = [];
    if (st.currentCPUUtilizationPercentage !== undefined) current.push({ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: st.currentCPUUtilizationPercentage } } });
    const more = parseJSON(ann[CURRENT_METRICS_ANNOTATION]);
    if (Array.isArray(more)) current.push(...(more as MetricStatus[]));
    if (current.length) o.currentMetrics = current;
    const conds = parseJSON(ann[CONDITIONS_ANNOTATION]);
    if (Array.isArray(conds)) o.conditions = conds as NonNullable<HorizontalPodAutoscaler['status']>['conditions'];
    out.status = o;
  }
  for (const a of ANNOTATIONS) delete ann[a];
  if (Object.keys(ann).length) meta.annotations = ann;
  else delete meta.annotations;
  return out;
}

/** v2 → v1 (what a v1 GET/LIST/WATCH answers). */
export function hpaV2ToV1(v2: HorizontalPodAutoscaler): HPAv1 {
  const meta = clone(v2.metadata);
  const ann: Record<string, string> = { ...(meta.annotations ?? {}) };
  for (const a of ANNOTATIONS) delete ann[a];
  const spec = v2.spec ?? {};
  const out: HPAv1 = { apiVersion: 'autoscaling/v1', kind: 'HorizontalPodAutoscaler', metadata: meta, spec: {} };
  const s = out.spec as NonNullable<HPAv1['spec']>;
  if (spec.scaleTargetRef) s.scaleTargetRef = { ...spec.scaleTargetRef };
  if (spec.minReplicas !== undefined) s.minReplicas = spec.minReplicas;
  if (spec.maxReplicas !== undefined) s.maxReplicas = spec.maxReplicas;
  const others: MetricSpec[] = [];
  for (const m of spec.metrics ?? []) {
    if (s.targetCPUUtilizationPercentage === undefined && isCpuUtilization(m)) s.targetCPUUtilizationPercentage = m.resource!.target.averageUtilization;
    else others.push(m);
  }
  if (others.length) ann[METRICS_ANNOTATION] = JSON.stringify(others);
  if (spec.behavior) ann[BEHAVIOR_ANNOTATION] = JSON.stringify(spec.behavior);
  const st = v2.status;
  if (st) {
    const o: NonNullable<HPAv1['status']> = { currentReplicas: st.currentReplicas ?? 0, desiredReplicas: st.desiredReplicas ?? 0 };
    if (st.observedGeneration !== undefined) o.observedGeneration = st.observedGeneration;
    if (st.lastScaleTime) o.lastScaleTime = st.lastScaleTime;
    const rest: MetricStatus[] = [];
    for (const m of st.currentMetrics ?? []) {
      const u = m.type === 'Resource' && m.resource?.name === 'cpu' ? m.resource.current.averageUtilization : undefined;
      if (u !== undefined && o.currentCPUUtilizationPercentage === undefined) o.currentCPUUtilizationPercentage = u;
      else rest.push(m);
    }
    if (rest.length) ann[CURRENT_METRICS_ANNOTATION] = JSON.stringify(rest);
    if (st.conditions?.length) ann[CONDITIONS_ANNOTATION] = JSON.stringify(st.conditions);
    out.status = o;
  }
  if (Object.keys(ann).length) meta.annotations = ann;
  else delete meta.annotations;
  return out;
}

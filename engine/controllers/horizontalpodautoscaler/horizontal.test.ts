import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { newDeployment, newTestEnv, settle, type TestEnv } from '../shared/testing.js';
import type { Pod } from '../shared/pods.js';
import { HorizontalController, type HorizontalPodAutoscaler, type MetricSpec } from './horizontal.js';
import { hpaV1ToV2, hpaV2ToV1, type HPAv1 } from '../../api/resources/autoscaling.js';

function create<T extends KubeObject>(env: TestEnv, obj: T): T {
  const def = env.registry.byApiVersionKind(obj.apiVersion as string, obj.kind as string);
  if (!def) throw new Error(`unknown kind ${obj.kind}`);
  return env.client.resource<T>(def.group, def.kind).create(obj);
}

const cpu50: MetricSpec = { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } };

function newHPA(min: number, max: number, metrics?: MetricSpec[], behavior?: NonNullable<HorizontalPodAutoscaler['spec']>['behavior']): HorizontalPodAutoscaler {
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: 'web', namespace: 'default' },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: min, maxReplicas: max, ...(metrics ? { metrics } : {}), ...(behavior ? { behavior } : {}) },
  };
}

interface Fixture {
  env: TestEnv;
  c: HorizontalController;
  /** pod name → { cpu, memory } usage */
  usage: Map<string, Record<string, string>>;
  delays: { key: string; ms: number }[];
}

const START = Date.UTC(2025, 0, 1);

function setup(withMetrics = true): Fixture {
  const env = newTestEnv({ start: START });
  const usage = new Map<string, Record<string, string>>();
  if (withMetrics) {
    env.ctx.features.metrics = {
      nodeMetrics: async () => [],
      podMetrics: async (ns) =>
        [...usage].map(([name, u]) => ({
          apiVersion: 'metrics.k8s.io/v1beta1',
          kind: 'PodMetrics',
          metadata: { name, namespace: ns },
          timestamp: env.clock.now().toISOString(),
          window: '15s',
          containers: [{ name: 'c', usage: u }],
        })),
    };
  }
  const c = new HorizontalController(env.ctx, { recorder: env.recorder });
  const delays: { key: string; ms: number }[] = [];
  c.requeueAfter = (key, ms) => delays.push({ key, ms });
  c.start();
  return { env, c, usage, delays };
}

/** A Deployment with `n` running, ready pods requesting 100m CPU and 100Mi memory, started 10 min ago. */
function workload(f: Fixture, n: number, cpu = '100m'): void {
  create(f.env, newDeployment('web', n, { app: 'web' }));
  for (let i = 0; i < n; i++) addPod(f, `web-${i}`, cpu);
}

function addPod(f: Fixture, name: string, cpu: string): void {
  const started = new Date(START - 10 * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  create<Pod>(f.env, {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', labels: { app: 'web' } },
    spec: { containers: [{ name: 'c', image: 'busybox:1', resources: { requests: { cpu, memory: '100Mi' } } }] },
    status: { phase: 'Running', startTime: started, conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: started }] },
  });
}

const hpa = (env: TestEnv) => env.get<HorizontalPodAutoscaler>('autoscaling', 'HorizontalPodAutoscaler', 'default', 'web') as HorizontalPodAutoscaler;
const cond = (h: HorizontalPodAutoscaler, type: string) => h.status?.conditions?.find((c) => c.type === type);
const replicas = (env: TestEnv) => (env.get<KubeObject>('apps', 'Deployment', 'default', 'web')?.spec as { replicas: number }).replicas;

async function resync(f: Fixture, advanceMs = 15_000): Promise<void> {
  f.env.clock.advance(advanceMs);
  f.c.worker.enqueue('default/web');
  await settle(f.c);
}

describe('HPA controller', () => {
  let f: Fixture;
  afterEach(async () => {
    await f.c.stop();
    f.env.close();
  });

  describe('without a metrics API', () => {
    beforeEach(() => (f = setup(false)));
    it('reports ScalingActive=False/FailedGetResourceMetric and does not scale', async () => {
      workload(f, 2);
      create(f.env, newHPA(1, 5, [cpu50]));
      await settle(f.c);
      const h = hpa(f.env);
      assert.equal(cond(h, 'AbleToScale')?.status, 'True');
      assert.equal(cond(h, 'AbleToScale')?.reason, 'SucceededGetScale');
      assert.equal(cond(h, 'ScalingActive')?.status, 'False');
      assert.equal(cond(h, 'ScalingActive')?.reason, 'FailedGetResourceMetric');
      assert.match(cond(h, 'ScalingActive')?.message ?? '', /^the HPA was unable to compute the replica count: failed to get cpu utilization: unable to get metrics for resource cpu/);
      assert.equal(h.status?.currentReplicas, 2);
      assert.equal(replicas(f.env), 2);
      assert.ok(f.env.recorder.reasons().includes('FailedGetResourceMetric'));
      assert.ok(f.env.recorder.reasons().includes('FailedComputeMetricsReplicas'));
    });
  });

  describe('with metrics', () => {
    beforeEach(() => (f = setup()));

    it('scales up on CPU utilization, limited to max(2×, 4) per step', async () => {
      workload(f, 2);
      f.usage.set('web-0', { cpu: '150m' });
      f.usage.set('web-1', { cpu: '150m' });
      create(f.env, newHPA(1, 10, [cpu50]));
      await settle(f.c);
      const h = hpa(f.env);
      assert.equal(replicas(f.env), 4, '150% of 50% → 6, capped at 4 this step');
      assert.equal(h.status?.desiredReplicas, 4);
      assert.equal(h.status?.currentReplicas, 2);
      assert.ok(h.status?.lastScaleTime);
      assert.deepEqual(h.status?.currentMetrics, [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 150, averageValue: '150m' } } }]);
      assert.equal(cond(h, 'ScalingActive')?.reason, 'ValidMetricFound');
      assert.equal(cond(h, 'ScalingActive')?.message, 'the HPA was able to successfully calculate a replica count from cpu resource utilization (percentage of request)');
      assert.equal(cond(h, 'ScalingLimited')?.status, 'True');
      assert.equal(cond(h, 'ScalingLimited')?.reason, 'ScaleUpLimit');
      assert.equal(cond(h, 'AbleToScale')?.reason, 'SucceededRescale');
      const ev = f.env.recorder.events.find((e) => e.reason === 'SuccessfulRescale');
      assert.equal(ev?.message, 'New size: 4; reason: cpu resource utilization (percentage of request) above target');
    });

    it('tolerance: within 10% nothing changes', async () => {
      workload(f, 3);
      for (let i = 0; i < 3; i++) f.usage.set(`web-${i}`, { cpu: '54m' });
      create(f.env, newHPA(1, 10, [cpu50]));
      await settle(f.c);
      assert.equal(replicas(f.env), 3);
      assert.equal(hpa(f.env).status?.desiredReplicas, 3);
      assert.equal(cond(hpa(f.env), 'ScalingLimited')?.reason, 'DesiredWithinRange');
    });

    it('clamps to maxReplicas (TooManyReplicas) and minReplicas', async () => {
      workload(f, 1);
      f.usage.set('web-0', { cpu: '1' });
      create(f.env, newHPA(1, 3, [cpu50]));
      await settle(f.c);
      assert.equal(replicas(f.env), 3);
      assert.equal(cond(hpa(f.env), 'ScalingLimited')?.reason, 'TooManyReplicas');
    });

    it('scale-down waits for the 5 minute stabilization window', async () => {
      workload(f, 4);
      for (let i = 0; i < 4; i++) f.usage.set(`web-${i}`, { cpu: '10m' });
      create(f.env, newHPA(1, 10, [cpu50]));
      await settle(f.c);
      assert.equal(replicas(f.env), 4);
      assert.equal(cond(hpa(f.env), 'AbleToScale')?.reason, 'ScaleDownStabilized');
      await resync(f, 60_000);
      assert.equal(replicas(f.env), 4);
      await resync(f, 5 * 60_000);
      assert.equal(replicas(f.env), 1, '10% of 50% → 1 once older recommendations expired');
      assert.equal(f.env.recorder.events.filter((e) => e.reason === 'SuccessfulRescale').at(-1)?.message, 'New size: 1; reason: All metrics below target');
    });

    it('spec.behavior: no scale-down window, one pod per minute', async () => {
      workload(f, 4);
      for (let i = 0; i < 4; i++) f.usage.set(`web-${i}`, { cpu: '10m' });
      create(f.env, newHPA(1, 10, [cpu50], { scaleDown: { stabilizationWindowSeconds: 0, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] } }));
      await settle(f.c);
      assert.equal(replicas(f.env), 3);
      assert.equal(cond(hpa(f.env), 'ScalingLimited')?.reason, 'ScaleDownLimit');
      await resync(f, 15_000);
      assert.equal(replicas(f.env), 3, 'rate limited within the period');
      await resync(f, 60_000);
      assert.equal(replicas(f.env), 2);
    });

    it('memory AverageValue target', async () => {
      workload(f, 2);
      f.usage.set('web-0', { memory: '300Mi' });
      f.usage.set('web-1', { memory: '300Mi' });
      create(f.env, newHPA(1, 10, [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }]));
      await settle(f.c);
      assert.equal(replicas(f.env), 4, 'ratio 3 → 6, capped at 4');
      // Upstream prints the average as a milli-quantity: bytes, in decimal.
      assert.equal(hpa(f.env).status?.currentMetrics?.[0].resource?.current.averageValue, '314572800');
    });

    it('unready pods count as 0% on a scale-up; missing pods as 100% on a scale-down', async () => {
      workload(f, 2);
      addPod(f, 'web-new', '100m');
      f.env.modify<Pod>('', 'Pod', 'default', 'web-new', (p) => {
        p.status = { ...p.status, phase: 'Pending' };
      }, true);
      f.usage.set('web-0', { cpu: '100m' });
      f.usage.set('web-1', { cpu: '100m' });
      create(f.env, newHPA(1, 10, [cpu50]));
      await settle(f.c);
      // Ready: 200% → 4; with the pending pod at 0%: 133% of 3 → ceil(2.66·3)=… = 4.
      assert.equal(replicas(f.env), 4);
    });

    it('missing request: ScalingActive=False', async () => {
      workload(f, 1);
      // A pod's resources can't change through the API (pod updates are validated): write the
      // store directly, as for a pod created before its template had requests.
      const podDef = f.env.registry.byApiVersionKind('v1', 'Pod')!;
      const e = f.env.rest.get(podDef, 'default', 'web-0');
      const p = JSON.parse(JSON.stringify(e.obj)) as Pod;
      (p.spec!.containers![0] as Record<string, unknown>).resources = {};
      f.env.store.update(e.key, p, e.rev);
      f.usage.set('web-0', { cpu: '100m' });
      create(f.env, newHPA(1, 10, [cpu50]));
      await settle(f.c);
      assert.equal(cond(hpa(f.env), 'ScalingActive')?.status, 'False');
      assert.match(cond(hpa(f.env), 'ScalingActive')?.message ?? '', /missing request for cpu in container c of Pod web-0/);
    });

    it('empty spec.metrics means 80% CPU', async () => {
      workload(f, 1);
      f.usage.set('web-0', { cpu: '160m' });
      create(f.env, newHPA(1, 10));
      await settle(f.c);
      assert.equal(replicas(f.env), 2);
    });

    it('target replicas 0: scaling disabled', async () => {
      workload(f, 0);
      create(f.env, newHPA(1, 10, [cpu50]));
      await settle(f.c);
      assert.equal(cond(hpa(f.env), 'ScalingActive')?.reason, 'ScalingDisabled');
      assert.equal(replicas(f.env), 0);
    });

    it('a missing target: AbleToScale=False/FailedGetScale', async () => {
      create(f.env, newHPA(1, 10, [cpu50]));
      await settle(f.c);
      assert.equal(cond(hpa(f.env), 'AbleToScale')?.reason, 'FailedGetScale');
      assert.match(cond(hpa(f.env), 'AbleToScale')?.message ?? '', /deployments.apps "web" not found/);
    });

    it('resyncs every 15 s while the HPA exists, not after', async () => {
      workload(f, 1);
      f.usage.set('web-0', { cpu: '50m' });
      create(f.env, newHPA(1, 10, [cpu50]));
      await settle(f.c);
      assert.deepEqual(f.delays, [{ key: 'default/web', ms: 15_000 }]);
      f.env.client.resource('autoscaling', 'HorizontalPodAutoscaler').delete('default', 'web');
      f.delays.length = 0;
      await resync(f);
      assert.deepEqual(f.delays, []);
    });
  });
});

describe('autoscaling/v1 conversion', () => {
  it('kubectl autoscale body → v2', () => {
    const v1: HPAv1 = {
      apiVersion: 'autoscaling/v1',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', creationTimestamp: null },
      spec: { maxReplicas: 5, minReplicas: 1, scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    };
    const v2 = hpaV1ToV2(v1);
    assert.equal(v2.apiVersion, 'autoscaling/v2');
    assert.deepEqual(v2.spec?.metrics, [cpu50]);
    assert.equal(v2.spec?.maxReplicas, 5);
  });

  it('v2 → v1 → v2 keeps everything', () => {
    const v2: HorizontalPodAutoscaler = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'web', namespace: 'default', annotations: { keep: 'me' } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
        minReplicas: 2,
        maxReplicas: 9,
        metrics: [cpu50, { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '100Mi' } } }],
        behavior: { scaleDown: { stabilizationWindowSeconds: 0 } },
      },
      status: {
        currentReplicas: 3,
        desiredReplicas: 4,
        currentMetrics: [
          { type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 70, averageValue: '70m' } } },
          { type: 'Resource', resource: { name: 'memory', current: { averageValue: '90Mi' } } },
        ],
        conditions: [{ type: 'AbleToScale', status: 'True', reason: 'SucceededRescale', message: 'x' }],
      },
    };
    const v1 = hpaV2ToV1(v2);
    assert.equal(v1.spec?.targetCPUUtilizationPercentage, 50);
    assert.equal(v1.status?.currentCPUUtilizationPercentage, 70);
    assert.equal(v1.metadata.annotations?.keep, 'me');
    const back = hpaV1ToV2(v1);
    assert.deepEqual(back.spec, v2.spec);
    assert.deepEqual(back.metadata.annotations, { keep: 'me' });
    assert.equal(back.status?.conditions?.[0].reason, 'SucceededRescale');
    assert.equal(back.status?.currentMetrics?.length, 2);
  });

  it('reads upstream v1 alpha metric annotations', () => {
    const v1: HPAv1 = {
      metadata: { name: 'x', annotations: { 'autoscaling.alpha.kubernetes.io/metrics': '[{"type":"Resource","resource":{"name":"memory","targetAverageUtilization":60}}]' } },
      spec: { maxReplicas: 3 },
    };
    assert.deepEqual(hpaV1ToV2(v1).spec?.metrics, [{ type: 'Resource', resource: { name: 'memory', target: { type: 'Utilization', averageUtilization: 60 } } }]);
  });
});

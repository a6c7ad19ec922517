import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { newPod, newTestEnv, settle, setPodStatus, type TestEnv } from '../shared/testing.js';
import { ResourceQuotaController } from './resource_quota_controller.js';

type Quota = KubeObject & { status?: { hard?: Record<string, string>; used?: Record<string, string> } };

function start(env: TestEnv) {
  const c = new ResourceQuotaController(env.ctx);
  const delayed: string[] = [];
  c.requeueAfter = (key) => delayed.push(key); // the periodic resync is not under test here
  c.start();
  return { c, delayed };
}

const quota = (name: string, hard: Record<string, string>, spec: Record<string, unknown> = {}): KubeObject => ({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name, namespace: 'default' }, spec: { hard, ...spec } });
const withCpu = (p: KubeObject, cpu: string, mem = '64Mi'): KubeObject => {
  (p.spec as { containers: Record<string, unknown>[] }).containers[0].resources = { requests: { cpu, memory: mem }, limits: { memory: mem } };
  return p;
};
const status = (env: TestEnv, name = 'q') => env.client.resource<Quota>('', 'ResourceQuota').get('default', name)?.status;

describe('resourcequota controller', () => {
  it('writes status.hard and status.used, and follows pods as they come, finish and go', async () => {
    const env = newTestEnv();
    env.client.resource('', 'ResourceQuota').create(quota('q', { pods: '4', 'requests.cpu': '2', 'requests.memory': '1Gi', 'limits.memory': '1Gi', configmaps: '5', 'count/deployments.apps': '2' }));
    const { c } = start(env);
    await settle(c);
    assert.deepEqual(status(env), {
      hard: { configmaps: '5', 'count/deployments.apps': '2', 'limits.memory': '1Gi', pods: '4', 'requests.cpu': '2', 'requests.memory': '1Gi' },
      used: { configmaps: '0', 'count/deployments.apps': '0', 'limits.memory': '0', pods: '0', 'requests.cpu': '0', 'requests.memory': '0' },
    });
    env.create(withCpu(newPod('a'), '500m'));
    env.create(withCpu(newPod('b'), '1'));
    env.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm', namespace: 'default' } });
    await settle(c);
    assert.deepEqual(status(env)?.used, { configmaps: '1', 'count/deployments.apps': '0', 'limits.memory': '128Mi', pods: '2', 'requests.cpu': '1500m', 'requests.memory': '128Mi' });
    setPodStatus(env, 'default', 'a', { phase: 'Succeeded' });
    await settle(c);
    assert.deepEqual([status(env)?.used?.pods, status(env)?.used?.['requests.cpu']], ['1', '1']);
    env.client.resource('', 'Pod').delete('default', 'b', { gracePeriodSeconds: 0 });
    await settle(c);
    assert.deepEqual([status(env)?.used?.pods, status(env)?.used?.['requests.cpu']], ['0', '0']);
    // count/* kinds are watched once a quota names them.
    env.client.resource('apps', 'Deployment').create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', namespace: 'default' },
      spec: { selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
    });
    await settle(c);
    assert.equal(status(env)?.used?.['count/deployments.apps'], '1');
    await c.stop();
    env.close();
  });

  it('a spec change re-syncs; an unchanged sync writes nothing', async () => {
    const env = newTestEnv();
    const quotas = env.client.resource<Quota>('', 'ResourceQuota');
    quotas.create(quota('q', { pods: '4' }));
    const { c } = start(env);
    await settle(c);
    const rv = quotas.get('default', 'q')?.metadata.resourceVersion;
    c.worker.enqueue('default/q');
    await settle(c);
    assert.equal(quotas.get('default', 'q')?.metadata.resourceVersion, rv);
    quotas.modify('default', 'q', (o) => {
      (o.spec as { hard: Record<string, string> }).hard = { pods: '8', services: '1' };
    });
    await settle(c);
    assert.deepEqual(status(env), { hard: { pods: '8', services: '1' }, used: { pods: '0', services: '0' } });
    await c.stop();
    env.close();
  });

  it('scoped quotas count only their pods', async () => {
    const env = newTestEnv();
    env.client.resource('', 'ResourceQuota').create(quota('be', { pods: '5' }, { scopes: ['BestEffort'] }));
    env.client.resource('', 'ResourceQuota').create(quota('burst', { pods: '5', 'requests.cpu': '4' }, { scopes: ['NotBestEffort'] }));
    env.create(newPod('plain'));
    env.create(withCpu(newPod('sized'), '250m'));
    const { c } = start(env);
    await settle(c);
    assert.deepEqual(status(env, 'be')?.used, { pods: '1' });
    assert.deepEqual(status(env, 'burst')?.used, { pods: '1', 'requests.cpu': '250m' });
    await c.stop();
    env.close();
  });
});

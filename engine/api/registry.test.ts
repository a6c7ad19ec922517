import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { compareVersions, Registry, type ResourceDef } from './registry.js';

const def = (version: string, more: Partial<ResourceDef> = {}): ResourceDef => ({ group: 'example.com', version, kind: 'Thing', plural: 'things', singular: 'thing', namespaced: true, ...more });

describe('Registry', () => {
  it('adds, removes and replaces resources; group-kind lookups follow; generation and listeners report changes', () => {
    const r = new Registry();
    let calls = 0;
    r.onChange(() => calls++);
    const g0 = r.generation;
    r.add(def('v1')).add(def('v1beta1', { storageVersion: 'v1' }));
    assert.equal(r.byGroupKind('example.com', 'Thing')?.version, 'v1');
    assert.equal(r.storageOf(r.lookup('example.com', 'v1beta1', 'things')!).version, 'v1');
    assert.deepEqual(r.groups(), [{ name: 'example.com', versions: ['v1', 'v1beta1'] }]);
    r.remove('example.com', 'v1', 'things');
    assert.equal(r.byGroupKind('example.com', 'Thing')?.version, 'v1beta1');
    r.replace(def('v1beta1', { shortNames: ['th'] }));
    assert.deepEqual(r.lookup('example.com', 'v1beta1', 'things')?.shortNames, ['th']);
    assert.equal(r.all().length, 1);
    assert.equal(calls, 4);
    assert.equal(r.generation, g0 + 4);
  });

  it('orders versions by Kubernetes priority', () => {
    const vs = ['v1alpha1', 'v2beta1', 'v1', 'foo', 'v1beta2', 'v2', 'v1beta1', 'v11alpha2'];
    assert.deepEqual([...vs].sort(compareVersions), ['v2', 'v1', 'v2beta1', 'v1beta2', 'v1beta1', 'v11alpha2', 'v1alpha1', 'foo']);
  });
});

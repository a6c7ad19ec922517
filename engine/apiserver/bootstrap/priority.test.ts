import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../store/store.js';
import { Rest } from '../rest.js';
import { buildRegistry } from '../../api/resources/index.js';
import { FakeClock } from '../../api/clock.js';
import { ApiError } from '../../api/errors.js';
import { installPriorityClasses } from './priority.js';

describe('priority classes', () => {
  it('bootstraps the system classes and resolves priorityClassName on pod create', () => {
    const registry = buildRegistry();
    const rest = new Rest(new Store({ path: ':memory:' }), registry, new FakeClock());
    const def = (group: string, kind: string) => registry.byGroupKind(group, kind)!;
    rest.create(def('', 'Namespace'), undefined, { metadata: { name: 'default' } });
    installPriorityClasses(rest, registry);
    installPriorityClasses(rest, registry); // idempotent
    const PC = def('scheduling.k8s.io', 'PriorityClass');
    assert.deepEqual(rest.list(PC, undefined).items.map((e) => e.obj.metadata.name), ['system-cluster-critical', 'system-node-critical']);
    const Pod = def('', 'Pod');
    const pod = (name: string, cls?: string) => ({ metadata: { name }, spec: { ...(cls ? { priorityClassName: cls } : {}), containers: [{ name: 'c', image: 'busybox' }] } });
    assert.equal((rest.create(Pod, 'default', pod('a', 'system-node-critical')).obj.spec as { priority: number }).priority, 2000001000);
    assert.throws(() => rest.create(Pod, 'default', pod('b', 'missing')), (e: unknown) => e instanceof ApiError && e.code === 403 && /no PriorityClass with name missing was found/.test(e.message));
    assert.equal((rest.create(Pod, 'default', pod('c')).obj.spec as { priority: number }).priority, 0);
    rest.create(PC, undefined, { metadata: { name: 'default-high' }, value: 500, globalDefault: true });
    const d = rest.create(Pod, 'default', pod('d')).obj.spec as { priority: number; priorityClassName: string };
    assert.deepEqual([d.priority, d.priorityClassName], [500, 'default-high']);
  });
});

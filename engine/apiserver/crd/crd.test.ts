import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { applyDefaults, prune, validate } from './schema.js';
import { cellFor, evalJsonPath, parseJsonPath, printerColumnsTable } from './printer.js';
import { installCustomResources, CLEANUP_FINALIZER } from './index.js';
import type { JSONSchemaProps } from '../../api/resources/crd.js';
import { validateCRD } from '../../api/resources/crd.js';
import { Store } from '../../store/store.js';
import { Rest } from '../rest.js';
import { buildRegistry } from '../../api/resources/index.js';
import { FakeClock } from '../../api/clock.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';

const schema: JSONSchemaProps = {
  type: 'object',
  properties: {
    spec: {
      type: 'object',
      required: ['image'],
      properties: {
        image: { type: 'string', minLength: 2 },
        replicas: { type: 'integer', minimum: 1, maximum: 5, default: 1 },
        color: { type: 'string', enum: ['red', 'green'] },
        size: { 'x-kubernetes-int-or-string': true },
        ratio: { type: 'number' },
        tags: { type: 'array', items: { type: 'string' }, maxItems: 2 },
        labels: { type: 'object', additionalProperties: { type: 'string' } },
        free: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true },
        nested: { type: 'object', properties: { deep: { type: 'boolean', default: true } }, default: {} },
      },
    },
  },
};

describe('custom resource schemas', () => {
  it('prunes undeclared fields (not apiVersion/kind/metadata) and reports them', () => {
    const o = { apiVersion: 'x/v1', kind: 'K', metadata: { name: 'a' }, extra: 1, spec: { image: 'i', bogus: true, free: { anything: { goes: 1 } }, labels: { a: 'b' }, tags: ['x'] } };
    assert.deepEqual(prune(o, schema).sort(), ['extra', 'spec.bogus']);
    assert.deepEqual(o, { apiVersion: 'x/v1', kind: 'K', metadata: { name: 'a' }, spec: { image: 'i', free: { anything: { goes: 1 } }, labels: { a: 'b' }, tags: ['x'] } });
  });

  it('applies defaults top-down, including defaults of defaulted objects', () => {
    const o: Record<string, unknown> = { spec: { image: 'i' } };
    applyDefaults(o, schema);
    assert.deepEqual(o, { spec: { image: 'i', replicas: 1, nested: { deep: true } } });
  });

  it('validates types, bounds, enums, required, int-or-string with upstream messages', () => {
    const causes = validate({ spec: { replicas: 'three', color: 'purple', size: true, tags: ['a', 'b', 'c'], image: 'x', ratio: 3 } }, schema);
    const byField = Object.fromEntries(causes.map((c) => [c.field, c.message]));
    assert.equal(byField['spec.replicas'], 'Invalid value: "string": spec.replicas in body must be of type integer: "string"');
    assert.equal(byField['spec.color'], 'Unsupported value: "purple": supported values: "red", "green"');
    assert.match(byField['spec.size'] ?? '', /must be of type integer or string/);
    assert.equal(byField['spec.tags'], 'Too many: 3: must have at most 2 items');
    assert.equal(byField['spec.image'], 'Invalid value: "x": spec.image in body should be at least 2 chars long');
    assert.equal(validate({ spec: { replicas: 9, image: 'ok' } }, schema)[0]?.message, 'Invalid value: 9: spec.replicas in body should be less than or equal to 5');
    assert.deepEqual(validate({ spec: {} }, schema), [{ reason: 'FieldValueRequired', field: 'spec.image', message: 'Required value' }]);
    assert.deepEqual(validate({ spec: { image: 'ok', size: '50%', ratio: 1 } }, schema), []);
  });

  it('CRD validation: name, scope, storage version, structural schema, printer columns', () => {
    const crd = (spec: Record<string, unknown>, name = 'things.example.com'): KubeObject => ({ metadata: { name }, spec });
    const good = { group: 'example.com', scope: 'Namespaced', names: { plural: 'things', kind: 'Thing' }, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object' } } }] };
    assert.deepEqual(validateCRD(crd(good)), []);
    const fields = (spec: Record<string, unknown>, name?: string) => validateCRD(crd(spec, name)).map((c) => c.field);
    assert.deepEqual(fields(good, 'other.example.com'), ['metadata.name']);
    assert.deepEqual(fields({ ...good, group: 'nodot' }, 'things.nodot'), ['spec.group']);
    assert.deepEqual(fields({ ...good, versions: [{ ...good.versions[0], storage: false }] }), ['spec.versions']);
    assert.deepEqual(fields({ ...good, versions: [{ name: 'v1', served: true, storage: true, schema: { openAPIV3Schema: { type: 'object', properties: { spec: { properties: { a: { type: 'string' } } } } } } }] }), ['spec.versions[0].schema.openAPIV3Schema.properties[spec].type']);
    assert.deepEqual(fields({ ...good, versions: [{ ...good.versions[0], additionalPrinterColumns: [{ name: 'X', type: 'weird', jsonPath: '.spec.x' }] }] }), ['spec.versions[0].additionalPrinterColumns[0].type']);
  });
});

describe('printer columns', () => {
  it('evaluates the simple JSONPath of printer columns', () => {
    const o = { status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True' }] }, metadata: { labels: { 'app.kubernetes.io/name': 'web' } }, spec: { list: [1, 2, 3] } };
    const at = (p: string) => evalJsonPath(o, parseJsonPath(p) ?? []);
    assert.deepEqual(at('.status.conditions[?(@.type=="Ready")].status'), ['True']);
    assert.deepEqual(at('.metadata.labels.app\\.kubernetes\\.io/name'), ['web']);
    assert.deepEqual(at('.spec.list[1]'), [2]);
    assert.deepEqual(at('.spec.list[*]'), [1, 2, 3]);
    assert.deepEqual(at('.spec.missing'), []);
  });

  it('types cells like the CRD table convertor', () => {
    const now = new Date('2025-01-01T01:00:00Z');
    assert.equal(cellFor('integer', 3.7, now), 3);
    assert.equal(cellFor('integer', 'x', now), null);
    assert.equal(cellFor('string', { a: 1 }, now), '{"a":1}');
    assert.equal(cellFor('date', '2025-01-01T00:00:00Z', now), '60m');
    assert.equal(cellFor('date', 'garbage', now), '<invalid>');
    const t = printerColumnsTable([{ name: 'Image', type: 'string', jsonPath: '.spec.image' }, { name: 'Wide', type: 'integer', jsonPath: '.spec.n', priority: 1 }]);
    const out = t([{ metadata: { name: 'a', managedFields: [] }, spec: { image: 'busybox' } }], { includeObject: 'Metadata', now });
    assert.deepEqual(
      out.columnDefinitions.map((c) => (c as { name: string }).name),
      ['Name', 'Image', 'Wide'],
    );
    assert.deepEqual((out.rows[0] as { cells: unknown[] }).cells, ['a', 'busybox', null]);
    assert.deepEqual((out.rows[0] as { object: unknown }).object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'a' } });
  });
});

describe('CRD serving', () => {
  function env() {
    const registry = buildRegistry();
    const clock = new FakeClock();
    const rest = new Rest(new Store({ path: ':memory:' }), registry, clock);
    const def = (group: string, kind: string) => registry.byGroupKind(group, kind)!;
    rest.create(def('', 'Namespace'), undefined, { metadata: { name: 'default' } });
    const crds = installCustomResources({ rest, registry, features: {}, clock })!;
    return { rest, registry, crds, def };
  }
  const crdBody = (versions = ['v1']): KubeObject => ({
    metadata: { name: 'gadgets.example.com' },
    spec: {
      group: 'example.com',
      scope: 'Namespaced',
      names: { plural: 'gadgets', kind: 'Gadget', shortNames: ['gd'] },
      versions: versions.map((v, i) => ({ name: v, served: true, storage: i === versions.length - 1, schema: { openAPIV3Schema: schema }, subresources: { status: {} } })),
    },
  });
  const tick = () => new Promise((r) => setImmediate(r));

  it('registers served versions at once, establishes the CRD, prunes and validates objects', async () => {
    const { rest, registry, crds, def } = env();
    const CRD = def('apiextensions.k8s.io', 'CustomResourceDefinition');
    rest.create(CRD, undefined, crdBody(['v1beta1', 'v1']));
    const v1 = registry.lookup('example.com', 'v1', 'gadgets');
    const beta = registry.lookup('example.com', 'v1beta1', 'gadgets');
    assert.ok(v1 && beta);
    assert.equal(beta.storageVersion, 'v1');
    assert.equal(registry.byGroupKind('example.com', 'Gadget'), v1, 'the storage version answers group-kind lookups');
    assert.deepEqual(v1.subresources, ['status']);
    await tick();
    const crd = rest.get(CRD, undefined, 'gadgets.example.com').obj as KubeObject & { status: { conditions: { type: string; status: string }[]; storedVersions: string[] } };
    assert.deepEqual(crd.status.conditions.map((c) => `${c.type}=${c.status}`), ['NamesAccepted=True', 'Established=True']);
    assert.deepEqual(crd.status.storedVersions, ['v1']);
    const made = rest.create(v1, 'default', { metadata: { name: 'g' }, spec: { image: 'img', junk: 1 }, status: { x: 1 } }).obj;
    assert.deepEqual(made.spec, { image: 'img', replicas: 1, nested: { deep: true } });
    assert.equal(made.status, undefined, 'status goes through /status');
    assert.throws(() => rest.create(v1, 'default', { metadata: { name: 'h' }, spec: { image: 'img', replicas: 0 } }), (e: unknown) => e instanceof ApiError && e.code === 422);
    assert.deepEqual(crds.unknownFields(v1, { spec: { image: 'i', nope: 1 } }), ['spec.nope']);
    crds.stop();
  });

  it('deleting the CRD deletes its objects, then the CRD, then the resources', async () => {
    const { rest, registry, crds, def } = env();
    const CRD = def('apiextensions.k8s.io', 'CustomResourceDefinition');
    rest.create(CRD, undefined, crdBody());
    const v1 = registry.lookup('example.com', 'v1', 'gadgets')!;
    rest.create(v1, 'default', { metadata: { name: 'a' }, spec: { image: 'img' } });
    rest.create(v1, 'default', { metadata: { name: 'b', finalizers: ['example.com/hold'] }, spec: { image: 'img' } });
    const r = rest.delete(CRD, undefined, 'gadgets.example.com');
    assert.equal(r.removed, false);
    assert.deepEqual(r.entry.obj.metadata.finalizers, [CLEANUP_FINALIZER]);
    assert.throws(() => rest.create(v1, 'default', { metadata: { name: 'c' }, spec: { image: 'img' } }), (e: unknown) => e instanceof ApiError && e.code === 405);
    await tick();
    assert.equal(rest.tryGet(v1, 'default', 'a'), undefined);
    assert.ok(rest.get(v1, 'default', 'b').obj.metadata.deletionTimestamp, 'objects with finalizers wait');
    assert.ok(rest.tryGet(CRD, undefined, 'gadgets.example.com'), 'the CRD waits for them');
    const b = rest.get(v1, 'default', 'b').obj;
    rest.update(v1, 'default', 'b', { ...b, metadata: { ...b.metadata, finalizers: [] } });
    await new Promise((res) => setTimeout(res, 700));
    assert.equal(rest.tryGet(CRD, undefined, 'gadgets.example.com'), undefined);
    assert.equal(registry.lookup('example.com', 'v1', 'gadgets'), undefined);
    crds.stop();
  });

  it('a second CRD reusing a kind of the group is not served', async () => {
    const { rest, registry, crds, def } = env();
    const CRD = def('apiextensions.k8s.io', 'CustomResourceDefinition');
    rest.create(CRD, undefined, crdBody());
    // Another plural of the group reusing the kind Gadget.
    const clash: KubeObject = { metadata: { name: 'widgets.example.com' }, spec: { ...(crdBody().spec as object), names: { plural: 'widgets', kind: 'Gadget' } } };
    rest.create(CRD, undefined, clash);
    await tick();
    assert.equal(registry.lookup('example.com', 'v1', 'widgets'), undefined);
    const st = (rest.get(CRD, undefined, 'widgets.example.com').obj as unknown as { status: { conditions: { type: string; status: string; reason: string }[] } }).status;
    assert.deepEqual(st.conditions.map((c) => `${c.type}=${c.status}/${c.reason}`), ['NamesAccepted=False/KindConflict', 'Established=False/NotAccepted']);
    crds.stop();
  });
});

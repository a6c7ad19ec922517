/**
 * Unit tests of the OpenAPI documents and the body checks.
 *   npx tsx --test engine/apiserver/openapi/openapi.test.ts
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ResourceDef } from '../../api/registry.js';
import { sharedCatalog } from './catalog.js';
import { OpenAPI, checkObject, decodeOutcome, parseFieldValidation, quantityError, type JsonObject, type JsonValue, type OpenAPIResource } from './index.js';

const RESOURCES: OpenAPIResource[] = [
  { group: '', version: 'v1', kind: 'Pod', plural: 'pods', namespaced: true, subresources: ['status', 'log', 'exec', 'binding', 'eviction', 'ephemeralcontainers'] },
  { group: '', version: 'v1', kind: 'Service', plural: 'services', namespaced: true, subresources: ['status', 'proxy'] },
  { group: '', version: 'v1', kind: 'ConfigMap', plural: 'configmaps', namespaced: true },
  { group: '', version: 'v1', kind: 'Secret', plural: 'secrets', namespaced: true },
  { group: '', version: 'v1', kind: 'Namespace', plural: 'namespaces', namespaced: false, subresources: ['status', 'finalize'] },
  { group: '', version: 'v1', kind: 'Event', plural: 'events', namespaced: true },
  { group: 'apps', version: 'v1', kind: 'Deployment', plural: 'deployments', namespaced: true, subresources: ['status', 'scale'] },
  { group: 'apps', version: 'v1', kind: 'ReplicaSet', plural: 'replicasets', namespaced: true, subresources: ['status', 'scale'] },
  { group: 'batch', version: 'v1', kind: 'Job', plural: 'jobs', namespaced: true, subresources: ['status'] },
  { group: 'autoscaling', version: 'v2', kind: 'HorizontalPodAutoscaler', plural: 'horizontalpodautoscalers', namespaced: true, subresources: ['status'] },
  { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true, verbs: ['get', 'list', 'create', 'update'] },
  { group: 'apiextensions.k8s.io', version: 'v1', kind: 'CustomResourceDefinition', plural: 'customresourcedefinitions', namespaced: false, subresources: ['status'] },
  { group: 'stable.example.com', version: 'v1', kind: 'CronTab', plural: 'crontabs', namespaced: true },
];

const api = new OpenAPI(RESOURCES);

// Compile-time: the registry's ResourceDef can be handed over as is.
export const acceptsResourceDefs = (defs: readonly ResourceDef[]): OpenAPI => new OpenAPI(defs);

function obj(v: JsonValue | undefined): JsonObject {
  assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `expected an object, got ${JSON.stringify(v)}`);
  return v;
}

function at(v: JsonValue | undefined, ...path: string[]): JsonValue | undefined {
  let cur = v;
  for (const p of path) cur = obj(cur)[p];
  return cur;
}

function doc(gv: string): JsonObject {
  const d = api.v3Doc(gv);
  assert.ok(d, `no document for ${gv}`);
  return d;
}

function schema(gv: string, name: string): JsonObject {
  return obj(at(doc(gv), 'components', 'schemas', name));
}

/** Every "$ref" under `v`. */
function refs(v: JsonValue | undefined, out: string[] = []): string[] {
  if (Array.isArray(v)) for (const x of v) refs(x, out);
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) k === '$ref' && typeof x === 'string' ? out.push(x) : refs(x, out);
  return out;
}

/** The referenced definition of a property, through allOf when it carries a description. */
function refOf(prop: JsonValue | undefined): string {
  const p = obj(prop);
  const r = p.$ref ?? obj((p.allOf as JsonValue[] | undefined)?.[0]).$ref;
  assert.equal(typeof r, 'string', `no $ref in ${JSON.stringify(p)}`);
  return String(r).replace(/^#\/(components\/schemas|definitions)\//, '');
}

describe('v3 component schemas', () => {
  it('Deployment is described, has its GVK and the right references', () => {
    const d = schema('apis/apps/v1', 'io.k8s.api.apps.v1.Deployment');
    assert.match(String(d.description), /Deployment enables declarative updates for Pods and ReplicaSets/);
    assert.deepEqual(d['x-kubernetes-group-version-kind'], [{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    const props = obj(d.properties);
    assert.equal(refOf(props.metadata), 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta');
    assert.match(String(obj(props.metadata).description), /Standard object's metadata/);
    assert.equal(refOf(props.spec), 'io.k8s.api.apps.v1.DeploymentSpec');
    assert.equal(refOf(props.status), 'io.k8s.api.apps.v1.DeploymentStatus');
    const spec = schema('apis/apps/v1', 'io.k8s.api.apps.v1.DeploymentSpec');
    assert.deepEqual(spec.required, ['selector', 'template']);
    const sp = obj(spec.properties);
    assert.deepEqual(sp.replicas, { type: 'integer', format: 'int32', description: obj(sp.replicas).description });
    assert.match(String(obj(sp.replicas).description), /Number of desired pods/);
    assert.equal(refOf(sp.template), 'io.k8s.api.core.v1.PodTemplateSpec');
    assert.equal(refOf(sp.selector), 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector');
    assert.equal(obj(sp.strategy)['x-kubernetes-patch-strategy'], 'retainKeys');
    const cond = obj(obj(schema('apis/apps/v1', 'io.k8s.api.apps.v1.DeploymentStatus').properties).conditions);
    assert.equal(cond['x-kubernetes-patch-merge-key'], 'type');
    assert.equal(cond['x-kubernetes-list-type'], 'map');
  });

  it('Pod, containers and their patch metadata', () => {
    const pod = schema('api/v1', 'io.k8s.api.core.v1.Pod');
    assert.match(String(pod.description), /Pod is a collection of containers/);
    assert.deepEqual(pod['x-kubernetes-group-version-kind'], [{ group: '', kind: 'Pod', version: 'v1' }]);
    const ps = obj(schema('api/v1', 'io.k8s.api.core.v1.PodSpec').properties);
    const containers = obj(ps.containers);
    assert.equal(containers.type, 'array');
    assert.equal(refOf(containers.items), 'io.k8s.api.core.v1.Container');
    assert.equal(containers['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(containers['x-kubernetes-patch-strategy'], 'merge');
    assert.deepEqual(containers['x-kubernetes-list-map-keys'], ['name']);
    assert.equal(obj(ps.volumes)['x-kubernetes-patch-strategy'], 'merge,retainKeys');
    const c = obj(schema('api/v1', 'io.k8s.api.core.v1.Container').properties);
    assert.equal(obj(c.ports)['x-kubernetes-patch-merge-key'], 'containerPort');
    assert.deepEqual(obj(c.ports)['x-kubernetes-list-map-keys'], ['containerPort', 'protocol']);
    assert.equal(obj(c.env)['x-kubernetes-patch-merge-key'], 'name');
    assert.equal(refOf(c.livenessProbe), 'io.k8s.api.core.v1.Probe');
    const limits = obj(obj(schema('api/v1', 'io.k8s.api.core.v1.ResourceRequirements').properties).limits);
    assert.equal(limits.type, 'object');
    assert.equal(refOf(limits.additionalProperties), 'io.k8s.apimachinery.pkg.api.resource.Quantity');
    const meta = obj(schema('api/v1', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta').properties);
    assert.equal(refOf(meta.creationTimestamp), 'io.k8s.apimachinery.pkg.apis.meta.v1.Time');
    assert.equal(obj(meta.finalizers)['x-kubernetes-list-type'], 'set');
  });

  it('Service ports, IntOrString and the special leaf types', () => {
    const sp = obj(schema('api/v1', 'io.k8s.api.core.v1.ServiceSpec').properties);
    assert.equal(obj(sp.ports)['x-kubernetes-patch-merge-key'], 'port');
    const port = obj(schema('api/v1', 'io.k8s.api.core.v1.ServicePort').properties);
    assert.equal(refOf(port.targetPort), 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    const ios = schema('api/v1', 'io.k8s.apimachinery.pkg.util.intstr.IntOrString');
    assert.equal(ios.format, 'int-or-string');
    assert.deepEqual(ios.oneOf, [{ type: 'integer' }, { type: 'string' }]);
    assert.deepEqual(schema('api/v1', 'io.k8s.apimachinery.pkg.apis.meta.v1.Time').format, 'date-time');
    assert.ok(schema('api/v1', 'io.k8s.apimachinery.pkg.api.resource.Quantity').oneOf);
    const ev = obj(schema('api/v1', 'io.k8s.api.core.v1.Event').properties);
    assert.equal(refOf(ev.eventTime), 'io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime');
  });

  it('ConfigMap and Secret data', () => {
    const cm = obj(schema('api/v1', 'io.k8s.api.core.v1.ConfigMap').properties);
    assert.match(String(obj(cm.data).description), /Data contains the configuration data/);
    assert.deepEqual(obj(cm.data).additionalProperties, { type: 'string' });
    assert.deepEqual(obj(cm.binaryData).additionalProperties, { type: 'string', format: 'byte' });
    const secret = obj(schema('api/v1', 'io.k8s.api.core.v1.Secret').properties);
    assert.deepEqual(obj(secret.data).additionalProperties, { type: 'string', format: 'byte' });
  });

  it('maps client-node classes to the real definition names', () => {
    const c = sharedCatalog();
    const cases: [string, string, string, string][] = [
      ['', 'v1', 'Event', 'io.k8s.api.core.v1.Event'],
      ['events.k8s.io', 'v1', 'Event', 'io.k8s.api.events.v1.Event'],
      ['autoscaling', 'v2', 'HorizontalPodAutoscaler', 'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler'],
      ['rbac.authorization.k8s.io', 'v1', 'ClusterRole', 'io.k8s.api.rbac.v1.ClusterRole'],
      ['apiextensions.k8s.io', 'v1', 'CustomResourceDefinition', 'io.k8s.apiextensions-apiserver.pkg.apis.apiextensions.v1.CustomResourceDefinition'],
      ['apiregistration.k8s.io', 'v1', 'APIService', 'io.k8s.kube-aggregator.pkg.apis.apiregistration.v1.APIService'],
      ['flowcontrol.apiserver.k8s.io', 'v1', 'FlowSchema', 'io.k8s.api.flowcontrol.v1.FlowSchema'],
      ['networking.k8s.io', 'v1', 'Ingress', 'io.k8s.api.networking.v1.Ingress'],
    ];
    for (const [g, v, k, want] of cases) assert.equal(c.kindDefName(g, v, k), want, `${g}/${v} ${k}`);
    const nested: [string, string][] = [
      ['V1PodTemplateSpec', 'io.k8s.api.core.v1.PodTemplateSpec'],
      ['V1JobTemplateSpec', 'io.k8s.api.batch.v1.JobTemplateSpec'],
      ['V1TopologySelectorTerm', 'io.k8s.api.core.v1.TopologySelectorTerm'],
      ['V1Scale', 'io.k8s.api.autoscaling.v1.Scale'],
      ['V1LabelSelector', 'io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector'],
      ['V1PolicyRule', 'io.k8s.api.rbac.v1.PolicyRule'],
      ['V1IngressBackend', 'io.k8s.api.networking.v1.IngressBackend'],
      ['CoreV1EndpointPort', 'io.k8s.api.core.v1.EndpointPort'],
      ['DiscoveryV1EndpointPort', 'io.k8s.api.discovery.v1.EndpointPort'],
    ];
    for (const [cls, want] of nested) assert.equal(c.namer.def(cls)?.name, want, cls);
  });

  it('every $ref of every document resolves inside that document', () => {
    const idx = api.v3Index();
    for (const gv of Object.keys(idx.paths)) {
      const d = doc(gv);
      const defined = obj(at(d, 'components', 'schemas'));
      for (const r of refs(d)) {
        assert.ok(r.startsWith('#/components/schemas/'), `${gv}: odd ref ${r}`);
        assert.ok(r.slice('#/components/schemas/'.length) in defined, `${gv}: dangling ${r}`);
      }
    }
    const v2 = api.v2();
    const defs = obj(v2.definitions);
    for (const r of refs(v2)) assert.ok(r.replace('#/definitions/', '') in defs, `v2: dangling ${r}`);
  });
});

describe('v3 paths', () => {
  const apps = (): JsonObject => obj(doc('apis/apps/v1').paths);

  it('item paths have a PATCH with fieldValidation and the GVK', () => {
    const item = obj(apps()['/apis/apps/v1/namespaces/{namespace}/deployments/{name}']);
    const patch = obj(item.patch);
    assert.deepEqual(patch['x-kubernetes-group-version-kind'], { group: 'apps', kind: 'Deployment', version: 'v1' });
    assert.equal(patch['x-kubernetes-action'], 'patch');
    const params = (patch.parameters as JsonValue[]).map(obj);
    assert.ok(params.some((p) => p.name === 'fieldValidation' && p.in === 'query'));
    const content = obj(at(patch, 'requestBody', 'content'));
    assert.ok('application/strategic-merge-patch+json' in content);
    assert.ok('application/apply-patch+yaml' in content);
    for (const m of ['get', 'put', 'delete']) assert.ok(item[m], `no ${m}`);
    assert.deepEqual(
      (item.parameters as JsonValue[]).map((p) => obj(p).name),
      ['name', 'namespace', 'pretty'],
    );
  });

  it('collection, all-namespaces, status and scale paths', () => {
    const p = apps();
    const coll = obj(p['/apis/apps/v1/namespaces/{namespace}/deployments']);
    assert.equal(at(coll, 'get', 'x-kubernetes-action'), 'list');
    assert.equal(refOf(at(coll, 'get', 'responses', '200', 'content', 'application/json', 'schema')), 'io.k8s.api.apps.v1.DeploymentList');
    assert.equal(at(coll, 'post', 'operationId'), 'createAppsV1NamespacedDeployment');
    assert.ok(obj(coll.delete));
    assert.ok(p['/apis/apps/v1/deployments']);
    const status = obj(p['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/status']);
    assert.deepEqual(at(status, 'patch', 'x-kubernetes-group-version-kind'), { group: 'apps', kind: 'Deployment', version: 'v1' });
    const scale = obj(p['/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale']);
    assert.deepEqual(at(scale, 'patch', 'x-kubernetes-group-version-kind'), { group: 'autoscaling', kind: 'Scale', version: 'v1' });
    assert.equal(refOf(at(scale, 'get', 'responses', '200', 'content', 'application/json', 'schema')), 'io.k8s.api.autoscaling.v1.Scale');
    assert.ok(p['/apis/apps/v1/']);
  });

  it('cluster-scoped kinds, pod subresources and verbs', () => {
    const core = obj(doc('api/v1').paths);
    assert.ok(core['/api/v1/namespaces/{name}']);
    assert.ok(core['/api/v1/namespaces/{name}/finalize']);
    assert.ok(!core['/api/v1/namespaces/{namespace}/namespaces']);
    assert.ok(at(core, '/api/v1/namespaces/{namespace}/pods/{name}/log', 'get'));
    assert.deepEqual(at(core, '/api/v1/namespaces/{namespace}/pods/{name}/eviction', 'post', 'x-kubernetes-group-version-kind'), { group: 'policy', kind: 'Eviction', version: 'v1' });
    const lease = obj(obj(doc('apis/coordination.k8s.io/v1').paths)['/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}']);
    assert.ok(lease.get && lease.put && !lease.patch && !lease.delete, 'verbs not honoured');
  });

  it('a kind with no built-in schema gets a permissive schema and no strategic merge', () => {
    const d = doc('apis/stable.example.com/v1');
    const s = schema('apis/stable.example.com/v1', 'com.example.stable.v1.CronTab');
    assert.equal(s['x-kubernetes-preserve-unknown-fields'], true);
    assert.deepEqual(s['x-kubernetes-group-version-kind'], [{ group: 'stable.example.com', kind: 'CronTab', version: 'v1' }]);
    const content = obj(at(d, 'paths', '/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}', 'patch', 'requestBody', 'content'));
    assert.ok(!('application/strategic-merge-patch+json' in content));
    assert.ok('application/merge-patch+json' in content);
  });

  it('the index lists every document with its content hash', () => {
    const idx = api.v3Index();
    for (const p of ['api', 'api/v1', 'apis', 'apis/apps', 'apis/apps/v1', 'apis/batch/v1', 'apis/stable.example.com/v1']) {
      assert.ok(idx.paths[p], `index lacks ${p}`);
      assert.equal(idx.paths[p].serverRelativeURL, `/openapi/v3/${p}?hash=${api.v3Hash(p)}`);
    }
    assert.match(String(api.v3Hash('apis/apps/v1')), /^[0-9A-F]{128}$/);
  });

  it('hashes change with the resource set, and only where the document changed', () => {
    const a = new OpenAPI(RESOURCES);
    const before = { apps: a.v3Hash('apis/apps/v1'), core: a.v3Hash('api/v1') };
    a.setResources(RESOURCES.map((r) => (r.kind === 'Deployment' ? { ...r, subresources: ['status'] } : r)));
    assert.notEqual(a.v3Hash('apis/apps/v1'), before.apps);
    assert.equal(a.v3Hash('api/v1'), before.core);
  });
});

describe('HTTP handling', () => {
  it('serves the index, documents with ETag/304, immutable hashed URLs and redirects stale hashes', () => {
    const idx = api.handle({ url: '/openapi/v3' });
    assert.ok(idx);
    assert.equal(idx.status, 200);
    assert.equal(idx.headers['Content-Type'], 'application/json');
    const url = (JSON.parse(String(idx.body)) as { paths: Record<string, { serverRelativeURL: string }> }).paths['apis/apps/v1'].serverRelativeURL;
    const hit = api.handle({ url, headers: { accept: 'application/json' } });
    assert.ok(hit);
    assert.equal(hit.status, 200);
    assert.equal(hit.headers['Cache-Control'], 'public, immutable');
    assert.ok(hit.headers.Expires);
    const etag = hit.headers.ETag;
    assert.match(etag, /^"[0-9A-F]{128}"$/);
    const again = api.handle({ url: '/openapi/v3/apis/apps/v1', headers: { 'if-none-match': etag } });
    assert.equal(again?.status, 304);
    const stale = api.handle({ url: '/openapi/v3/apis/apps/v1?hash=0123' });
    assert.equal(stale?.status, 301);
    assert.equal(stale?.headers.Location, url);
    assert.equal(api.handle({ url: '/openapi/v3/apis/nope/v1' })?.status, 404);
    assert.equal(api.handle({ url: '/apis/apps/v1' }), undefined);
    assert.equal(api.handle({ method: 'POST', url: '/openapi/v2' })?.status, 405);
  });

  it('negotiates /openapi/v2 between JSON and gnostic protobuf', () => {
    const j = api.handle({ url: '/openapi/v2', headers: { accept: 'application/json' } });
    assert.equal(j?.status, 200);
    const v2 = JSON.parse(String(j?.body)) as JsonObject;
    assert.equal(v2.swagger, '2.0');
    const dep = obj(at(v2, 'definitions', 'io.k8s.api.apps.v1.Deployment'));
    assert.equal(refOf(at(dep, 'properties', 'spec')), 'io.k8s.api.apps.v1.DeploymentSpec');
    const consumes = at(v2, 'paths', '/apis/apps/v1/namespaces/{namespace}/deployments/{name}', 'patch', 'consumes');
    assert.ok(Array.isArray(consumes) && consumes.includes('application/strategic-merge-patch+json'));
    const pb = api.handle({ url: '/openapi/v2?timeout=32s', headers: { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' } });
    assert.equal(pb?.status, 200);
    assert.equal(pb?.headers['Content-Type'], 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    assert.ok(pb?.body instanceof Uint8Array && pb.body.length > 100_000);
    assert.equal(pb.body[0], 0x0a); // field 1 (swagger), wire type 2
    assert.equal(api.handle({ url: '/openapi/v2', headers: { accept: 'text/html' } })?.status, 406);
  });
});

const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default', labels: { app: 'web' }, annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{}' }, creationTimestamp: null },
  spec: {
    replicas: 3,
    revisionHistoryLimit: 10,
    selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['fe'] }] },
    strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 1 } },
    template: {
      metadata: { labels: { app: 'web' }, creationTimestamp: null },
      spec: {
        containers: [
          {
            name: 'web',
            image: 'nginx:1.27',
            imagePullPolicy: 'IfNotPresent',
            ports: [{ containerPort: 80, name: 'http', protocol: 'TCP' }],
            env: [
              { name: 'A', value: '1' },
              { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            ],
            resources: { limits: { cpu: 1, memory: '256Mi' }, requests: { cpu: '100m', memory: 134217728 } },
            readinessProbe: { httpGet: { path: '/', port: 'http' }, periodSeconds: 5 },
            livenessProbe: { tcpSocket: { port: 80 }, initialDelaySeconds: 3 },
            volumeMounts: [{ name: 'cfg', mountPath: '/etc/cfg', readOnly: true }],
            securityContext: { runAsNonRoot: true, capabilities: { drop: ['ALL'] } },
          },
        ],
        volumes: [
          { name: 'cfg', configMap: { name: 'cfg', defaultMode: 420 } },
          { name: 'tmp', emptyDir: { sizeLimit: '1Gi' } },
        ],
        affinity: { podAntiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'web' } } } }] } },
        tolerations: [{ key: 'k', operator: 'Exists', effect: 'NoSchedule', tolerationSeconds: 30 }],
        terminationGracePeriodSeconds: 30,
      },
    },
  },
  status: { replicas: 3, conditions: [{ type: 'Available', status: 'True', lastTransitionTime: '2024-05-01T10:00:00Z' }] },
};

describe('checkObject', () => {
  it('accepts a realistic Deployment', () => {
    assert.deepEqual(checkObject('apps/v1', 'Deployment', DEPLOYMENT), []);
  });

  it('accepts a Pod with probes, volumes, resources and init containers', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }] },
      spec: {
        initContainers: [{ name: 'init', image: 'busybox', command: ['sh', '-c', 'true'] }],
        containers: [
          {
            name: 'app',
            image: 'app:1',
            args: ['--port=8080'],
            startupProbe: { exec: { command: ['cat', '/ready'] }, failureThreshold: 30 },
            livenessProbe: { httpGet: { path: '/healthz', port: 8080, httpHeaders: [{ name: 'X', value: 'y' }] } },
            readinessProbe: { grpc: { port: 9090 } },
            lifecycle: { preStop: { sleep: { seconds: 5 } } },
            resources: { limits: { 'nvidia.com/gpu': 1, cpu: '500m' } },
            volumeMounts: [{ name: 'data', mountPath: '/data' }, { name: 'secret', mountPath: '/s' }],
          },
        ],
        volumes: [
          { name: 'data', persistentVolumeClaim: { claimName: 'pvc' } },
          { name: 'secret', secret: { secretName: 's', items: [{ key: 'a', path: 'a.txt', mode: 256 }] } },
          { name: 'proj', projected: { sources: [{ serviceAccountToken: { path: 'token', expirationSeconds: 3600 } }, { downwardAPI: { items: [{ path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } }] } }] } },
          { name: 'host', hostPath: { path: '/var/run/docker.sock', type: 'Socket' } },
        ],
        nodeSelector: { 'kubernetes.io/os': 'linux' },
        restartPolicy: 'Always',
        securityContext: { fsGroup: 2000, runAsUser: 1000, seccompProfile: { type: 'RuntimeDefault' } },
        dnsConfig: { options: [{ name: 'ndots', value: '2' }] },
      },
    };
    assert.deepEqual(checkObject('v1', 'Pod', pod), []);
  });

  it('accepts a Service whose targetPort is a string or an int', () => {
    const svc = {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: {
        type: 'NodePort',
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' },
          { name: 'metrics', port: 9090, targetPort: 9091, nodePort: 30090 },
        ],
        sessionAffinity: 'None',
      },
    };
    assert.deepEqual(checkObject('v1', 'Service', svc), []);
    const bad = { ...svc, spec: { ...svc.spec, ports: [{ port: 80, targetPort: 80.5 }] } };
    assert.deepEqual(checkObject('v1', 'Service', bad).map((p) => p.field), ['spec.ports[0].targetPort']);
  });

  it('accepts Secret data in base64 and rejects data that is not', () => {
    const secret = { apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' }, type: 'Opaque', data: { user: 'YWRtaW4=', pw: 'cGFzcw==' }, stringData: { plain: 'text!' } };
    assert.deepEqual(checkObject('v1', 'Secret', secret), []);
    const bad = checkObject('v1', 'Secret', { ...secret, data: { pw: 'hello!' } });
    assert.deepEqual(bad, [{ field: 'data.pw', kind: 'type', message: 'illegal base64 data at input byte 5' }]);
    assert.equal(checkObject('v1', 'Secret', { ...secret, data: { pw: 'hello' } })[0].message, 'illegal base64 data at input byte 4');
  });

  it('accepts a ConfigMap, a Job, a HPA and an Event', () => {
    assert.deepEqual(checkObject('v1', 'ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { 'a.conf': 'x=1' }, binaryData: { b: 'AAE=' }, immutable: true }), []);
    const job = { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: { backoffLimit: 2, ttlSecondsAfterFinished: 60, template: { spec: { restartPolicy: 'Never', containers: [{ name: 'j', image: 'busybox' }] } } } };
    assert.deepEqual(checkObject('batch/v1', 'Job', job), []);
    const hpa = {
      apiVersion: 'autoscaling/v2',
      kind: 'HorizontalPodAutoscaler',
      metadata: { name: 'h' },
      spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, minReplicas: 1, maxReplicas: 5, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'AverageValue', averageValue: '500m' } } }] },
    };
    assert.deepEqual(checkObject('autoscaling/v2', 'HorizontalPodAutoscaler', hpa), []);
    const ev = { apiVersion: 'v1', kind: 'Event', metadata: { name: 'e' }, involvedObject: { kind: 'Pod', name: 'p' }, reason: 'Started', eventTime: '2024-05-01T10:00:00.123456Z', count: 2 };
    assert.deepEqual(checkObject('v1', 'Event', ev), []);
  });

  it('reports unknown fields with Kubernetes paths', () => {
    const d = structuredClone(DEPLOYMENT) as Record<string, unknown> & typeof DEPLOYMENT;
    Object.assign(d.spec, { foo: 1 });
    Object.assign(d.spec.template.spec.containers[0], { imagePullPolcy: 'Always' });
    Object.assign(d.metadata, { Name: 'x' }); // case-sensitive, like the apiserver
    const problems = checkObject('apps/v1', 'Deployment', d);
    assert.deepEqual(problems, [
      { field: 'metadata.Name', kind: 'unknown', message: 'unknown field "metadata.Name"' },
      { field: 'spec.template.spec.containers[0].imagePullPolcy', kind: 'unknown', message: 'unknown field "spec.template.spec.containers[0].imagePullPolcy"' },
      { field: 'spec.foo', kind: 'unknown', message: 'unknown field "spec.foo"' },
    ]);
  });

  it('reports wrong JSON types like the Go decoder', () => {
    const d = structuredClone(DEPLOYMENT);
    const spec = d.spec as Record<string, unknown>;
    spec.replicas = 'three';
    const c = d.spec.template.spec.containers[0] as Record<string, unknown>;
    c.image = 123;
    c.env = { A: '1' };
    (d.metadata.labels as Record<string, unknown>).version = 2;
    c.ports = [{ containerPort: 80.5 }];
    const problems = checkObject('apps/v1', 'Deployment', d);
    assert.deepEqual(
      problems.map((p) => [p.field, p.message]),
      [
        ['metadata.labels.version', 'json: cannot unmarshal number into Go struct field ObjectMeta.metadata.labels of type string'],
        ['spec.replicas', 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32'],
        ['spec.template.spec.containers[0].image', 'json: cannot unmarshal number into Go struct field Container.spec.template.spec.containers.image of type string'],
        ['spec.template.spec.containers[0].ports[0].containerPort', 'json: cannot unmarshal number 80.5 into Go struct field ContainerPort.spec.template.spec.containers.ports.containerPort of type int32'],
        ['spec.template.spec.containers[0].env', 'json: cannot unmarshal object into Go struct field Container.spec.template.spec.containers.env of type []v1.EnvVar'],
      ],
    );
    assert.ok(problems.every((p) => p.kind === 'type'));
  });

  it('checks quantities, times and booleans', () => {
    const pod = (container: Record<string, unknown>, meta: Record<string, unknown> = {}): unknown => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', ...meta }, spec: { containers: [{ name: 'c', image: 'i', ...container }] } });
    assert.deepEqual(checkObject('v1', 'Pod', pod({ resources: { limits: { memory: '1GB' } } })).map((p) => p.message), [
      "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
    ]);
    assert.equal(checkObject('v1', 'Pod', pod({ resources: { limits: { cpu: true } } }))[0].field, 'spec.containers[0].resources.limits.cpu');
    assert.deepEqual(checkObject('v1', 'Pod', pod({ stdin: 'yes' })).map((p) => p.message), ['json: cannot unmarshal string into Go struct field Container.spec.containers.stdin of type bool']);
    assert.equal(checkObject('v1', 'Pod', pod({}, { creationTimestamp: 'yesterday' }))[0].field, 'metadata.creationTimestamp');
    assert.deepEqual(checkObject('v1', 'Pod', pod({}, { creationTimestamp: '2024-01-02T03:04:05+02:00' })), []);
    assert.equal(quantityError('1.5Gi'), undefined);
    assert.equal(quantityError('2e3'), undefined);
    assert.match(String(quantityError('1iG')), /suffix/);
    assert.deepEqual(checkObject('v1', 'Pod', pod({ resources: null, ports: null })), [], 'null is always fine');
  });

  it('ignores unknown kinds, checks only metadata of generic kinds, rejects non-objects', () => {
    assert.deepEqual(checkObject('stable.example.com/v1', 'CronTab', { anything: 1 }), []);
    assert.deepEqual(api.checkObject('stable.example.com/v1', 'CronTab', { apiVersion: 'stable.example.com/v1', kind: 'CronTab', metadata: { name: 'c' }, spec: { cron: '* * * * *' } }), []);
    assert.deepEqual(api.checkObject('stable.example.com/v1', 'CronTab', { metadata: { name: 'c', labelz: {} } }).map((p) => p.field), ['metadata.labelz']);
    assert.equal(checkObject('v1', 'ConfigMap', [])[0].message, 'json: cannot unmarshal array into Go value of type v1.ConfigMap');
  });

  it('handles CRDs with recursive schemas and free-form JSON', () => {
    const crd = {
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: 'crontabs.stable.example.com' },
      spec: {
        group: 'stable.example.com',
        scope: 'Namespaced',
        names: { plural: 'crontabs', singular: 'crontab', kind: 'CronTab', shortNames: ['ct'] },
        versions: [
          {
            name: 'v1',
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: 'object',
                properties: {
                  spec: { type: 'object', 'x-kubernetes-preserve-unknown-fields': true, properties: { cron: { type: 'string', default: '* * * * *', enum: ['a', 1] }, replicas: { type: 'integer', minimum: 1, maximum: 10 } } },
                  list: { type: 'array', items: { type: 'string' }, 'x-kubernetes-list-type': 'set' },
                },
                additionalProperties: false,
              },
            },
            subresources: { status: {}, scale: { specReplicasPath: '.spec.replicas', statusReplicasPath: '.status.replicas' } },
            additionalPrinterColumns: [{ name: 'Cron', type: 'string', jsonPath: '.spec.cron' }],
          },
        ],
      },
    };
    assert.deepEqual(checkObject('apiextensions.k8s.io/v1', 'CustomResourceDefinition', crd), []);
  });
});

describe('decode outcome (fieldValidation)', () => {
  const unknown = [{ field: 'spec.foo', kind: 'unknown' as const, message: 'unknown field "spec.foo"' }, { field: 'spec.bar', kind: 'unknown' as const, message: 'unknown field "spec.bar"' }];
  const typeErr = { field: 'spec.replicas', kind: 'type' as const, message: 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32' };

  it('Strict fails with the apiserver message, Warn warns, Ignore drops', () => {
    assert.deepEqual(decodeOutcome('Deployment', 'v1', unknown, 'Strict'), {
      error: 'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: unknown field "spec.foo", unknown field "spec.bar"',
      warnings: [],
    });
    assert.deepEqual(decodeOutcome('Deployment', 'v1', unknown, 'Warn'), { warnings: ['unknown field "spec.foo"', 'unknown field "spec.bar"'] });
    assert.deepEqual(decodeOutcome('Deployment', 'v1', unknown, 'Ignore'), { warnings: [] });
  });

  it('type errors win over unknown fields and fail whatever the directive', () => {
    for (const d of ['Strict', 'Warn', 'Ignore'] as const) {
      assert.equal(
        decodeOutcome('Deployment', 'v1', [...unknown, typeErr], d).error,
        'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32',
      );
    }
  });

  it('parses the query value; OpenAPI.decode ties it together', () => {
    assert.equal(parseFieldValidation(undefined), 'Warn');
    assert.equal(parseFieldValidation('Strict'), 'Strict');
    assert.equal(parseFieldValidation('strict'), undefined);
    const out = api.decode('apps/v1', 'Deployment', { ...DEPLOYMENT, spec: { ...DEPLOYMENT.spec, paused: 'no' } }, 'Strict');
    assert.match(String(out.error), /^Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.paused of type bool$/);
    assert.match(String(api.decode('apps/v1', 'Deployment', {}, 'bogus').error), /fieldValidation/);
  });
});

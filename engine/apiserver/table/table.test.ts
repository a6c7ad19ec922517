// Table printers against the behaviour of upstream printers.go and
// apimachinery's duration tests. Run: npx tsx --test engine/apiserver/table/table.test.ts

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import {
  acceptsTable,
  formatQuantity,
  humanDuration,
  printedKinds,
  shortHumanDuration,
  toTable,
  toTableWatchEvent,
  type Cell,
  type Table,
} from './index.js';

// ---- fixtures -----------------------------------------------------------------------

type Json = Record<string, unknown>;

const NOW = new Date('2024-06-01T12:00:00Z');
const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

/** An RFC3339 timestamp `ms` before NOW. */
const ago = (ms: number): string => new Date(NOW.getTime() - ms).toISOString().replace(/\.000Z$/, 'Z');

function obj(kind: string, name: string, extra: Json = {}, metadata: Json = {}): Json {
  return {
    kind,
    metadata: { name, namespace: 'default', creationTimestamp: ago(10 * MIN), resourceVersion: '42', ...metadata },
    ...extra,
  };
}

/** Cells of the single row, keyed by column name (as kubectl shows them, upper-cased). */
function row(group: string, kind: string, o: Json): Record<string, Cell> {
  const t = toTable(group, kind, [o], { now: NOW });
  assert.equal(t.rows.length, 1);
  const cells = t.rows[0]?.cells ?? [];
  assert.equal(cells.length, t.columnDefinitions.length, `${kind}: one cell per column`);
  return Object.fromEntries(t.columnDefinitions.map((c, i) => [c.name.toUpperCase(), cells[i] ?? null]));
}

function headers(t: Table, wide: boolean): string[] {
  return t.columnDefinitions.filter((c) => wide || c.priority === 0).map((c) => c.name.toUpperCase());
}

const running = (ready = true): Json => ({ ready, started: true, restartCount: 0, state: { running: { startedAt: ago(5 * MIN) } } });
const waiting = (reason: string, restartCount = 0): Json => ({ ready: false, restartCount, state: { waiting: { reason } } });
const terminated = (exitCode: number, reason?: string, signal?: number): Json => ({
  ready: false,
  restartCount: 0,
  state: { terminated: { exitCode, reason, signal, finishedAt: ago(MIN) } },
});

interface PodFixture {
  phase?: string;
  reason?: string;
  containers?: Json[];
  init?: Json[];
  initStatuses?: Json[];
  statuses?: Json[];
  conditions?: Json[];
  deleting?: boolean;
  spec?: Json;
  status?: Json;
}

function pod(f: PodFixture): Json {
  const containers = f.containers ?? [{ name: 'app', image: 'nginx' }];
  return obj(
    'Pod',
    'web',
    {
      spec: { containers, initContainers: f.init, ...f.spec },
      status: {
        phase: f.phase ?? 'Running',
        reason: f.reason,
        conditions: f.conditions,
        initContainerStatuses: f.initStatuses,
        containerStatuses: f.statuses,
        ...f.status,
      },
    },
    f.deleting ? { deletionTimestamp: ago(0) } : {},
  );
}

// ---- duration ------------------------------------------------------------------------

describe('humanDuration (upstream duration_test.go)', () => {
  const NS = 1e-6; // one nanosecond in ms
  const Y = 365 * DAY;
  const cases: [number, string][] = [
    // TestHumanDuration
    [SEC, '1s'],
    [70 * SEC, '70s'],
    [190 * SEC, '3m10s'],
    [70 * MIN, '70m'],
    [47 * HOUR, '47h'],
    [49 * HOUR, '2d1h'],
    [(8 * 24 + 2) * HOUR, '8d'],
    [367 * 24 * HOUR, '367d'],
    [(365 * 2 * 24 + 25) * HOUR, '2y1d'],
    [(365 * 8 * 24 + 2) * HOUR, '8y'],
    // TestHumanDurationBoundaries
    [-2 * SEC, '<invalid>'],
    [-2 * SEC + NS, '0s'],
    [0, '0s'],
    [SEC - 1, '0s'],
    [2 * MIN - 1, '119s'],
    [2 * MIN, '2m'],
    [2 * MIN + SEC, '2m1s'],
    [10 * MIN - 1, '9m59s'],
    [10 * MIN, '10m'],
    [10 * MIN + SEC, '10m'],
    [3 * HOUR - 1, '179m'],
    [3 * HOUR, '3h'],
    [3 * HOUR + MIN, '3h1m'],
    [8 * HOUR - 1, '7h59m'],
    [8 * HOUR, '8h'],
    [8 * HOUR + 59 * MIN, '8h'],
    [2 * DAY - 1, '47h'],
    [2 * DAY, '2d'],
    [2 * DAY + HOUR, '2d1h'],
    [8 * DAY - 1, '7d23h'],
    [8 * DAY, '8d'],
    [8 * DAY + 23 * HOUR, '8d'],
    [2 * Y - 1, '729d'],
    [2 * Y, '2y'],
    [2 * Y + 23 * HOUR, '2y'],
    [2 * Y + 23 * HOUR + 59 * MIN, '2y'],
    [2 * Y + 24 * HOUR - 1, '2y'],
    [2 * Y + 24 * HOUR, '2y1d'],
    [3 * Y, '3y'],
    [4 * Y, '4y'],
    [5 * Y, '5y'],
    [6 * Y, '6y'],
    [7 * Y, '7y'],
    [8 * Y - 1, '7y364d'],
    [8 * Y, '8y'],
    [8 * Y + 364 * DAY, '8y'],
    [9 * Y, '9y'],
    // The brief's examples.
    [5 * SEC, '5s'],
    [150 * SEC, '2m30s'],
    [200 * MIN, '3h20m'],
    [53 * HOUR, '2d5h'],
    [45 * DAY, '45d'],
    [3 * Y + 120 * DAY, '3y120d'],
  ];
  for (const [ms, want] of cases) {
    it(`${ms}ms -> ${want}`, () => assert.equal(humanDuration(ms), want));
  }

  it('shortHumanDuration boundaries', () => {
    const short: [number, string][] = [
      [-2 * SEC, '<invalid>'],
      [-2 * SEC + NS, '0s'],
      [SEC, '1s'],
      [MIN - 1, '59s'],
      [MIN, '1m'],
      [HOUR - 1, '59m'],
      [24 * HOUR - 1, '23h'],
      [DAY, '1d'],
      [Y - 1, '364d'],
      [Y, '1y'],
      [2 * Y - 1, '1y'],
      [2 * Y, '2y'],
    ];
    for (const [ms, want] of short) assert.equal(shortHumanDuration(ms), want, `${ms}`);
  });
});

// ---- pods ---------------------------------------------------------------------------------

describe('Pod', () => {
  const two = [{ name: 'a' }, { name: 'b' }];
  const cases: { name: string; f: PodFixture; ready: string; status: string; restarts?: string }[] = [
    { name: 'running', f: { statuses: [running()] }, ready: '1/1', status: 'Running', restarts: '0' },
    { name: 'pending, nothing reported', f: { phase: 'Pending' }, ready: '0/1', status: 'Pending' },
    {
      name: 'ContainerCreating',
      f: { phase: 'Pending', statuses: [waiting('ContainerCreating')] },
      ready: '0/1',
      status: 'ContainerCreating',
    },
    { name: 'ErrImagePull', f: { phase: 'Pending', statuses: [waiting('ErrImagePull')] }, ready: '0/1', status: 'ErrImagePull' },
    {
      name: 'CrashLoopBackOff with recent restart',
      f: {
        statuses: [
          { ...waiting('CrashLoopBackOff', 3), lastState: { terminated: { exitCode: 1, reason: 'Error', finishedAt: ago(2 * MIN) } } },
        ],
      },
      ready: '0/1',
      status: 'CrashLoopBackOff',
      restarts: '3 (2m ago)',
    },
    { name: 'READY 1/2', f: { containers: two, statuses: [running(), running(false)] }, ready: '1/2', status: 'Running' },
    {
      name: 'Init:1/2',
      f: {
        phase: 'Pending',
        init: two,
        initStatuses: [terminated(0, 'Completed'), { ...running(false), state: { running: {} } }],
        statuses: [waiting('PodInitializing')],
      },
      ready: '0/1',
      status: 'Init:1/2',
    },
    {
      name: 'Init:0/1 while PodInitializing',
      f: { phase: 'Pending', init: [{ name: 'i' }], initStatuses: [waiting('PodInitializing')] },
      ready: '0/1',
      status: 'Init:0/1',
    },
    {
      name: 'Init:Error',
      f: { phase: 'Pending', init: [{ name: 'i' }], initStatuses: [terminated(1, 'Error')] },
      ready: '0/1',
      status: 'Init:Error',
    },
    {
      name: 'Init:CrashLoopBackOff',
      f: { phase: 'Pending', init: [{ name: 'i' }], initStatuses: [waiting('CrashLoopBackOff', 4)] },
      ready: '0/1',
      status: 'Init:CrashLoopBackOff',
    },
    {
      name: 'Init:ExitCode without reason',
      f: { phase: 'Pending', init: [{ name: 'i' }], initStatuses: [terminated(2)] },
      ready: '0/1',
      status: 'Init:ExitCode:2',
    },
    {
      name: 'Init:Signal without reason',
      f: { phase: 'Pending', init: [{ name: 'i' }], initStatuses: [terminated(137, undefined, 9)] },
      ready: '0/1',
      status: 'Init:Signal:9',
    },
    { name: 'Completed', f: { phase: 'Succeeded', statuses: [terminated(0, 'Completed')] }, ready: '0/1', status: 'Completed' },
    { name: 'Error', f: { phase: 'Failed', statuses: [terminated(1, 'Error')] }, ready: '0/1', status: 'Error' },
    { name: 'ExitCode without reason', f: { phase: 'Failed', statuses: [terminated(3)] }, ready: '0/1', status: 'ExitCode:3' },
    { name: 'Signal without reason', f: { phase: 'Failed', statuses: [terminated(137, '', 9)] }, ready: '0/1', status: 'Signal:9' },
    { name: 'Terminating', f: { deleting: true, statuses: [running()] }, ready: '1/1', status: 'Terminating' },
    {
      name: 'deleted but already Succeeded stays Completed',
      f: { deleting: true, phase: 'Succeeded', statuses: [terminated(0, 'Completed')] },
      ready: '0/1',
      status: 'Completed',
    },
    { name: 'NodeLost while deleting is Unknown', f: { deleting: true, reason: 'NodeLost', statuses: [running()] }, ready: '1/1', status: 'Unknown' },
    { name: 'Evicted', f: { phase: 'Failed', reason: 'Evicted' }, ready: '0/1', status: 'Evicted' },
    {
      name: 'one container done, one running, not Ready -> NotReady',
      f: { containers: two, statuses: [terminated(0, 'Completed'), running()] },
      ready: '1/2',
      status: 'NotReady',
    },
    {
      name: 'one container done, one running, Ready -> Running',
      f: { containers: two, statuses: [terminated(0, 'Completed'), running()], conditions: [{ type: 'Ready', status: 'True' }] },
      ready: '1/2',
      status: 'Running',
    },
    {
      name: 'sidecar init container counts toward READY',
      f: {
        init: [{ name: 'proxy', restartPolicy: 'Always' }],
        initStatuses: [{ name: 'proxy', ...running() }],
        statuses: [running()],
        conditions: [{ type: 'Initialized', status: 'True' }],
      },
      ready: '2/2',
      status: 'Running',
    },
    {
      name: 'SchedulingGated',
      f: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] },
      ready: '0/1',
      status: 'SchedulingGated',
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const r = row('', 'Pod', pod(c.f));
      assert.equal(r['READY'], c.ready);
      assert.equal(r['STATUS'], c.status);
      if (c.restarts !== undefined) assert.equal(r['RESTARTS'], c.restarts);
      assert.equal(r['AGE'], '10m');
    });
  }

  it('restarts of all containers add up, with the most recent restart time', () => {
    const last = (ms: number) => ({ terminated: { exitCode: 1, finishedAt: ago(ms) } });
    const r = row(
      '',
      'Pod',
      pod({
        containers: [{ name: 'a' }, { name: 'b' }],
        statuses: [
          { ...running(), restartCount: 1, lastState: last(HOUR) },
          { ...running(), restartCount: 2, lastState: last(90 * SEC) },
        ],
      }),
    );
    assert.equal(r['RESTARTS'], '3 (90s ago)');
  });

  it('wide cells: IP, NODE, NOMINATED NODE, READINESS GATES', () => {
    const p = pod({
      statuses: [running()],
      conditions: [
        { type: 'example.com/gate-a', status: 'True' },
        { type: 'example.com/gate-b', status: 'False' },
      ],
      spec: { nodeName: 'node-1', readinessGates: [{ conditionType: 'example.com/gate-a' }, { conditionType: 'example.com/gate-b' }] },
      status: { podIP: '10.1.0.7', podIPs: [{ ip: '10.1.0.7' }] },
    });
    const r = row('', 'Pod', p);
    assert.deepEqual([r['IP'], r['NODE'], r['NOMINATED NODE'], r['READINESS GATES']], ['10.1.0.7', 'node-1', '<none>', '1/2']);
    const bare = row('', 'Pod', pod({ phase: 'Pending' }));
    assert.deepEqual([bare['IP'], bare['NODE'], bare['READINESS GATES']], ['<none>', '<none>', '<none>']);
  });

  it('terminal pods carry the Completed row condition', () => {
    const t = toTable('', 'Pod', [pod({ phase: 'Succeeded' }), pod({ phase: 'Failed' }), pod({})], { now: NOW });
    assert.equal(t.rows[0]?.conditions?.[0]?.reason, 'Succeeded');
    assert.equal(t.rows[1]?.conditions?.[0]?.reason, 'Failed');
    assert.equal(t.rows[2]?.conditions, undefined);
  });

  it('headers, default and wide', () => {
    const t = toTable('', 'Pod', [], { now: NOW });
    assert.deepEqual(headers(t, false), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(headers(t, true), ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.equal(t.columnDefinitions[0]?.format, 'name');
  });
});

// ---- nodes ----------------------------------------------------------------------------------

describe('Node', () => {
  const node = (labels: Json, conditions: Json[], unschedulable?: boolean): Json =>
    obj(
      'Node',
      'n1',
      {
        spec: { unschedulable },
        status: {
          conditions,
          addresses: [
            { type: 'Hostname', address: 'n1' },
            { type: 'InternalIP', address: '172.18.0.2' },
          ],
          nodeInfo: { kubeletVersion: 'v1.32.0', osImage: 'Debian GNU/Linux 12 (bookworm)', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.24' },
        },
      },
      { labels },
    );
  const ready = [{ type: 'Ready', status: 'True' }];
  const cases: [string, Json, Json[], boolean | undefined, string, string][] = [
    ['control plane', { 'node-role.kubernetes.io/control-plane': '' }, ready, undefined, 'Ready', 'control-plane'],
    ['worker without roles', {}, ready, undefined, 'Ready', '<none>'],
    ['cordoned', { 'node-role.kubernetes.io/worker': '' }, ready, true, 'Ready,SchedulingDisabled', 'worker'],
    ['not ready', {}, [{ type: 'Ready', status: 'False' }], undefined, 'NotReady', '<none>'],
    ['unknown ready status', {}, [{ type: 'Ready', status: 'Unknown' }], undefined, 'NotReady', '<none>'],
    ['no conditions, cordoned', {}, [], true, 'Unknown,SchedulingDisabled', '<none>'],
    [
      'roles are sorted and merged with kubernetes.io/role',
      { 'node-role.kubernetes.io/master': '', 'node-role.kubernetes.io/control-plane': '', 'kubernetes.io/role': 'infra', 'node-role.kubernetes.io/': '' },
      ready,
      undefined,
      'Ready',
      'control-plane,infra,master',
    ],
  ];
  for (const [name, labels, conditions, unschedulable, status, roles] of cases) {
    it(name, () => {
      const r = row('', 'Node', node(labels, conditions, unschedulable));
      assert.equal(r['STATUS'], status);
      assert.equal(r['ROLES'], roles);
      assert.equal(r['VERSION'], 'v1.32.0');
    });
  }

  it('wide cells', () => {
    const r = row('', 'Node', node({}, ready));
    assert.deepEqual(
      [r['INTERNAL-IP'], r['EXTERNAL-IP'], r['OS-IMAGE'], r['KERNEL-VERSION'], r['CONTAINER-RUNTIME']],
      ['172.18.0.2', '<none>', 'Debian GNU/Linux 12 (bookworm)', '6.1.0', 'containerd://1.7.24'],
    );
  });
});

// ---- services and friends --------------------------------------------------------------------------

describe('Service', () => {
  const svc = (spec: Json, status: Json = {}): Json => obj('Service', 's', { spec, status });
  const cases: [string, Json, Json, Record<string, string>][] = [
    [
      'NodePort',
      { type: 'NodePort', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 443, protocol: 'TCP' }] },
      {},
      { TYPE: 'NodePort', 'CLUSTER-IP': '10.96.0.10', 'EXTERNAL-IP': '<none>', 'PORT(S)': '80:30080/TCP,443/TCP' },
    ],
    [
      'ClusterIP with externalIPs, UDP',
      { type: 'ClusterIP', clusterIPs: ['10.96.0.11'], externalIPs: ['1.2.3.4'], ports: [{ port: 53, protocol: 'UDP' }] },
      {},
      { TYPE: 'ClusterIP', 'EXTERNAL-IP': '1.2.3.4', 'PORT(S)': '53/UDP' },
    ],
    [
      'LoadBalancer pending',
      { type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [{ port: 80, nodePort: 31000, protocol: 'TCP' }] },
      {},
      { 'EXTERNAL-IP': '<pending>', 'PORT(S)': '80:31000/TCP' },
    ],
    [
      'LoadBalancer with ingress (never clipped: the server prints wide)',
      { type: 'LoadBalancer', clusterIPs: ['10.96.0.12'], ports: [] },
      { loadBalancer: { ingress: [{ hostname: 'a-very-long-load-balancer.example.com' }, { ip: '5.6.7.8' }, { ip: '5.6.7.8' }] } },
      { 'EXTERNAL-IP': '5.6.7.8,a-very-long-load-balancer.example.com', 'PORT(S)': '<none>' },
    ],
    [
      'ExternalName',
      { type: 'ExternalName', externalName: 'db.example.com' },
      {},
      { 'CLUSTER-IP': '<none>', 'EXTERNAL-IP': 'db.example.com', 'PORT(S)': '<none>' },
    ],
    ['headless', { type: 'ClusterIP', clusterIP: 'None', clusterIPs: ['None'], ports: [{ port: 80 }] }, {}, { 'CLUSTER-IP': 'None', 'PORT(S)': '80/TCP' }],
  ];
  for (const [name, spec, status, want] of cases) {
    it(name, () => {
      const r = row('', 'Service', svc(spec, status));
      for (const [k, v] of Object.entries(want)) assert.equal(r[k], v, k);
    });
  }

  it('wide SELECTOR', () => {
    assert.equal(row('', 'Service', svc({ selector: { tier: 'web', app: 'shop' } }))['SELECTOR'], 'app=shop,tier=web');
    assert.equal(row('', 'Service', svc({}))['SELECTOR'], '<none>');
  });
});

describe('Endpoints and EndpointSlice', () => {
  it('Endpoints lists ip:port, at most three', () => {
    const ep = obj('Endpoints', 'e', {
      subsets: [{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }], ports: [{ port: 80 }, { port: 443 }] }],
    });
    assert.equal(row('', 'Endpoints', ep)['ENDPOINTS'], '10.0.0.1:80,10.0.0.2:80,10.0.0.1:443 + 1 more...');
    assert.equal(row('', 'Endpoints', obj('Endpoints', 'e'))['ENDPOINTS'], '<none>');
    const v6 = obj('Endpoints', 'e', { subsets: [{ addresses: [{ ip: 'fd00::1' }], ports: [{ port: 80 }] }] });
    assert.equal(row('', 'Endpoints', v6)['ENDPOINTS'], '[fd00::1]:80');
  });

  it('EndpointSlice', () => {
    const es = obj('EndpointSlice', 'es', {
      addressType: 'IPv4',
      ports: [{ port: 80 }, { name: 'x' }, {}],
      endpoints: [{ addresses: ['10.0.0.1'] }, { addresses: ['10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4'] }],
    });
    const r = row('discovery.k8s.io', 'EndpointSlice', es);
    assert.deepEqual([r['ADDRESSTYPE'], r['PORTS'], r['ENDPOINTS']], ['IPv4', '80,x,*', '10.0.0.1,10.0.0.2,10.0.0.3 + 1 more...']);
    const empty = row('discovery.k8s.io', 'EndpointSlice', obj('EndpointSlice', 'es', { addressType: 'IPv4' }));
    assert.deepEqual([empty['PORTS'], empty['ENDPOINTS']], ['<unset>', '<unset>']);
  });
});

describe('Ingress', () => {
  it('CLASS HOSTS ADDRESS PORTS', () => {
    const ing = obj('Ingress', 'i', {
      spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }, { host: 'b.example.com' }], tls: [{ hosts: ['a.example.com'] }] },
      status: { loadBalancer: { ingress: [{ ip: '172.18.0.5' }] } },
    });
    const r = row('networking.k8s.io', 'Ingress', ing);
    assert.deepEqual([r['CLASS'], r['HOSTS'], r['ADDRESS'], r['PORTS']], ['nginx', 'a.example.com,b.example.com', '172.18.0.5', '80, 443']);
    const bare = row('networking.k8s.io', 'Ingress', obj('Ingress', 'i', { spec: { rules: [{}] } }));
    assert.deepEqual([bare['CLASS'], bare['HOSTS'], bare['ADDRESS'], bare['PORTS']], ['<none>', '*', '', '80']);
  });

  it('NetworkPolicy POD-SELECTOR', () => {
    assert.equal(row('networking.k8s.io', 'NetworkPolicy', obj('NetworkPolicy', 'np', { spec: { podSelector: {} } }))['POD-SELECTOR'], '<none>');
    assert.equal(
      row('networking.k8s.io', 'NetworkPolicy', obj('NetworkPolicy', 'np', { spec: { podSelector: { matchLabels: { app: 'db' } } } }))['POD-SELECTOR'],
      'app=db',
    );
  });
});

// ---- workloads ---------------------------------------------------------------------------------------

const template = {
  metadata: { labels: { app: 'web' } },
  spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }, { name: 'sidecar', image: 'busybox' }] },
};

describe('Deployment', () => {
  const deploy = obj('Deployment', 'web', {
    spec: {
      replicas: 3,
      selector: { matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['b', 'a'] }] },
      template,
    },
    status: { replicas: 3, readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
  });

  it('READY UP-TO-DATE AVAILABLE AGE, then wide CONTAINERS IMAGES SELECTOR', () => {
    const t = toTable('apps', 'Deployment', [deploy], { now: NOW });
    assert.deepEqual(headers(t, false), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE']);
    assert.deepEqual(headers(t, true), ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual(t.rows[0]?.cells, ['web', '2/3', 3, 2, '10m', 'nginx,sidecar', 'nginx:1.27,busybox', 'app=web,tier in (a,b)']);
  });

  it('unset status and replicas print as defaulted', () => {
    const r = row('apps', 'Deployment', obj('Deployment', 'x', { spec: { template } }));
    assert.deepEqual([r['READY'], r['UP-TO-DATE'], r['AVAILABLE'], r['SELECTOR']], ['0/1', 0, 0, '']);
  });

  it('ReplicaSet, StatefulSet, DaemonSet, ReplicationController', () => {
    const rs = row('apps', 'ReplicaSet', obj('ReplicaSet', 'web-abc', { spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 2, readyReplicas: 1 } }));
    assert.deepEqual([rs['DESIRED'], rs['CURRENT'], rs['READY'], rs['SELECTOR']], [2, 2, 1, 'app=web']);
    const sts = row('apps', 'StatefulSet', obj('StatefulSet', 'db', { spec: { replicas: 3, template }, status: { readyReplicas: 3 } }));
    assert.equal(sts['READY'], '3/3');
    const ds = row('apps', 'DaemonSet', obj('DaemonSet', 'agent', {
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { ...template.spec, nodeSelector: { 'kubernetes.io/os': 'linux' } } } },
      status: { desiredNumberScheduled: 2, currentNumberScheduled: 2, numberReady: 1, updatedNumberScheduled: 2, numberAvailable: 1 },
    }));
    assert.deepEqual(
      [ds['DESIRED'], ds['CURRENT'], ds['READY'], ds['UP-TO-DATE'], ds['AVAILABLE'], ds['NODE SELECTOR'], ds['SELECTOR']],
      [2, 2, 1, 2, 1, 'kubernetes.io/os=linux', 'app=agent'],
    );
    const rc = row('', 'ReplicationController', obj('ReplicationController', 'rc', { spec: { replicas: 1, selector: { app: 'x' }, template }, status: { replicas: 1 } }));
    assert.deepEqual([rc['DESIRED'], rc['CURRENT'], rc['READY'], rc['SELECTOR']], [1, 1, 0, 'app=x']);
  });

  it('ControllerRevision names its controller by group kind', () => {
    const cr = obj('ControllerRevision', 'agent-7d9', { revision: 4 }, {
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', name: 'agent', controller: true }],
    });
    const r = row('apps', 'ControllerRevision', cr);
    assert.deepEqual([r['CONTROLLER'], r['REVISION']], ['daemonset.apps/agent', 4]);
    assert.equal(row('apps', 'ControllerRevision', obj('ControllerRevision', 'x', { revision: 1 }))['CONTROLLER'], '<none>');
  });
});

describe('Job', () => {
  const job = (spec: Json, status: Json, metadata: Json = {}): Json => obj('Job', 'pi', { spec: { template, ...spec }, status }, metadata);
  const cases: [string, Json, [string, string, string]][] = [
    [
      'complete',
      job({ completions: 3 }, { succeeded: 3, startTime: ago(5 * MIN), completionTime: ago(150 * SEC), conditions: [{ type: 'Complete', status: 'True' }] }),
      ['Complete', '3/3', '2m30s'],
    ],
    ['running', job({ completions: 1, parallelism: 1 }, { active: 1, startTime: ago(42 * SEC) }), ['Running', '0/1', '42s']],
    ['work queue with parallelism', job({ parallelism: 2 }, { succeeded: 1, startTime: ago(5 * MIN) }), ['Running', '1/1 of 2', '5m']],
    ['not started', job({ completions: 1 }, {}), ['Running', '0/1', '']],
    [
      'failed',
      job({ completions: 1 }, { failed: 7, startTime: ago(HOUR), conditions: [{ type: 'FailureTarget', status: 'True' }, { type: 'Failed', status: 'True' }] }),
      ['Failed', '0/1', '60m'],
    ],
    ['failure target only', job({ completions: 1 }, { startTime: ago(MIN), conditions: [{ type: 'FailureTarget', status: 'True' }] }), ['FailureTarget', '0/1', '60s']],
    ['suspended', job({ completions: 1 }, { conditions: [{ type: 'Suspended', status: 'True' }] }), ['Suspended', '0/1', '']],
    ['terminating', job({ completions: 1 }, { startTime: ago(MIN) }, { deletionTimestamp: ago(0) }), ['Terminating', '0/1', '60s']],
    ['condition present but False', job({ completions: 1 }, { conditions: [{ type: 'Complete', status: 'False' }] }), ['Running', '0/1', '']],
  ];
  for (const [name, j, [status, completions, duration]] of cases) {
    it(name, () => {
      const r = row('batch', 'Job', j);
      assert.deepEqual([r['STATUS'], r['COMPLETIONS'], r['DURATION']], [status, completions, duration]);
    });
  }

  it('headers', () => {
    assert.deepEqual(headers(toTable('batch', 'Job', []), false), ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
  });
});

describe('CronJob', () => {
  const cj = (spec: Json, status: Json = {}): Json =>
    obj('CronJob', 'backup', { spec: { schedule: '*/5 * * * *', jobTemplate: { spec: { template } }, ...spec }, status });
  it('SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE', () => {
    const t = toTable('batch', 'CronJob', [cj({ suspend: false }, { active: [{ name: 'backup-1' }], lastScheduleTime: ago(5 * MIN) })], { now: NOW });
    assert.deepEqual(headers(t, false), ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    assert.deepEqual(t.rows[0]?.cells.slice(0, 7), ['backup', '*/5 * * * *', '<none>', 'False', 1, '5m', '10m']);
  });
  it('never scheduled, suspended, time zone set', () => {
    const r = row('batch', 'CronJob', cj({ suspend: true, timeZone: 'Etc/UTC' }));
    assert.deepEqual([r['TIMEZONE'], r['SUSPEND'], r['ACTIVE'], r['LAST SCHEDULE']], ['Etc/UTC', 'True', 0, '<none>']);
    assert.equal(row('batch', 'CronJob', cj({}))['SUSPEND'], '<unset>');
  });
});

describe('HorizontalPodAutoscaler', () => {
  const cpu = (target: Json): Json => ({ type: 'Resource', resource: { name: 'cpu', target } });
  const hpa = (spec: Json, status: Json = {}): Json =>
    obj('HorizontalPodAutoscaler', 'web', { spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' }, maxReplicas: 10, ...spec }, status });
  const cases: [string, Json, string][] = [
    [
      'utilization with a current value',
      hpa({ minReplicas: 1, metrics: [cpu({ type: 'Utilization', averageUtilization: 50 })] }, {
        currentReplicas: 2,
        currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 20, averageValue: '100m' } } }],
      }),
      'cpu: 20%/50%',
    ],
    ['not yet scraped', hpa({ metrics: [cpu({ type: 'Utilization', averageUtilization: 50 })] }), 'cpu: <unknown>/50%'],
    [
      'average value',
      hpa({ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } }] }, {
        currentMetrics: [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '100Mi' } } }],
      }),
      'memory: 100Mi/500Mi',
    ],
    [
      // The controller writes plain DecimalSI byte counts, which print without a suffix (as on real clusters).
      'average value as written by the controller',
      hpa({ metrics: [{ type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } }] }, {
        currentMetrics: [{ type: 'Resource', resource: { name: 'memory', current: { averageValue: '45273088' } } }],
      }),
      'memory: 45273088/500Mi',
    ],
    [
      'more than two metrics',
      hpa({
        metrics: [
          cpu({ type: 'Utilization', averageUtilization: 50 }),
          { type: 'Pods', pods: { metric: { name: 'rps' }, target: { type: 'AverageValue', averageValue: '1k' } } },
          { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
        ],
      }),
      'cpu: <unknown>/50%, <unknown>/1k + 1 more...',
    ],
    ['autoscaling/v1 object', hpa({ targetCPUUtilizationPercentage: 60 }, { currentCPUUtilizationPercentage: 35 }), 'cpu: 35%/60%'],
    ['no metrics defaults to 80% CPU', hpa({}), 'cpu: <unknown>/80%'],
  ];
  for (const [name, h, targets] of cases) {
    it(name, () => assert.equal(row('autoscaling', 'HorizontalPodAutoscaler', h)['TARGETS'], targets));
  }
  it('REFERENCE MINPODS MAXPODS REPLICAS', () => {
    const r = row('autoscaling', 'HorizontalPodAutoscaler', hpa({ minReplicas: 2 }, { currentReplicas: 3 }));
    assert.deepEqual([r['REFERENCE'], r['MINPODS'], r['MAXPODS'], r['REPLICAS']], ['Deployment/web', '2', 10, 3]);
    assert.equal(row('autoscaling', 'HorizontalPodAutoscaler', hpa({}))['MINPODS'], '<unset>');
  });
});

// ---- config, storage, cluster -------------------------------------------------------------------------

describe('config and storage kinds', () => {
  it('ConfigMap DATA counts data and binaryData; Secret TYPE DATA; ServiceAccount SECRETS', () => {
    assert.equal(row('', 'ConfigMap', obj('ConfigMap', 'c', { data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }))['DATA'], 3);
    const s = row('', 'Secret', obj('Secret', 's', { type: 'kubernetes.io/tls', data: { 'tls.crt': 'x', 'tls.key': 'y' } }));
    assert.deepEqual([s['TYPE'], s['DATA']], ['kubernetes.io/tls', 2]);
    assert.equal(row('', 'ServiceAccount', obj('ServiceAccount', 'default'))['SECRETS'], 0);
  });

  it('ResourceQuota splits requests and limits, sorted', () => {
    const rq = obj('ResourceQuota', 'q', {
      spec: { hard: { 'limits.cpu': '2', pods: '10', 'requests.memory': '1Gi', 'requests.cpu': '1' } },
      status: {
        hard: { 'limits.cpu': '2', pods: '10', 'requests.memory': '1Gi', 'requests.cpu': '1' },
        used: { 'limits.cpu': '500m', pods: '3', 'requests.memory': '256Mi' },
      },
    });
    const r = row('', 'ResourceQuota', rq);
    assert.equal(r['REQUEST'], 'pods: 3/10, requests.cpu: 0/1, requests.memory: 256Mi/1Gi');
    assert.equal(r['LIMIT'], 'limits.cpu: 500m/2');
    // Upstream lists spec.hard: before the controller's first sync every value reads 0.
    const fresh = row('', 'ResourceQuota', obj('ResourceQuota', 'q', { spec: { hard: { pods: '2' } } }));
    assert.equal(fresh['REQUEST'], 'pods: 0/0');
  });

  it('PersistentVolume and PersistentVolumeClaim', () => {
    const pv = obj('PersistentVolume', 'pv1', {
      spec: {
        capacity: { storage: '10Gi' },
        accessModes: ['ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOnce'],
        persistentVolumeReclaimPolicy: 'Delete',
        claimRef: { namespace: 'default', name: 'data' },
        storageClassName: 'standard',
      },
      status: { phase: 'Bound' },
    });
    const r = row('', 'PersistentVolume', pv);
    assert.deepEqual(
      [r['CAPACITY'], r['ACCESS MODES'], r['RECLAIM POLICY'], r['STATUS'], r['CLAIM'], r['STORAGECLASS'], r['VOLUMEATTRIBUTESCLASS'], r['REASON'], r['VOLUMEMODE']],
      ['10Gi', 'RWO,RWX', 'Delete', 'Bound', 'default/data', 'standard', '<unset>', '', 'Filesystem'],
    );
    const pending = row('', 'PersistentVolumeClaim', obj('PersistentVolumeClaim', 'data', { spec: { storageClassName: 'standard' }, status: { phase: 'Pending' } }));
    assert.deepEqual([pending['STATUS'], pending['VOLUME'], pending['CAPACITY'], pending['ACCESS MODES'], pending['STORAGECLASS']], ['Pending', '', '', '', 'standard']);
    const bound = row('', 'PersistentVolumeClaim', obj('PersistentVolumeClaim', 'data', {
      spec: { volumeName: 'pv1' },
      status: { phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '10Gi' } },
    }, { deletionTimestamp: ago(0), annotations: { 'volume.beta.kubernetes.io/storage-class': 'legacy' } }));
    assert.deepEqual([bound['STATUS'], bound['CAPACITY'], bound['ACCESS MODES'], bound['STORAGECLASS']], ['Terminating', '10Gi', 'RWO', 'legacy']);
  });

  it('StorageClass marks the default one', () => {
    const sc = obj('StorageClass', 'standard', { provisioner: 'rancher.io/local-path', volumeBindingMode: 'WaitForFirstConsumer' }, {
      annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
    });
    const t = toTable('storage.k8s.io', 'StorageClass', [sc], { now: NOW });
    assert.deepEqual(headers(t, false), ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE']);
    assert.deepEqual(t.rows[0]?.cells, ['standard (default)', 'rancher.io/local-path', 'Delete', 'WaitForFirstConsumer', false, '10m']);
  });
});

describe('cluster kinds', () => {
  it('Namespace, Lease', () => {
    assert.equal(row('', 'Namespace', obj('Namespace', 'kube-system', { status: { phase: 'Active' } }))['STATUS'], 'Active');
    assert.equal(row('', 'Namespace', obj('Namespace', 'gone', { status: { phase: 'Terminating' } }))['STATUS'], 'Terminating');
    assert.equal(row('coordination.k8s.io', 'Lease', obj('Lease', 'kube-scheduler', { spec: { holderIdentity: 'cp_1234' } }))['HOLDER'], 'cp_1234');
    assert.equal(row('coordination.k8s.io', 'Lease', obj('Lease', 'x', { spec: {} }))['HOLDER'], '');
  });

  it('core Event: LAST SEEN TYPE REASON OBJECT MESSAGE, plus wide', () => {
    const ev = obj('Event', 'web.17a', {
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container\n',
      type: 'Warning',
      source: { component: 'kubelet', host: 'node-1' },
      firstTimestamp: ago(HOUR),
      lastTimestamp: ago(30 * SEC),
      count: 12,
    });
    const t = toTable('', 'Event', [ev], { now: NOW });
    assert.deepEqual(headers(t, false), ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']);
    assert.deepEqual(t.rows[0]?.cells, ['30s', 'Warning', 'BackOff', 'pod/web', 'spec.containers{app}', 'kubelet, node-1', 'Back-off restarting failed container', '60m', 12, 'web.17a']);
  });

  it('events.k8s.io Event prints through the same columns', () => {
    const ev = obj('Event', 'web.17b', {
      regarding: { kind: 'Deployment', name: 'web' },
      reason: 'ScalingReplicaSet',
      note: 'Scaled up replica set web-abc to 3',
      type: 'Normal',
      eventTime: ago(2 * MIN),
      reportingController: 'deployment-controller',
    });
    const r = row('events.k8s.io', 'Event', ev);
    assert.deepEqual(
      [r['LAST SEEN'], r['OBJECT'], r['MESSAGE'], r['SOURCE'], r['FIRST SEEN'], r['COUNT']],
      ['2m', 'deployment/web', 'Scaled up replica set web-abc to 3', 'deployment-controller', '2m', 1],
    );
    const series = row('', 'Event', obj('Event', 'e', { eventTime: ago(HOUR), series: { count: 5, lastObservedTime: ago(10 * SEC) } }));
    assert.deepEqual([series['LAST SEEN'], series['COUNT'], series['FIRST SEEN']], ['10s', 5, '60m']);
  });

  it('RoleBinding wide subjects', () => {
    const rb = obj('RoleBinding', 'rb', {
      roleRef: { kind: 'ClusterRole', name: 'view' },
      subjects: [
        { kind: 'User', name: 'alice' },
        { kind: 'Group', name: 'devs' },
        { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
        { kind: 'User', name: 'bob' },
      ],
    });
    const r = row('rbac.authorization.k8s.io', 'RoleBinding', rb);
    assert.deepEqual([r['ROLE'], r['USERS'], r['GROUPS'], r['SERVICEACCOUNTS']], ['ClusterRole/view', 'alice, bob', 'devs', 'tools/ci']);
  });
});

// ---- envelope -------------------------------------------------------------------------------------------

describe('Table envelope', () => {
  const p = pod({ statuses: [running()] });
  (p['metadata'] as Json)['managedFields'] = [{ manager: 'kubectl', operation: 'Apply' }];

  it('defaults to PartialObjectMetadata without managedFields', () => {
    const t = toTable('', 'Pod', [p], { now: NOW });
    assert.equal(t.kind, 'Table');
    assert.equal(t.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(t.metadata, { resourceVersion: '42' });
    const o = t.rows[0]?.object ?? {};
    assert.equal(o['kind'], 'PartialObjectMetadata');
    assert.equal(o['apiVersion'], 'meta.k8s.io/v1');
    const m = o['metadata'] as Json;
    assert.equal(m['name'], 'web');
    assert.equal(m['managedFields'], undefined);
    assert.equal(o['spec'], undefined);
    // The stored object is untouched.
    assert.ok((p['metadata'] as Json)['managedFields']);
  });

  it('includeObject=Object carries the full object, None omits it', () => {
    assert.equal(toTable('', 'Pod', [p], { now: NOW, includeObject: 'Object' }).rows[0]?.object, p);
    const none = toTable('', 'Pod', [p], { now: NOW, includeObject: 'None' }).rows[0] ?? { cells: [] };
    assert.equal('object' in none, false);
  });

  it('list metadata comes from the options', () => {
    const t = toTable('', 'Pod', [p, p], { now: NOW, resourceVersion: '100', continue: 'tok', remainingItemCount: 5 });
    assert.deepEqual(t.metadata, { resourceVersion: '100', continue: 'tok', remainingItemCount: 5 });
    assert.deepEqual(toTable('', 'Pod', [p, p], { now: NOW }).metadata, {});
  });

  it('every column definition has all five fields', () => {
    for (const c of toTable('apps', 'Deployment', []).columnDefinitions) {
      assert.deepEqual(Object.keys(c).sort(), ['description', 'format', 'name', 'priority', 'type']);
      assert.ok(c.description.length > 0, c.name);
    }
  });

  it('watch events are one-row tables with the same column definitions', () => {
    const ev = toTableWatchEvent('', 'Pod', 'MODIFIED', p, { now: NOW });
    const table = ev.object as Table;
    assert.equal(ev.type, 'MODIFIED');
    assert.equal(table.rows.length, 1);
    assert.deepEqual(table.columnDefinitions, toTable('', 'Pod', []).columnDefinitions);
    const status = { kind: 'Status', status: 'Failure', code: 410 };
    assert.equal(toTableWatchEvent('', 'Pod', 'ERROR', status).object, status);
    const bookmark = toTableWatchEvent('', 'Pod', 'BOOKMARK', { kind: 'Pod', metadata: { resourceVersion: '77' } }).object as Table;
    assert.deepEqual([bookmark.rows.length, bookmark.metadata.resourceVersion], [0, '77']);
  });

  it('acceptsTable reads kubectl\'s Accept header', () => {
    assert.equal(
      acceptsTable('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json'),
      true,
    );
    assert.equal(acceptsTable('application/json'), false);
    assert.equal(acceptsTable('application/json;as=Table;v=v1beta1;g=meta.k8s.io'), false);
    assert.equal(acceptsTable(undefined), false);
  });
});

describe('fallbacks', () => {
  it('built-in kinds without a printer: NAME, CREATED AT (RFC3339)', () => {
    const t = toTable('', 'LimitRange', [obj('LimitRange', 'limits', {}, { creationTimestamp: '2024-05-01T08:30:00Z' })], { now: NOW });
    assert.deepEqual(t.columnDefinitions.map((c) => [c.name, c.type]), [['Name', 'string'], ['Created At', 'date']]);
    assert.deepEqual(t.rows[0]?.cells, ['limits', '2024-05-01T08:30:00Z']);
    assert.deepEqual(headers(toTable('rbac.authorization.k8s.io', 'ClusterRole', []), false), ['NAME', 'CREATED AT']);
  });

  it('custom resources: NAME, AGE', () => {
    const t = toTable('example.com', 'Widget', [obj('Widget', 'w1'), obj('Widget', 'w2', {}, { creationTimestamp: undefined })], { now: NOW });
    assert.deepEqual(headers(t, false), ['NAME', 'AGE']);
    assert.deepEqual(t.rows.map((r) => r.cells), [['w1', '10m'], ['w2', null]]);
  });
});

describe('formatQuantity (Quantity.String())', () => {
  const cases: [unknown, string][] = [
    ['0.5', '500m'],
    ['100m', '100m'],
    ['2000m', '2'],
    ['1000', '1k'],
    ['1500', '1500'],
    ['1024Mi', '1Gi'],
    ['1.5Gi', '1536Mi'],
    ['0.5Gi', '512Mi'],
    ['512', '512'],
    ['1536', '1536'],
    ['100Mi', '100Mi'],
    ['1e3', '1e3'],
    ['1G', '1G'],
    ['0', '0'],
    [undefined, '0'],
    [3, '3'],
    ['0.0000000001', '1n'],
    ['-1.5', '-1500m'],
  ];
  for (const [input, want] of cases) it(`${String(input)} -> ${want}`, () => assert.equal(formatQuantity(input), want));
});

describe('kubectl headers per kind', () => {
  const cases: [string, string, string[]][] = [
    ['', 'Namespace', ['NAME', 'STATUS', 'AGE']],
    ['', 'Service', ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']],
    ['', 'Endpoints', ['NAME', 'ENDPOINTS', 'AGE']],
    ['', 'ConfigMap', ['NAME', 'DATA', 'AGE']],
    ['', 'Secret', ['NAME', 'TYPE', 'DATA', 'AGE']],
    ['', 'ServiceAccount', ['NAME', 'SECRETS', 'AGE']],
    ['', 'Node', ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION']],
    ['', 'PersistentVolume', ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE']],
    ['', 'PersistentVolumeClaim', ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE']],
    ['', 'ReplicationController', ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']],
    ['', 'ResourceQuota', ['NAME', 'AGE', 'REQUEST', 'LIMIT']],
    ['apps', 'ReplicaSet', ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']],
    ['apps', 'StatefulSet', ['NAME', 'READY', 'AGE']],
    ['apps', 'DaemonSet', ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE']],
    ['apps', 'ControllerRevision', ['NAME', 'CONTROLLER', 'REVISION', 'AGE']],
    ['autoscaling', 'HorizontalPodAutoscaler', ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE']],
    ['networking.k8s.io', 'NetworkPolicy', ['NAME', 'POD-SELECTOR', 'AGE']],
    ['networking.k8s.io', 'Ingress', ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE']],
    ['discovery.k8s.io', 'EndpointSlice', ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE']],
    ['events.k8s.io', 'Event', ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE']],
    ['coordination.k8s.io', 'Lease', ['NAME', 'HOLDER', 'AGE']],
    ['policy', 'PodDisruptionBudget', ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE']],
  ];
  for (const [group, kind, want] of cases) {
    it(`${group || 'core'}/${kind}`, () => assert.deepEqual(headers(toTable(group, kind, []), false), want));
  }
});

describe('robustness', () => {
  // Stored JSON is not type-checked: no printer may throw or misalign on junk.
  const junk: Json[] = [
    {},
    { metadata: 'x', spec: 'x', status: 7 },
    {
      metadata: { name: 5, labels: 'x', annotations: [], ownerReferences: [null, 'y'], deletionTimestamp: 'not a date' },
      spec: {
        containers: 'nope', initContainers: [null], ports: {}, rules: 3, selector: 'x', metrics: [null, 5, { type: 'Pods' }],
        template: { spec: { containers: [null, { name: 1 }] } }, claimRef: 'x', capacity: [], readinessGates: [null],
      },
      status: { conditions: 'x', containerStatuses: [null, { state: 'x', lastState: { terminated: 5 } }], addresses: 5, loadBalancer: { ingress: [null] }, hard: 'x' },
      subsets: [null, { addresses: 'x', ports: [null] }],
      endpoints: [null, { addresses: [null, 4] }],
      involvedObject: 'x', series: 'x', regarding: null, data: 'abc',
    },
  ];
  for (const { group, kind } of printedKinds()) {
    it(`${group || 'core'}/${kind}`, () => {
      const t = toTable(group, kind, junk, { now: NOW });
      for (const r of t.rows) assert.equal(r.cells.length, t.columnDefinitions.length);
    });
  }
});

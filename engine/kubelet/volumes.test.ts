// Volumes (volumes.ts): file modes, items, the ..data atomic swap on update, downward API,
// emptyDir/hostPath/PVC sources, mounts with subPath.
// `npx tsx --test engine/kubelet/volumes.test.ts`
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { VolumeError, VolumeManager, podReferences, writeAtomic, type VolumeSources } from './volumes.js';
import { container, newPod } from './testing.js';

const root = mkdtempSync(join(tmpdir(), 'kubelet-volumes-'));
after(() => rmSync(root, { recursive: true, force: true }));

const objects = new Map<string, KubeObject>();
function put(kind: string, name: string, body: Record<string, unknown>): void {
  objects.set(`${kind}/${name}`, { apiVersion: 'v1', kind, metadata: { name, namespace: 'default' }, ...body } as KubeObject);
}
const sources: VolumeSources = {
  configMap: (_ns, n) => objects.get(`ConfigMap/${n}`),
  secret: (_ns, n) => objects.get(`Secret/${n}`),
  pvc: (_ns, n) => objects.get(`PersistentVolumeClaim/${n}`),
  pv: (n) => objects.get(`PersistentVolume/${n}`),
  nodeAllocatable: { cpuMillis: 2000, memoryBytes: 4 << 30 },
};
const vm = new VolumeManager(join(root, 'kubelet'), sources);
const mode = (p: string) => statSync(p).mode & 0o777;

describe('configMap and secret volumes', () => {
  test('files with default and explicit modes, items with paths, ..data layout', async () => {
    put('ConfigMap', 'cfg', { data: { 'app.conf': 'a=1\n', other: 'x' } });
    put('Secret', 'sec', { data: { token: Buffer.from('t0k3n').toString('base64'), 'ca.crt': Buffer.from('CA').toString('base64') } });
    const pod = newPod('p', {
      containers: [container('a')],
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg', defaultMode: 0o644 } },
        { name: 'sec', secret: { secretName: 'sec', defaultMode: 0o400 } },
        { name: 'items', configMap: { name: 'cfg', items: [{ key: 'app.conf', path: 'conf/app.conf', mode: 0o600 }] } },
      ],
    });
    const vols = await vm.setUp(pod, {});
    const cfg = (vols.get('cfg') as { hostPath: string }).hostPath;
    const sec = (vols.get('sec') as { hostPath: string }).hostPath;
    const items = (vols.get('items') as { hostPath: string }).hostPath;
    assert.equal(readFileSync(join(cfg, 'app.conf'), 'utf8'), 'a=1\n');
    assert.equal(mode(join(cfg, 'app.conf')), 0o644);
    assert.equal(readFileSync(join(sec, 'token'), 'utf8'), 't0k3n');
    assert.equal(mode(join(sec, 'token')), 0o400);
    assert.equal(mode(join(items, 'conf/app.conf')), 0o600);
    assert.deepEqual(readdirSync(items).filter((n) => !n.startsWith('..')), ['conf']);
    // The real kubelet's layout: name → ..data/name, ..data → ..<timestamp>.
    assert.ok(lstatSync(join(cfg, 'app.conf')).isSymbolicLink());
    assert.equal(readlinkSync(join(cfg, 'app.conf')), '..data/app.conf');
    assert.match(readlinkSync(join(cfg, '..data')), /^\.\.\d{4}_\d\d_\d\d_\d\d_\d\d_\d\d\./);
  });

  test('updates swap ..data atomically and drop removed keys', async () => {
    const dir = join(root, 'atomic');
    const f = (s: string, m = 0o644) => ({ data: Buffer.from(s), mode: m });
    assert.equal(await writeAtomic(dir, new Map([['a', f('1')], ['b', f('2')]])), true);
    const first = readlinkSync(join(dir, '..data'));
    assert.equal(await writeAtomic(dir, new Map([['a', f('1')], ['b', f('2')]])), false, 'unchanged payload: no write');
    assert.equal(await writeAtomic(dir, new Map([['a', f('one')]])), true);
    const second = readlinkSync(join(dir, '..data'));
    assert.notEqual(first, second);
    assert.equal(readFileSync(join(dir, 'a'), 'utf8'), 'one');
    assert.throws(() => lstatSync(join(dir, 'b')));
    assert.throws(() => statSync(join(dir, first)), 'old timestamped dir removed');
    assert.equal(await writeAtomic(dir, new Map([['a', f('one', 0o600)]])), true, 'a mode change rewrites');
    assert.equal(mode(join(dir, 'a')), 0o600);
  });

  test('missing objects or keys fail unless optional', async () => {
    const pod = (v: Record<string, unknown>) => newPod('q', { containers: [container('a')], volumes: [{ name: 'v', ...v }] });
    await assert.rejects(vm.setUp(pod({ configMap: { name: 'nope' } }), {}), (e: unknown) => e instanceof VolumeError && e.message === 'configmap "nope" not found');
    await assert.rejects(vm.setUp(pod({ secret: { secretName: 'nope' } }), {}), (e: unknown) => e instanceof VolumeError && e.message === 'secret "nope" not found');
    await assert.rejects(vm.setUp(pod({ configMap: { name: 'cfg', items: [{ key: 'zzz', path: 'z' }] } }), {}), /non-existent config key: zzz/);
    const ok = await vm.setUp(pod({ configMap: { name: 'nope', optional: true } }), {});
    assert.deepEqual(readdirSync((ok.get('v') as { hostPath: string }).hostPath).filter((n) => !n.startsWith('..')), []);
  });
});

describe('other volume types', () => {
  test('downwardAPI: labels/annotations format, fields, resources', async () => {
    const pod = newPod(
      'd',
      {
        containers: [container('a', { resources: { limits: { memory: '64Mi' } } })],
        volumes: [
          {
            name: 'info',
            downwardAPI: {
              items: [
                { path: 'labels', fieldRef: { fieldPath: 'metadata.labels' } },
                { path: 'name', fieldRef: { fieldPath: 'metadata.name' } },
                { path: 'mem', resourceFieldRef: { containerName: 'a', resource: 'limits.memory', divisor: '1Mi' } },
                { path: 'cpu', resourceFieldRef: { containerName: 'a', resource: 'limits.cpu' } },
              ],
            },
          },
        ],
      },
      { labels: { b: '2', a: 'one "quoted"' } },
    );
    const dir = ((await vm.setUp(pod, {})).get('info') as { hostPath: string }).hostPath;
    assert.equal(readFileSync(join(dir, 'labels'), 'utf8'), 'a="one \\"quoted\\""\nb="2"');
    assert.equal(readFileSync(join(dir, 'name'), 'utf8'), 'd');
    assert.equal(readFileSync(join(dir, 'mem'), 'utf8'), '64');
    assert.equal(readFileSync(join(dir, 'cpu'), 'utf8'), '2');
  });

  test('projected: configMap + secret + downwardAPI in one directory', async () => {
    const pod = newPod('pr', {
      containers: [container('a')],
      volumes: [{ name: 'all', projected: { sources: [{ configMap: { name: 'cfg', items: [{ key: 'other', path: 'o' }] } }, { secret: { name: 'sec' } }, { downwardAPI: { items: [{ path: 'ns', fieldRef: { fieldPath: 'metadata.namespace' } }] } }] } }],
    });
    const dir = ((await vm.setUp(pod, {})).get('all') as { hostPath: string }).hostPath;
    assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('..')).sort(), ['ca.crt', 'ns', 'o', 'token']);
  });

  test('emptyDir (0777 dir or tmpfs), hostPath types, PVC → bound PV path', async () => {
    const host = join(root, 'host', 'made');
    put('PersistentVolumeClaim', 'data', { spec: { volumeName: 'pvc-1' }, status: { phase: 'Bound' } });
    put('PersistentVolume', 'pvc-1', { spec: { hostPath: { path: join(root, 'pv1') } } });
    put('PersistentVolumeClaim', 'pending', { spec: {}, status: { phase: 'Pending' } });
    const pod = newPod('e', {
      containers: [container('a')],
      volumes: [
        { name: 'scratch', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
        { name: 'host', hostPath: { path: host, type: 'DirectoryOrCreate' } },
        { name: 'pvc', persistentVolumeClaim: { claimName: 'data' } },
      ],
    });
    const vols = await vm.setUp(pod, {});
    const scratch = vols.get('scratch') as { hostPath: string };
    assert.equal(mode(scratch.hostPath), 0o777);
    assert.deepEqual(vols.get('mem'), { kind: 'tmpfs', sizeBytes: 64 * 1024 * 1024 });
    assert.ok(statSync(host).isDirectory());
    assert.equal((vols.get('pvc') as { hostPath: string }).hostPath, join(root, 'pv1'));
    await assert.rejects(vm.setUp(newPod('f', { containers: [container('a')], volumes: [{ name: 'h', hostPath: { path: join(root, 'absent'), type: 'Directory' } }] }), {}), /is not a directory/);
    await assert.rejects(vm.setUp(newPod('g', { containers: [container('a')], volumes: [{ name: 'c', persistentVolumeClaim: { claimName: 'pending' } }] }), {}), /is not bound/);
  });

  test('mounts: read-only config volumes, readOnly/subPath honoured, tmpfs', async () => {
    const c = container('a', {
      volumeMounts: [
        { name: 'cfg', mountPath: '/etc/cfg' },
        { name: 'scratch', mountPath: '/data', readOnly: true },
        { name: 'scratch', mountPath: '/sub', subPath: 'x/y' },
        { name: 'cfg', mountPath: '/etc/app.conf', subPath: 'app.conf' },
        { name: 'mem', mountPath: '/fast' },
      ],
    });
    const pod = newPod('m', {
      containers: [c],
      volumes: [
        { name: 'cfg', configMap: { name: 'cfg' } },
        { name: 'scratch', emptyDir: {} },
        { name: 'mem', emptyDir: { medium: 'Memory' } },
      ],
    });
    const vols = await vm.setUp(pod, {});
    const mounts = await vm.mounts(pod, c, vols, {});
    const by = Object.fromEntries(mounts.map((m) => [m.containerPath, m]));
    assert.equal(by['/etc/cfg'].readOnly, true);
    assert.equal(by['/data'].readOnly, true);
    assert.equal(by['/sub'].type === 'bind' && statSync(by['/sub'].hostPath).isDirectory(), true);
    assert.equal(by['/etc/app.conf'].type === 'bind' && readFileSync(by['/etc/app.conf'].hostPath, 'utf8'), 'a=1\n');
    assert.equal(by['/fast'].type, 'tmpfs');
    await assert.rejects(vm.mounts(pod, container('b', { volumeMounts: [{ name: 'ghost', mountPath: '/g' }] }), vols, {}), /not found in pod spec/);
  });

  test('termination log files and cleanup', async () => {
    const p = await vm.terminationLog('uid-t', 'a', 0);
    assert.equal(mode(p), 0o666);
    writeFileSync(p, 'bye');
    assert.equal(await vm.readTerminationLog('uid-t', 'a', 0), 'bye');
    mkdirSync(join(vm.podDir('uid-t'), 'volumes'), { recursive: true });
    await vm.cleanup('uid-t');
    assert.throws(() => statSync(vm.podDir('uid-t')));
  });

  test('podReferences finds every ConfigMap, Secret and PVC a pod uses', () => {
    const pod = newPod('r', {
      containers: [container('a', { env: [{ name: 'X', valueFrom: { secretKeyRef: { name: 's1', key: 'k' } } }], envFrom: [{ configMapRef: { name: 'c1' } }] })],
      volumes: [{ name: 'v', configMap: { name: 'c2' } }, { name: 'w', persistentVolumeClaim: { claimName: 'p1' } }, { name: 'z', projected: { sources: [{ secret: { name: 's2' } }] } }],
    });
    const r = podReferences(pod);
    assert.deepEqual([[...r.configMaps].sort(), [...r.secrets].sort(), [...r.pvcs]], [['c1', 'c2'], ['s1', 's2'], ['p1']]);
  });
});

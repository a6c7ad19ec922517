/**
 * Storage on the node (issue B): the default `local-path` StorageClass and its provisioner, a
 * PersistentVolumeClaim bound to a directory in the data dir that outlives the pod, hostPath,
 * and emptyDir shared between containers.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { dockerAvailable, eventually } from './harness.js';
import { BUSYBOX, NODE, startKubeletCluster, type KubeletCluster } from './kubelet-cluster.js';

describe('kubelet storage', { skip: !dockerAvailable() && 'Docker is not available' }, () => {
  let c: KubeletCluster;
  before(async () => {
    c = await startKubeletCluster();
  });
  after(async () => {
    await c?.destroy();
  });

  it('a default local-path StorageClass exists', async () => {
    const out = await eventually(async () => {
      const r = await c.kubectl(['get', 'storageclass']);
      return r.code === 0 && /local-path/.test(r.stdout) ? r.stdout : false;
    }, 20_000);
    assert.match(out, /local-path \(default\)\s+rancher\.io\/local-path\s+Delete\s+Immediate/);
  });

  it('a PVC is bound to a local-path volume whose data outlives the pod', async () => {
    const pod = (name: string, cmd: string) => `
apiVersion: v1
kind: Pod
metadata: {name: ${name}}
spec:
  nodeName: ${NODE}
  restartPolicy: Never
  containers:
  - name: c
    image: ${BUSYBOX}
    command: [sh, -c, '${cmd}']
    volumeMounts: [{name: data, mountPath: /data}]
  volumes:
  - {name: data, persistentVolumeClaim: {claimName: data}}
`;
    await c.apply(`
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
`);
    await eventually(async () => (await c.k(['get', 'pvc', 'data', '-o', 'jsonpath={.status.phase}'])) === 'Bound', 20_000);
    const pvc = JSON.parse(await c.k(['get', 'pvc', 'data', '-o', 'json']));
    assert.equal(pvc.spec.storageClassName, 'local-path');
    assert.equal(pvc.status.capacity.storage, '1Gi');
    const pv = JSON.parse(await c.k(['get', 'pv', pvc.spec.volumeName, '-o', 'json']));
    assert.equal(pv.status.phase, 'Bound');
    assert.equal(pv.spec.claimRef.name, 'data');
    assert.ok(pv.spec.hostPath.path.startsWith(join(c.dataDir, 'storage')));
    await c.apply(pod('writer', 'echo persisted > /data/file'));
    await c.waitPod('writer', '{.status.phase}', (p) => p === 'Succeeded');
    await c.k(['delete', 'pod', 'writer']);
    await c.apply(pod('reader', 'cat /data/file'));
    await c.waitPod('reader', '{.status.phase}', (p) => p === 'Succeeded');
    assert.equal(await c.k(['logs', 'reader']), 'persisted\n');
    await c.k(['delete', 'pod', 'reader']);
    // Deleting the claim releases the volume and its directory (reclaimPolicy Delete).
    await c.k(['delete', 'pvc', 'data']);
    await eventually(async () => (await c.kubectl(['get', 'pv', pvc.spec.volumeName])).code !== 0, 20_000);
    assert.equal(existsSync(pv.spec.hostPath.path), false);
  });

  it('hostPath and emptyDir (also medium: Memory) volumes', async () => {
    const host = join(c.dataDir, 'hostdir');
    await c.apply(`
apiVersion: v1
kind: Pod
metadata: {name: vols}
spec:
  nodeName: ${NODE}
  restartPolicy: Never
  containers:
  - name: c
    image: ${BUSYBOX}
    command: [sh, -c, 'echo from-pod > /host/out && mount | grep -c " /mem type tmpfs" && echo x > /mem/y && echo x > /scratch/z']
    volumeMounts:
    - {name: host, mountPath: /host}
    - {name: mem, mountPath: /mem}
    - {name: scratch, mountPath: /scratch}
  volumes:
  - {name: host, hostPath: {path: ${host}, type: DirectoryOrCreate}}
  - {name: mem, emptyDir: {medium: Memory, sizeLimit: 16Mi}}
  - {name: scratch, emptyDir: {}}
`);
    await c.waitPod('vols', '{.status.phase}', (p) => p === 'Succeeded' || p === 'Failed');
    assert.equal(await c.k(['get', 'pod', 'vols', '-o', 'jsonpath={.status.phase}']), 'Succeeded', await c.k(['logs', 'vols']));
    assert.deepEqual(readdirSync(host), ['out']);
    await c.k(['delete', 'pod', 'vols']);
    // The pod's own directories go with it; hostPath data stays.
    assert.equal(existsSync(host), true);
  });
});

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../../api/types.js';
import { CycleState, type Result } from '../framework/types.js';
import { makeNode, makePod, ni } from '../testing.js';
import { podInfo } from '../framework/podinfo.js';
import { ERR_REASON_NODE_CONFLICT, ERR_REASON_PV_NOT_EXIST, ERR_REASON_UNBOUND_IMMEDIATE, VolumeBinding } from './volumebinding.js';

function pvc(name: string, o: { volumeName?: string; storageClassName?: string; deleting?: boolean; owner?: string } = {}): KubeObject {
  const spec: Record<string, unknown> = { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } };
  if (o.volumeName) spec.volumeName = o.volumeName;
  if (o.storageClassName !== undefined) spec.storageClassName = o.storageClassName;
  const metadata: KubeObject['metadata'] = { name, namespace: 'default', uid: `uid-${name}` };
  if (o.deleting) metadata.deletionTimestamp = '2024-01-01T00:00:00Z';
  if (o.owner) metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'Pod', name: 'p', uid: o.owner, controller: true }];
  return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata, spec };
}

function pv(name: string, hosts?: string[]): KubeObject {
  const spec: Record<string, unknown> = { capacity: { storage: '1Gi' } };
  if (hosts) spec.nodeAffinity = { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: hosts }] }] } };
  return { apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name }, spec };
}

const classes: Record<string, KubeObject> = {
  'local-path': { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local-path' }, volumeBindingMode: 'Immediate' },
  wffc: { apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'wffc' }, volumeBindingMode: 'WaitForFirstConsumer' },
};

function podWith(volumes: Record<string, unknown>[]): KubeObject {
  const p = makePod('p');
  (p.spec as Record<string, unknown>).volumes = volumes;
  return p;
}

const claimVol = (claimName: string) => ({ name: `v-${claimName}`, persistentVolumeClaim: { claimName } });

describe('VolumeBinding', () => {
  const nodes = [ni(makeNode('skiff-node')), ni(makeNode('virt-1'))];
  const cases: { name: string; pod: KubeObject; pvcs: KubeObject[]; pvs: KubeObject[]; want: Record<string, string> | string }[] = [
    { name: 'no claims: skipped', pod: makePod('p'), pvcs: [], pvs: [], want: { 'skiff-node': '', 'virt-1': '' } },
    { name: 'missing claim', pod: podWith([claimVol('data')]), pvcs: [], pvs: [], want: 'UnschedulableAndUnresolvable: persistentvolumeclaim "data" not found' },
    { name: 'claim being deleted', pod: podWith([claimVol('data')]), pvcs: [pvc('data', { volumeName: 'pv1', deleting: true })], pvs: [pv('pv1')], want: 'UnschedulableAndUnresolvable: persistentvolumeclaim "data" is being deleted' },
    { name: 'unbound claim of an Immediate class', pod: podWith([claimVol('data')]), pvcs: [pvc('data', { storageClassName: 'local-path' })], pvs: [], want: `UnschedulableAndUnresolvable: ${ERR_REASON_UNBOUND_IMMEDIATE}` },
    { name: 'unbound claim without class', pod: podWith([claimVol('data')]), pvcs: [pvc('data')], pvs: [], want: `UnschedulableAndUnresolvable: ${ERR_REASON_UNBOUND_IMMEDIATE}` },
    { name: 'unbound WaitForFirstConsumer claim: any node', pod: podWith([claimVol('data')]), pvcs: [pvc('data', { storageClassName: 'wffc' })], pvs: [], want: { 'skiff-node': '', 'virt-1': '' } },
    {
      name: 'bound PV pinned to one node',
      pod: podWith([claimVol('data')]),
      pvcs: [pvc('data', { volumeName: 'pv1' })],
      pvs: [pv('pv1', ['skiff-node'])],
      want: { 'skiff-node': '', 'virt-1': `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_CONFLICT}` },
    },
    { name: 'bound PV without node affinity', pod: podWith([claimVol('data')]), pvcs: [pvc('data', { volumeName: 'pv1' })], pvs: [pv('pv1')], want: { 'skiff-node': '', 'virt-1': '' } },
    {
      name: 'two PVs on different nodes: nowhere',
      pod: podWith([claimVol('a'), claimVol('b')]),
      pvcs: [pvc('a', { volumeName: 'pv1' }), pvc('b', { volumeName: 'pv2' })],
      pvs: [pv('pv1', ['skiff-node']), pv('pv2', ['virt-1'])],
      want: { 'skiff-node': `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_CONFLICT}`, 'virt-1': `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_CONFLICT}` },
    },
    {
      name: 'claim bound to a missing PV',
      pod: podWith([claimVol('data')]),
      pvcs: [pvc('data', { volumeName: 'gone' })],
      pvs: [],
      want: { 'skiff-node': `UnschedulableAndUnresolvable: ${ERR_REASON_PV_NOT_EXIST}`, 'virt-1': `UnschedulableAndUnresolvable: ${ERR_REASON_PV_NOT_EXIST}` },
    },
    { name: 'ephemeral volume claim not owned by the pod', pod: podWith([{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }]), pvcs: [pvc('p-scratch', { volumeName: 'pv1', owner: 'someone-else' })], pvs: [pv('pv1')], want: 'UnschedulableAndUnresolvable: PVC default/p-scratch was not created for pod default/p (pod is not owner)' },
    { name: 'ephemeral volume claim owned by the pod', pod: podWith([{ name: 'scratch', ephemeral: { volumeClaimTemplate: { spec: {} } } }]), pvcs: [pvc('p-scratch', { volumeName: 'pv1', owner: 'uid-p' })], pvs: [pv('pv1', ['virt-1'])], want: { 'skiff-node': `UnschedulableAndUnresolvable: ${ERR_REASON_NODE_CONFLICT}`, 'virt-1': '' } },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const plugin = new VolumeBinding({
        pvc: (ns, n) => c.pvcs.find((x) => x.metadata.namespace === ns && x.metadata.name === n),
        pv: (n) => c.pvs.find((x) => x.metadata.name === n),
        storageClass: (n) => classes[n],
        setClaimSelectedNode: () => assert.fail('not in filter'),
      });
      const state = new CycleState();
      const pod = podInfo(c.pod);
      const pre = plugin.preFilter(state, pod);
      if (pre.status && pre.status.code !== 'Skip') {
        assert.equal(`${pre.status.code}: ${pre.status.message}`, c.want);
        return;
      }
      const got: Record<string, string> = {};
      for (const n of nodes) {
        const r: Result = pre.status?.code === 'Skip' ? null : plugin.filter(state, pod, n);
        got[n.name] = r ? `${r.code}: ${r.message}` : '';
      }
      assert.deepEqual(got, c.want);
    });
  }

  it('PreBind writes the selected node on unbound WaitForFirstConsumer claims only', () => {
    const written: string[] = [];
    const pvcs = [pvc('late', { storageClassName: 'wffc' }), pvc('bound', { volumeName: 'pv1' })];
    const plugin = new VolumeBinding({
      pvc: (_ns, n) => pvcs.find((x) => x.metadata.name === n),
      pv: () => pv('pv1'),
      storageClass: (n) => classes[n],
      setClaimSelectedNode: (ns, claim, node) => written.push(`${ns}/${claim}=${node}`),
    });
    const state = new CycleState();
    const pod = podInfo(podWith([claimVol('late'), claimVol('bound')]));
    assert.equal(plugin.preFilter(state, pod).status, null);
    assert.equal(plugin.preBind(state, pod, 'virt-1'), null);
    assert.deepEqual(written, ['default/late=virt-1']);
  });
});

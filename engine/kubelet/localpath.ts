/**
 * A tiny local-path provisioner, as k3s ships (rancher/local-path-provisioner): the default
 * StorageClass `local-path` and a controller that gives every claim of that class a
 * PersistentVolume backed by a directory on this node's disk:
 *   <dataDir>/storage/pvc-<uid>_<namespace>_<name>     (k3s: /var/lib/rancher/k3s/storage/…)
 *
 * - At start the StorageClass is created if missing (annotation
 *   storageclass.kubernetes.io/is-default-class: "true", provisioner rancher.io/local-path,
 *   reclaimPolicy Delete).
 * - A claim without storageClassName gets the default class, as upstream's PV controller does
 *   retroactively since 1.28 (Skiff has no DefaultStorageClass admission plugin).
 * - volumeBindingMode is Immediate, not k3s' WaitForFirstConsumer: with one node the result is
 *   the same and the claim is Bound at once, without depending on the scheduler's
 *   selected-node handshake.
 * - A pending claim of the class: the directory is made (0777), a PV `pvc-<uid>` with a hostPath
 *   source, node affinity to this node and claimRef is created and the claim is bound to it
 *   (spec.volumeName, bind annotations, status Bound with capacity and access modes). Events
 *   Provisioning / ProvisioningSucceeded as the external provisioner records them.
 * - When a claim goes away, its PV (reclaimPolicy Delete) and directory go too.
 */
import { mkdir, chmod, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { EngineContext } from '../component.js';
import type { KubeObject } from '../api/types.js';
import { Informer, keyOf, splitKey } from '../client/informer.js';
import { WorkQueue } from '../client/workqueue.js';
import type { EventRecorder } from '../events/recorder.js';
import { obj, str, strings } from './podutil.js';

export const LOCAL_PATH_CLASS = 'local-path';
export const LOCAL_PATH_PROVISIONER = 'rancher.io/local-path';
const DEFAULT_CLASS_ANNOTATION = 'storageclass.kubernetes.io/is-default-class';

export interface LocalPathOptions {
  /** Where volume directories go: <dataDir>/storage. */
  root: string;
  node: string;
  recorder: EventRecorder;
}

export class LocalPathProvisioner {
  private readonly claims: Informer;
  private readonly volumes: Informer;
  private readonly queue = new WorkQueue({ baseDelayMs: 500, maxDelayMs: 30_000 });
  private stopped = false;

  constructor(
    private readonly ctx: Pick<EngineContext, 'client'>,
    private readonly o: LocalPathOptions,
  ) {
    this.claims = new Informer(ctx.client.resource('', 'PersistentVolumeClaim'));
    this.volumes = new Informer(ctx.client.resource('', 'PersistentVolume'));
  }

  start(): void {
    this.ensureStorageClass();
    this.claims.addHandler({
      add: (c) => this.queue.add(`claim/${keyOf(c)}`),
      update: (_o, c) => this.queue.add(`claim/${keyOf(c)}`),
      delete: (c) => this.queue.add(`claim/${keyOf(c)}`),
    });
    this.volumes.addHandler({
      add: (v) => this.queue.add(`volume/${keyOf(v)}`),
      update: (_o, v) => this.queue.add(`volume/${keyOf(v)}`),
    });
    this.claims.start();
    this.volumes.start();
    void this.work();
  }

  stop(): void {
    this.stopped = true;
    this.queue.shutDown();
    this.claims.stop();
    this.volumes.stop();
  }

  private ensureStorageClass(): void {
    const classes = this.ctx.client.resource('storage.k8s.io', 'StorageClass');
    if (classes.get(undefined, LOCAL_PATH_CLASS)) return;
    try {
      classes.create({
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: LOCAL_PATH_CLASS, annotations: { [DEFAULT_CLASS_ANNOTATION]: 'true' } },
        provisioner: LOCAL_PATH_PROVISIONER,
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
      });
    } catch (e) {
      console.error(`local-path: creating the StorageClass: ${(e as Error).message}`);
    }
  }

  private async work(): Promise<void> {
    while (!this.stopped) {
      const key = await this.queue.get();
      if (key === undefined) return;
      try {
        if (key.startsWith('claim/')) await this.syncClaim(key.slice(6));
        else await this.syncVolume(key.slice(7));
        this.queue.forget(key);
      } catch (e) {
        if (!this.stopped) console.error(`local-path: ${key}: ${(e as Error).message}`);
        this.queue.addRateLimited(key);
      } finally {
        this.queue.done(key);
      }
    }
  }

  /** The default class when the claim names none; undefined when another default exists. */
  private defaultClass(): string | undefined {
    const classes = this.ctx.client.resource('storage.k8s.io', 'StorageClass').list().items;
    const defaults = classes.filter((c) => c.metadata.annotations?.[DEFAULT_CLASS_ANNOTATION] === 'true');
    if (defaults.some((c) => c.metadata.name === LOCAL_PATH_CLASS)) return LOCAL_PATH_CLASS;
    return undefined;
  }

  private dirFor(claim: KubeObject): string {
    return join(this.o.root, `pvc-${claim.metadata.uid}_${claim.metadata.namespace}_${claim.metadata.name}`);
  }

  private async syncClaim(key: string): Promise<void> {
    const [ns, name] = splitKey(key);
    const claim = this.claims.get(ns, name);
    const pvcs = this.ctx.client.resource('', 'PersistentVolumeClaim');
    if (!claim) {
      // Claim gone: release its dynamically provisioned volume.
      for (const pv of this.volumes.list()) {
        const ref = obj(obj(pv.spec).claimRef);
        if (ref.namespace === ns && ref.name === name) await this.release(pv);
      }
      return;
    }
    if (claim.metadata.deletionTimestamp) return;
    const spec = obj(claim.spec);
    let cls = str(spec.storageClassName);
    if (cls === undefined && !spec.volumeName) {
      const def = this.defaultClass();
      if (!def) return;
      pvcs.modify(ns, name, (c) => {
        const s = obj(c.spec);
        if (s.storageClassName === undefined) s.storageClassName = def;
        c.spec = s;
      });
      return; // the update comes back through the informer
    }
    if (cls !== LOCAL_PATH_CLASS || str(spec.volumeName)) return;
    const pvName = `pvc-${claim.metadata.uid}`;
    const dir = this.dirFor(claim);
    const request = str(obj(obj(spec.resources).requests).storage) ?? '1Gi';
    const accessModes = strings(spec.accessModes).length ? strings(spec.accessModes) : ['ReadWriteOnce'];
    const pvClient = this.ctx.client.resource('', 'PersistentVolume');
    if (!pvClient.get(undefined, pvName)) {
      this.o.recorder.event(claim, 'Normal', 'Provisioning', `External provisioner is provisioning volume for claim "${ns}/${name}"`);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
      pvClient.create({
        apiVersion: 'v1',
        kind: 'PersistentVolume',
        metadata: {
          name: pvName,
          annotations: { 'pv.kubernetes.io/provisioned-by': LOCAL_PATH_PROVISIONER, 'local.path.provisioner/selected-node': this.o.node },
        },
        spec: {
          capacity: { storage: request },
          accessModes,
          persistentVolumeReclaimPolicy: 'Delete',
          storageClassName: LOCAL_PATH_CLASS,
          volumeMode: str(spec.volumeMode) ?? 'Filesystem',
          hostPath: { path: dir, type: 'DirectoryOrCreate' },
          claimRef: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', namespace: ns, name, uid: claim.metadata.uid, resourceVersion: claim.metadata.resourceVersion },
          nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [this.o.node] }] }] } },
        },
      });
      pvClient.modify(undefined, pvName, (pv) => {
        pv.status = { phase: 'Bound' };
      }, { status: true });
      this.o.recorder.event(claim, 'Normal', 'ProvisioningSucceeded', `Successfully provisioned volume ${pvName}`);
    }
    pvcs.modify(ns, name, (c) => {
      const s = obj(c.spec);
      s.volumeName = pvName;
      c.spec = s;
      c.metadata.annotations = {
        ...(c.metadata.annotations ?? {}),
        'pv.kubernetes.io/bind-completed': 'yes',
        'pv.kubernetes.io/bound-by-controller': 'yes',
        'volume.beta.kubernetes.io/storage-provisioner': LOCAL_PATH_PROVISIONER,
        'volume.kubernetes.io/storage-provisioner': LOCAL_PATH_PROVISIONER,
      };
    });
    pvcs.modify(ns, name, (c) => {
      c.status = { phase: 'Bound', accessModes, capacity: { storage: request } };
    }, { status: true });
  }

  private async syncVolume(name: string): Promise<void> {
    const pv = this.volumes.get(undefined, name);
    if (!pv || pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] !== LOCAL_PATH_PROVISIONER) return;
    const ref = obj(obj(pv.spec).claimRef);
    const claim = this.claims.get(str(ref.namespace), str(ref.name) ?? '');
    if (!claim || claim.metadata.uid !== ref.uid) await this.release(pv);
  }

  private async release(pv: KubeObject): Promise<void> {
    if (pv.metadata.annotations?.['pv.kubernetes.io/provisioned-by'] !== LOCAL_PATH_PROVISIONER) return;
    if (obj(pv.spec).persistentVolumeReclaimPolicy !== 'Delete') return;
    const path = str(obj(obj(pv.spec).hostPath).path);
    if (path && path.startsWith(this.o.root)) await rm(path, { recursive: true, force: true });
    this.ctx.client.resource('', 'PersistentVolume').delete(undefined, pv.metadata.name ?? '');
  }
}

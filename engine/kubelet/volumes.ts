/**
 * Pod volumes on the node's disk, laid out as upstream's kubelet does under its root dir:
 *   <root>/pods/<uid>/volumes/kubernetes.io~<plugin>/<volume>/…   one directory per volume
 *   <root>/pods/<uid>/containers/<container>/<attempt>            termination-log files
 * and bind-mounted into containers by Docker. (Linux and Docker Desktop alike: on Docker Desktop
 * the data dir must be under a shared path such as the home directory, the default.)
 *
 * - emptyDir: a directory, mode 0777 (any runAsUser can write); `medium: Memory` is a tmpfs
 *   mount instead (sizeLimit honoured).
 * - configMap / secret / downwardAPI / projected: files written by {@link writeAtomic} — the
 *   real kubelet's AtomicWriter layout: the files live in a timestamped `..2025_…` directory,
 *   `..data` is a symlink to it, and each top-level name is a symlink into `..data`. An update
 *   writes a new timestamped directory and swaps `..data` with one rename(2), so a reader sees
 *   either the old or the new set, never a mix. Modes: `items[].mode`, else `defaultMode`
 *   (API default 0644), files are mounted read-only. A missing object or key that is not
 *   `optional` is a {@link VolumeError} (FailedMount, the pod stays ContainerCreating).
 * - hostPath: the path itself, with the `type` checks (DirectoryOrCreate, FileOrCreate, …).
 * - persistentVolumeClaim: the bound PersistentVolume's hostPath/local path (the local-path
 *   provisioner, localpath.ts, creates them under the data dir).
 * - serviceAccountToken projections are not written: Skiff has no token issuer, and the API
 *   server's own credential must not leak into pods.
 */
import { chmod, lstat, mkdir, mkdtemp, readFile, readdir, readlink, realpath, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, normalize, sep } from 'node:path';
import type { KubeObject } from '../api/types.js';
import { value as quantityValue } from '../api/quantity.js';
import type { Mount } from './runtime/runtime.js';
import { arr, containers, initContainers, num, obj, str, type Container, podSpec } from './podutil.js';
import { ContainerConfigError, fieldRefValue, resourceFieldValue, type EnvSources, type PodRuntimeFacts } from './env.js';

export interface VolumeSources {
  configMap(namespace: string, name: string): KubeObject | undefined;
  secret(namespace: string, name: string): KubeObject | undefined;
  pvc(namespace: string, name: string): KubeObject | undefined;
  pv(name: string): KubeObject | undefined;
  nodeAllocatable?: EnvSources['nodeAllocatable'];
}

/** A volume could not be set up: event FailedMount, the pod waits. */
export class VolumeError extends Error {
  constructor(
    readonly volume: string,
    message: string,
  ) {
    super(message);
  }
}

export type MountSource = { kind: 'bind'; hostPath: string; readOnly?: boolean } | { kind: 'tmpfs'; sizeBytes?: number };

export interface FilePayload {
  data: Buffer;
  mode: number;
}

const DEFAULT_MODE = 0o644;

function pluginDir(kind: string): string {
  return `kubernetes.io~${kind}`;
}

/** Relative paths only, no `..` components (as the API validates item paths). */
function safeRelative(p: string): boolean {
  if (!p || p.startsWith('/')) return false;
  return !p.split('/').some((c) => c === '..' || c === '');
}

export class VolumeManager {
  constructor(
    /** The kubelet's root dir: <dataDir>/kubelet. */
    readonly root: string,
    private readonly sources: VolumeSources,
  ) {}

  podDir(uid: string): string {
    return join(this.root, 'pods', uid);
  }

  /** Sets up (or refreshes) every volume of the pod; returns each volume's mount source. */
  async setUp(pod: KubeObject, facts: PodRuntimeFacts): Promise<Map<string, MountSource>> {
    const out = new Map<string, MountSource>();
    for (const v of arr(podSpec(pod).volumes)) {
      const name = str(v.name);
      if (!name) continue;
      try {
        const src = await this.setUpVolume(pod, name, v, facts);
        if (src) out.set(name, src);
      } catch (e) {
        if (e instanceof VolumeError) throw e;
        throw new VolumeError(name, (e as Error).message);
      }
    }
    return out;
  }

  private volumeDir(pod: KubeObject, kind: string, name: string): string {
    return join(this.podDir(pod.metadata.uid ?? ''), 'volumes', pluginDir(kind), name);
  }

  private async setUpVolume(pod: KubeObject, name: string, v: Record<string, unknown>, facts: PodRuntimeFacts): Promise<MountSource | undefined> {
    const ns = pod.metadata.namespace ?? 'default';
    if (v.emptyDir !== undefined) {
      const ed = obj(v.emptyDir);
      if (ed.medium === 'Memory') {
        const size = ed.sizeLimit !== undefined ? quantityValue(ed.sizeLimit) : undefined;
        return { kind: 'tmpfs', ...(size ? { sizeBytes: size } : {}) };
      }
      const dir = this.volumeDir(pod, 'empty-dir', name);
      await mkdir(dir, { recursive: true });
      await chmod(dir, 0o777);
      return { kind: 'bind', hostPath: dir };
    }
    if (v.hostPath !== undefined) {
      const hp = obj(v.hostPath);
      const path = str(hp.path) ?? '';
      await checkHostPath(name, path, str(hp.type) ?? '');
      return { kind: 'bind', hostPath: path };
    }
    if (v.persistentVolumeClaim !== undefined) {
      const ref = obj(v.persistentVolumeClaim);
      const claim = str(ref.claimName) ?? '';
      const pvc = this.sources.pvc(ns, claim);
      if (!pvc) throw new VolumeError(name, `persistentvolumeclaim "${claim}" not found`);
      const volumeName = str(obj(pvc.spec).volumeName);
      if (!volumeName || obj(pvc.status).phase !== 'Bound') throw new VolumeError(name, `persistentvolumeclaim "${claim}" is not bound`);
      const pv = this.sources.pv(volumeName);
      if (!pv) throw new VolumeError(name, `persistentvolume "${volumeName}" not found`);
      const pvSpec = obj(pv.spec);
      const path = str(obj(pvSpec.hostPath).path) ?? str(obj(pvSpec.local).path);
      if (!path) throw new VolumeError(name, `persistentvolume "${volumeName}" has no local or hostPath source`);
      await mkdir(path, { recursive: true });
      return { kind: 'bind', hostPath: path, readOnly: ref.readOnly === true };
    }
    let payload: Map<string, FilePayload> | undefined;
    let kind = '';
    if (v.configMap !== undefined) {
      kind = 'configmap';
      payload = this.configMapPayload(name, ns, obj(v.configMap), num(obj(v.configMap).defaultMode) ?? DEFAULT_MODE);
    } else if (v.secret !== undefined) {
      kind = 'secret';
      const s = obj(v.secret);
      payload = this.secretPayload(name, ns, { ...s, name: s.secretName }, num(s.defaultMode) ?? DEFAULT_MODE);
    } else if (v.downwardAPI !== undefined) {
      kind = 'downward-api';
      const d = obj(v.downwardAPI);
      payload = this.downwardPayload(name, pod, d, num(d.defaultMode) ?? DEFAULT_MODE, facts);
    } else if (v.projected !== undefined) {
      kind = 'projected';
      const p = obj(v.projected);
      const mode = num(p.defaultMode) ?? DEFAULT_MODE;
      payload = new Map();
      for (const source of arr(p.sources)) {
        let part: Map<string, FilePayload> = new Map();
        if (source.configMap !== undefined) part = this.configMapPayload(name, ns, obj(source.configMap), mode);
        else if (source.secret !== undefined) part = this.secretPayload(name, ns, obj(source.secret), mode);
        else if (source.downwardAPI !== undefined) part = this.downwardPayload(name, pod, obj(source.downwardAPI), mode, facts);
        for (const [k, f] of part) payload.set(k, f);
      }
    } else {
      // Unsupported volume types (ephemeral, csi, nfs…) mount an empty directory rather than fail.
      const dir = this.volumeDir(pod, 'empty-dir', name);
      await mkdir(dir, { recursive: true });
      return { kind: 'bind', hostPath: dir };
    }
    const dir = this.volumeDir(pod, kind, name);
    await writeAtomic(dir, payload);
    return { kind: 'bind', hostPath: dir, readOnly: true };
  }

  private keyed(volume: string, what: string, ns: string, ref: Record<string, unknown>, data: Map<string, Buffer> | undefined, defaultMode: number): Map<string, FilePayload> {
    const out = new Map<string, FilePayload>();
    const name = str(ref.name) ?? '';
    if (!data) {
      if (ref.optional === true) return out;
      throw new VolumeError(volume, `${what} "${name}" not found`);
    }
    const items = arr(ref.items);
    if (items.length === 0) {
      for (const [k, d] of data) out.set(k, { data: d, mode: defaultMode });
      return out;
    }
    for (const it of items) {
      const key = str(it.key) ?? '';
      const path = str(it.path) ?? key;
      const d = data.get(key);
      if (d === undefined) {
        if (ref.optional === true) continue;
        throw new VolumeError(volume, `${what === 'configmap' ? 'configmap' : 'secret'} references non-existent ${what === 'configmap' ? 'config' : 'secret'} key: ${key}`);
      }
      if (!safeRelative(path)) throw new VolumeError(volume, `invalid path ${JSON.stringify(path)}`);
      out.set(path, { data: d, mode: num(it.mode) ?? defaultMode });
    }
    void ns;
    return out;
  }

  private configMapPayload(volume: string, ns: string, ref: Record<string, unknown>, defaultMode: number): Map<string, FilePayload> {
    const cm = this.sources.configMap(ns, str(ref.name) ?? '');
    let data: Map<string, Buffer> | undefined;
    if (cm) {
      data = new Map();
      for (const [k, v] of Object.entries(obj(cm.data))) if (typeof v === 'string') data.set(k, Buffer.from(v, 'utf8'));
      for (const [k, v] of Object.entries(obj(cm.binaryData))) if (typeof v === 'string') data.set(k, Buffer.from(v, 'base64'));
    }
    return this.keyed(volume, 'configmap', ns, ref, data, defaultMode);
  }

  private secretPayload(volume: string, ns: string, ref: Record<string, unknown>, defaultMode: number): Map<string, FilePayload> {
    const s = this.sources.secret(ns, str(ref.name) ?? '');
    let data: Map<string, Buffer> | undefined;
    if (s) {
      data = new Map();
      for (const [k, v] of Object.entries(obj(s.data))) if (typeof v === 'string') data.set(k, Buffer.from(v, 'base64'));
    }
    return this.keyed(volume, 'secret', ns, ref, data, defaultMode);
  }

  private downwardPayload(volume: string, pod: KubeObject, d: Record<string, unknown>, defaultMode: number, facts: PodRuntimeFacts): Map<string, FilePayload> {
    const out = new Map<string, FilePayload>();
    for (const it of arr(d.items)) {
      const path = str(it.path) ?? '';
      if (!safeRelative(path)) throw new VolumeError(volume, `invalid path ${JSON.stringify(path)}`);
      let text: string;
      try {
        if (it.fieldRef !== undefined) text = fieldRefValue(pod, str(obj(it.fieldRef).fieldPath) ?? '', facts);
        else if (it.resourceFieldRef !== undefined) {
          const ref = obj(it.resourceFieldRef);
          const cname = str(ref.containerName) ?? '';
          const c = [...containers(pod), ...initContainers(pod)].find((x) => x.name === cname) ?? containers(pod)[0];
          if (!c) throw new ContainerConfigError(`container ${cname} not found`);
          text = resourceFieldValue(c, str(ref.resource) ?? '', ref.divisor, this.sources.nodeAllocatable);
        } else continue;
      } catch (e) {
        throw new VolumeError(volume, (e as Error).message);
      }
      out.set(path, { data: Buffer.from(text, 'utf8'), mode: num(it.mode) ?? defaultMode });
    }
    return out;
  }

  /** Docker mounts for one container from its volumeMounts. Throws VolumeError. */
  async mounts(pod: KubeObject, container: Container, volumes: Map<string, MountSource>, facts: PodRuntimeFacts): Promise<Mount[]> {
    const out: Mount[] = [];
    for (const vm of arr(container.volumeMounts)) {
      const name = str(vm.name) ?? '';
      const target = str(vm.mountPath) ?? '';
      const src = volumes.get(name);
      if (!src) throw new VolumeError(name, `volume "${name}" not found in pod spec`);
      let sub = str(vm.subPath) ?? '';
      if (!sub && typeof vm.subPathExpr === 'string') {
        // $(VAR) in subPathExpr: the downward API values the container env can hold.
        sub = vm.subPathExpr.replace(/\$\(([^)]+)\)/g, (_, n: string) => {
          const e = arr(container.env).find((x) => x.name === n);
          const fp = str(obj(obj(e?.valueFrom).fieldRef).fieldPath);
          if (fp) return fieldRefValue(pod, fp, facts);
          return str(e?.value) ?? '';
        });
      }
      const readOnly = vm.readOnly === true || (src.kind === 'bind' && src.readOnly === true);
      const propagation = vm.mountPropagation === 'HostToContainer' ? 'rslave' : vm.mountPropagation === 'Bidirectional' ? 'rshared' : undefined;
      if (src.kind === 'tmpfs') {
        if (sub) throw new VolumeError(name, `subPath is not supported on memory-backed emptyDir volume "${name}"`);
        out.push({ type: 'tmpfs', containerPath: target, ...(src.sizeBytes && { sizeBytes: src.sizeBytes }), readOnly });
        continue;
      }
      let hostPath = src.hostPath;
      if (sub) {
        if (!safeRelative(normalize(sub).split(sep).join('/'))) throw new VolumeError(name, `invalid subPath ${JSON.stringify(sub)}`);
        hostPath = join(src.hostPath, sub);
        try {
          // A subPath into a configMap/secret resolves its ..data symlinks (and, as upstream, does
          // not see later updates).
          hostPath = await realpath(hostPath);
          if (!hostPath.startsWith(await realpath(src.hostPath))) throw new VolumeError(name, `subPath ${sub} escapes the volume`);
        } catch (e) {
          if (e instanceof VolumeError) throw e;
          await mkdir(hostPath, { recursive: true, mode: 0o755 });
          await chmod(hostPath, 0o777).catch(() => undefined);
        }
      }
      out.push({ type: 'bind', hostPath, containerPath: target, readOnly, ...(propagation && { propagation }) });
    }
    return out;
  }

  /** A fresh, empty termination-log file for one container instance. */
  async terminationLog(uid: string, container: string, attempt: number): Promise<string> {
    const dir = join(this.podDir(uid), 'containers', container);
    await mkdir(dir, { recursive: true });
    const p = join(dir, String(attempt));
    await writeFile(p, '', { mode: 0o666 });
    await chmod(p, 0o666);
    return p;
  }

  /** The termination message a container wrote (at most 4096 bytes, as upstream), '' if none. */
  async readTerminationLog(uid: string, container: string, attempt: number): Promise<string> {
    try {
      const b = await readFile(join(this.podDir(uid), 'containers', container, String(attempt)));
      return b.subarray(0, 4096).toString('utf8');
    } catch {
      return '';
    }
  }

  /** Removes the pod's directory (volumes, termination logs). hostPath and PV data stay. */
  async cleanup(uid: string): Promise<void> {
    if (!uid) return;
    await rm(this.podDir(uid), { recursive: true, force: true });
  }

  /** Pod uids that have a directory here (to clean up what no pod owns). */
  async podDirs(): Promise<string[]> {
    try {
      return await readdir(join(this.root, 'pods'));
    } catch {
      return [];
    }
  }
}

/** ConfigMaps, Secrets and PVCs a pod refers to (volumes and env), to re-sync it when they change. */
export function podReferences(pod: KubeObject): { configMaps: Set<string>; secrets: Set<string>; pvcs: Set<string> } {
  const configMaps = new Set<string>();
  const secrets = new Set<string>();
  const pvcs = new Set<string>();
  for (const v of arr(podSpec(pod).volumes)) {
    const cm = str(obj(v.configMap).name);
    if (cm) configMaps.add(cm);
    const s = str(obj(v.secret).secretName);
    if (s) secrets.add(s);
    const c = str(obj(v.persistentVolumeClaim).claimName);
    if (c) pvcs.add(c);
    for (const src of arr(obj(v.projected).sources)) {
      const pcm = str(obj(src.configMap).name);
      if (pcm) configMaps.add(pcm);
      const ps = str(obj(src.secret).name);
      if (ps) secrets.add(ps);
    }
  }
  for (const c of [...containers(pod), ...initContainers(pod)]) {
    for (const f of arr(c.envFrom)) {
      const cm = str(obj(f.configMapRef).name);
      if (cm) configMaps.add(cm);
      const s = str(obj(f.secretRef).name);
      if (s) secrets.add(s);
    }
    for (const e of arr(c.env)) {
      const vf = obj(e.valueFrom);
      const cm = str(obj(vf.configMapKeyRef).name);
      if (cm) configMaps.add(cm);
      const s = str(obj(vf.secretKeyRef).name);
      if (s) secrets.add(s);
    }
  }
  return { configMaps, secrets, pvcs };
}

async function checkHostPath(volume: string, path: string, type: string): Promise<void> {
  if (!path.startsWith('/')) throw new VolumeError(volume, `hostPath ${JSON.stringify(path)} must be absolute`);
  const st = await stat(path).catch(() => undefined);
  const fail = (what: string) => {
    throw new VolumeError(volume, `hostPath type check failed: ${path} is not ${what}`);
  };
  switch (type) {
    case '':
      return;
    case 'DirectoryOrCreate':
      if (!st) await mkdir(path, { recursive: true, mode: 0o755 });
      else if (!st.isDirectory()) fail('a directory');
      return;
    case 'Directory':
      if (!st?.isDirectory()) fail('a directory');
      return;
    case 'FileOrCreate':
      if (!st) {
        await mkdir(dirname(path), { recursive: true });
        await writeFile(path, '', { mode: 0o644 });
      } else if (!st.isFile()) fail('a file');
      return;
    case 'File':
      if (!st?.isFile()) fail('a file');
      return;
    case 'Socket':
      if (!st?.isSocket()) fail('a socket file');
      return;
    case 'CharDevice':
      if (!st?.isCharacterDevice()) fail('a character device');
      return;
    case 'BlockDevice':
      if (!st?.isBlockDevice()) fail('a block device');
      return;
    default:
      throw new VolumeError(volume, `unknown hostPath type ${JSON.stringify(type)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// AtomicWriter (pkg/volume/util/atomic_writer.go)

const DATA_DIR = '..data';

function timestampDirPrefix(): string {
  const d = new Date();
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `..${d.getUTCFullYear()}_${p(d.getUTCMonth() + 1)}_${p(d.getUTCDate())}_${p(d.getUTCHours())}_${p(d.getUTCMinutes())}_${p(d.getUTCSeconds())}.`;
}

async function currentMatches(dir: string, payload: Map<string, FilePayload>): Promise<boolean> {
  let target: string;
  try {
    target = await readlink(join(dir, DATA_DIR));
  } catch {
    return false;
  }
  const base = join(dir, target);
  const existing = await listFiles(base).catch(() => undefined);
  if (!existing || existing.length !== payload.size) return false;
  for (const [p, f] of payload) {
    try {
      const st = await stat(join(base, p));
      if ((st.mode & 0o7777) !== f.mode) return false;
      const b = await readFile(join(base, p));
      if (!b.equals(f.data)) return false;
    } catch {
      return false;
    }
  }
  // Top-level links must exist too.
  for (const top of topLevel(payload)) {
    if (!(await lstat(join(dir, top)).catch(() => undefined))) return false;
  }
  return true;
}

async function listFiles(base: string, rel = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(join(base, rel), { withFileTypes: true })) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await listFiles(base, r)));
    else out.push(r);
  }
  return out;
}

function topLevel(payload: Map<string, FilePayload>): Set<string> {
  return new Set([...payload.keys()].map((p) => p.split('/')[0]));
}

/**
 * Writes `payload` (relative path → content and mode) into `dir` atomically: readers see the old
 * or the new set of files, never a mix. Returns false when nothing changed.
 */
export async function writeAtomic(dir: string, payload: Map<string, FilePayload>): Promise<boolean> {
  await mkdir(dir, { recursive: true, mode: 0o755 });
  if (await currentMatches(dir, payload)) return false;
  let oldTarget: string | undefined;
  try {
    oldTarget = await readlink(join(dir, DATA_DIR));
  } catch {
    oldTarget = undefined;
  }
  const tsDir = await mkdtemp(join(dir, timestampDirPrefix()));
  await chmod(tsDir, 0o755);
  for (const [p, f] of payload) {
    const file = join(tsDir, p);
    await mkdir(dirname(file), { recursive: true, mode: 0o755 });
    await writeFile(file, f.data, { mode: f.mode });
    await chmod(file, f.mode);
  }
  const tmpLink = join(dir, `${DATA_DIR}_tmp`);
  await unlink(tmpLink).catch(() => undefined);
  await symlink(tsDir.slice(dir.length + 1), tmpLink);
  await rename(tmpLink, join(dir, DATA_DIR));
  const wanted = topLevel(payload);
  for (const top of wanted) {
    const link = join(dir, top);
    const st = await lstat(link).catch(() => undefined);
    if (!st) await symlink(join(DATA_DIR, top), link);
  }
  // Names no longer in the payload go away.
  for (const e of await readdir(dir)) {
    if (e.startsWith('..') || wanted.has(e)) continue;
    const st = await lstat(join(dir, e));
    if (st.isSymbolicLink()) await unlink(join(dir, e));
  }
  if (oldTarget && oldTarget !== tsDir.slice(dir.length + 1)) await rm(join(dir, oldTarget), { recursive: true, force: true });
  return true;
}


/**
 * The container runtime interface: everything the kubelet may ask of the machine that runs pods.
 *
 * A pod is one *sandbox* (a tiny container that owns the pod's network, IPC and UTS namespaces
 * on the cluster's network: one IP, one hostname, one /etc/hosts and resolv.conf) plus the pod's
 * containers, which join the sandbox's namespaces and therefore share `localhost` — the same
 * split as the CRI's PodSandbox/Container. The runtime keeps NO state of its own: every object it
 * makes carries the labels in {@link LABEL}, and those labels are the only record of which
 * container belongs to which cluster, node, pod and attempt. A kubelet that restarts lists by
 * label and adopts what exists (kind's "no external state" principle).
 *
 * Contract for implementations (docker.ts on a real Docker engine, fake.ts in memory):
 * - Ids are the runtime's own opaque container ids. Names are derived from labels and are unique
 *   per (cluster, pod uid, container, attempt); creating a second one fails with `AlreadyExists`.
 * - Idempotent teardown: stopping/removing something already stopped/gone is not an error.
 * - Failures are {@link RuntimeError}s with a `code` the kubelet can switch on (pull failures are
 *   {@link ImagePullError}); anything unexpected is `Unknown`, a dead daemon is `Unavailable`.
 * - The runtime never restarts containers by itself (restart policy is the kubelet's job) and
 *   never counts restarts: the attempt number the kubelet passes in is stored as a label.
 * - Resource quantities arrive already parsed (millicores, bytes); Kubernetes-level defaulting
 *   ($(VAR) expansion, image pull policy, probes, termination messages) stays in the kubelet.
 */
import { createHash } from 'node:crypto';
import type { Duplex, Readable, Writable } from 'node:stream';

// ---------------------------------------------------------------------------------------------
// Labels: defined once, used by every implementation and by whoever reads Docker state.

/** Docker labels on every object Skiff creates. Values are plain strings. */
export const LABEL = {
  /** Cluster name; lets several Skiff clusters (and test runs) share one Docker engine. */
  cluster: 'io.skiff.cluster',
  /** Node name the object belongs to (several nodes may share one Docker engine). */
  node: 'io.skiff.node',
  podNamespace: 'io.skiff.pod.namespace',
  podName: 'io.skiff.pod.name',
  podUid: 'io.skiff.pod.uid',
  /** Kubernetes container name; absent on sandboxes. */
  containerName: 'io.skiff.container.name',
  /** {@link ContainerRole}. */
  role: 'io.skiff.role',
  /** Attempt number the kubelet assigned (restartCount = attempt of the newest container). */
  attempt: 'io.skiff.container.attempt',
  /** Hash of the Kubernetes container spec ({@link specHash}) so the kubelet sees spec changes. */
  hash: 'io.skiff.container.hash',
  /** Id of the sandbox a container joined. */
  sandboxId: 'io.skiff.sandbox.id',
} as const;

/** What a container is for. `system` is for cluster-level containers (proxy, DNS). */
export type ContainerRole = 'sandbox' | 'app' | 'init' | 'ephemeral' | 'system';

/** Identity of a pod, copied to the labels of its sandbox and containers. */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

// ---------------------------------------------------------------------------------------------
// Errors

/**
 * - `NotFound`: no such container/sandbox/image/network.
 * - `AlreadyExists`: a container with the same (pod uid, container name, attempt) exists.
 * - `InvalidArgument`: the spec cannot be run as given (bad mount source, bad option combination).
 * - `ImageNotPresent`: createContainer/createSandbox named an image that is not local; pull first.
 * - `ImagePull`: see {@link ImagePullError}.
 * - `InvalidImageName`: the reference cannot be parsed (kubelet: InvalidImageName, no retry).
 * - `StartFailed`: the container exists but its process could not be started (bad command,
 *   missing binary); the kubelet reports it like `StartError` and retries with backoff.
 * - `Conflict`: the object is in a state that forbids the call: a network that exists with other
 *   settings, overlaps another subnet, or still has containers; an image still used by containers.
 * - `Unavailable`: the runtime (Docker daemon) cannot be reached.
 * - `Unknown`: anything else.
 */
export type RuntimeErrorCode =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidArgument'
  | 'ImageNotPresent'
  | 'ImagePull'
  | 'InvalidImageName'
  | 'StartFailed'
  | 'Conflict'
  | 'Unavailable'
  | 'Unknown';

export class RuntimeError extends Error {
  readonly code: RuntimeErrorCode;
  constructor(code: RuntimeErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RuntimeError';
    this.code = code;
  }
}

/**
 * Why a pull failed. The kubelet reports every one as ErrImagePull then ImagePullBackOff; the
 * distinction is for the message and for tests. With no registry reachable, a pull fails within
 * milliseconds as `Unreachable` (DNS lookup or connect error), it does not hang.
 */
export type ImagePullFailure = 'NotFound' | 'Unauthorized' | 'Unreachable' | 'Unknown';

export class ImagePullError extends RuntimeError {
  readonly image: string;
  readonly failure: ImagePullFailure;
  constructor(image: string, failure: ImagePullFailure, message: string, options?: { cause?: unknown }) {
    super('ImagePull', message, options);
    this.name = 'ImagePullError';
    this.image = image;
    this.failure = failure;
  }
}

export function isRuntimeError(e: unknown, code?: RuntimeErrorCode): e is RuntimeError {
  return e instanceof RuntimeError && (code === undefined || e.code === code);
}

// ---------------------------------------------------------------------------------------------
// Specs

export interface EnvVar {
  name: string;
  value: string;
}

/** A `hostPort` of a pod: published on the host (127.0.0.1 by default, ARCHITECTURE §4). */
export interface PortMapping {
  containerPort: number;
  hostPort: number;
  protocol?: 'TCP' | 'UDP' | 'SCTP';
  /** Default '127.0.0.1': Skiff never exposes pods on other interfaces unless asked. */
  hostIP?: string;
}

export interface DnsConfig {
  /** Name servers the pod uses (Docker's embedded DNS forwards unknown names to them). */
  servers: string[];
  /** Search domains, e.g. `<ns>.svc.cluster.local svc.cluster.local cluster.local`. */
  searches: string[];
  /** resolv.conf options, e.g. `ndots:5`. */
  options: string[];
}

/** An /etc/hosts entry (the shape of a pod's `hostAliases`). */
export interface HostAlias {
  ip: string;
  hostnames: string[];
}

export interface SandboxSpec {
  cluster: string;
  node: string;
  pod: PodRef;
  /** 0 for the pod's first sandbox; bump when a sandbox is recreated. */
  attempt: number;
  /** Docker network name, from {@link ContainerRuntime.ensureNetwork}. */
  network: string;
  /** Image to run; default: {@link ContainerRuntime.ensureSandboxImage}'s. */
  image?: string;
  /** Default: the pod name, cut to 63 characters (the kernel allows 64). */
  hostname?: string;
  /** Makes `hostname -f` = `<hostname>.<domainname>` (pod `subdomain`). */
  domainname?: string;
  /** Static IP inside the network's subnet; default: the next free one. */
  ip?: string;
  /** Extra names other containers on the cluster network resolve to this pod. */
  aliases?: string[];
  dns?: DnsConfig;
  extraHosts?: HostAlias[];
  portMappings?: PortMapping[];
  /** Namespaced sysctls (net.*, kernel.shm*), applied to the pod's namespaces. */
  sysctls?: Record<string, string>;
  /** More labels; cannot override the {@link LABEL} ones. */
  labels?: Record<string, string>;
}

/** Host path → container path (Linux paths; on Docker Desktop the host path must be shared). */
export interface BindMount {
  type: 'bind';
  hostPath: string;
  containerPath: string;
  readOnly?: boolean;
  /** Kubernetes mountPropagation: None → private, HostToContainer → rslave, Bidirectional → rshared. */
  propagation?: 'private' | 'rslave' | 'rshared';
}

/** Memory-backed directory (emptyDir with `medium: Memory`). */
export interface TmpfsMount {
  type: 'tmpfs';
  containerPath: string;
  sizeBytes?: number;
  readOnly?: boolean;
}

/** A runtime-managed named volume (portable alternative to host paths on Docker Desktop). */
export interface VolumeMount {
  type: 'volume';
  volumeName: string;
  containerPath: string;
  readOnly?: boolean;
}

export type Mount = BindMount | TmpfsMount | VolumeMount;

export interface Resources {
  /** → CPU quota (Docker NanoCpus = millis × 10⁶). */
  cpuLimitMillis?: number;
  /** → CPU shares as the kubelet computes them: max(2, millis × 1024 / 1000). Unset: runtime default. */
  cpuRequestMillis?: number;
  /** → memory limit, and memory+swap = the same (no swap, as the kubelet). */
  memoryLimitBytes?: number;
}

export interface SecurityContext {
  runAsUser?: number;
  runAsGroup?: number;
  supplementalGroups?: number[];
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  /** false → no-new-privileges. */
  allowPrivilegeEscalation?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
}

export interface ContainerSpec {
  /** Kubernetes container name (DNS label). */
  name: string;
  /** Default 'app'. */
  role?: Exclude<ContainerRole, 'sandbox'>;
  /** 0 for the first run; the kubelet bumps it on every restart. */
  attempt: number;
  /** Stored in {@link LABEL.hash}; compute with {@link specHash}. */
  hash?: string;
  image: string;
  /**
   * Kubernetes semantics: `command` replaces the image ENTRYPOINT (and drops its CMD), `args`
   * replace the image CMD. Empty arrays count as unset, as in Kubernetes.
   */
  command?: string[];
  args?: string[];
  /** Final values, in order ($(VAR) references already expanded by the kubelet). */
  env?: EnvVar[];
  workingDir?: string;
  mounts?: Mount[];
  resources?: Resources;
  securityContext?: SecurityContext;
  /** Keep stdin open (`kubectl attach -i`, `kubectl run -i`). */
  stdin?: boolean;
  /** Close stdin after the first attach session ends. */
  stdinOnce?: boolean;
  tty?: boolean;
  /** Join the sandbox's PID namespace (pod `shareProcessNamespace`); the sandbox reaps zombies. */
  shareProcessNamespace?: boolean;
  /** More labels; cannot override the {@link LABEL} ones. */
  labels?: Record<string, string>;
}

// ---------------------------------------------------------------------------------------------
// Observed state

/** Docker's states folded into the three the kubelet cares about. */
export type ContainerState = 'created' | 'running' | 'exited' | 'unknown';

/** Kubernetes `state.terminated.reason` values the runtime can tell. */
export type TerminationReason = 'Completed' | 'Error' | 'OOMKilled' | 'StartError';

/** One row of {@link ContainerRuntime.listContainers}: what labels and a list call give. */
export interface ContainerSummary {
  id: string;
  /** Runtime name (without Docker's leading '/'). */
  name: string;
  image: string;
  imageId: string;
  role?: ContainerRole;
  cluster?: string;
  node?: string;
  pod?: PodRef;
  /** Kubernetes container name (not for sandboxes). */
  containerName?: string;
  attempt: number;
  hash?: string;
  sandboxId?: string;
  state: ContainerState;
  createdAt: Date;
  /** IP on the cluster network; only sandboxes (and system containers) have one. */
  ip?: string;
  labels: Record<string, string>;
}

/** {@link ContainerRuntime.inspectContainer}: a summary plus what Kubernetes reports. */
export interface ContainerStatus extends ContainerSummary {
  exitCode?: number;
  startedAt?: Date;
  finishedAt?: Date;
  /** Set when state is 'exited' (or 'created' after a failed start). */
  reason?: TerminationReason;
  /** Runtime error text (why a start failed). */
  message?: string;
  /** Host PID of the main process while running (Linux; inside Docker Desktop's VM otherwise). */
  pid?: number;
  tty: boolean;
  stdin: boolean;
}

export interface SandboxInfo {
  id: string;
  name: string;
  pod: PodRef;
  cluster: string;
  node: string;
  attempt: number;
  network: string;
  /** The pod IP. */
  ip?: string;
  state: ContainerState;
  createdAt: Date;
  labels: Record<string, string>;
}

/** Filter for listing: every given label must match; `true` means "has the label". */
export interface LabelFilter {
  labels: Record<string, string | true>;
}

export interface ListOptions extends LabelFilter {
  /** Only running containers. Default: all, including exited ones (for restarts and logs --previous). */
  runningOnly?: boolean;
}

// ---------------------------------------------------------------------------------------------
// Images

export interface ImageInfo {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
  /** Image USER (for runAsNonRoot checks); '' when unset (root). */
  user: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  labels: Record<string, string>;
  architecture: string;
}

export interface ImageSummary {
  id: string;
  repoTags: string[];
  repoDigests: string[];
  sizeBytes: number;
}

/** One progress line of a pull (one layer's download/extract status). */
export interface PullProgress {
  status: string;
  /** Layer id, when the line is about a layer. */
  layer?: string;
  current?: number;
  total?: number;
}

/** Registry credentials (from a pod's imagePullSecrets), as Docker's X-Registry-Auth takes them. */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** base64 "user:password", as in a .dockerconfigjson `auth` field. */
  auth?: string;
  identityToken?: string;
  /** Registry host, e.g. "ghcr.io" or "https://index.docker.io/v1/". */
  serverAddress?: string;
}

export interface PullOptions {
  auth?: RegistryAuth;
  onProgress?: (p: PullProgress) => void;
  /** Aborts the pull (ImagePullError 'Unknown' with the abort reason). */
  signal?: AbortSignal;
}

// ---------------------------------------------------------------------------------------------
// Streams

export interface LogOptions {
  /** Keep the stream open and end it when the container stops. */
  follow?: boolean;
  /** Only the last N lines. */
  tail?: number;
  since?: Date;
  /** Prefix each line with an RFC 3339 timestamp with nanoseconds (kubectl --timestamps). */
  timestamps?: boolean;
}

export interface ExecOptions {
  cmd: string[];
  stdin?: boolean;
  tty?: boolean;
  env?: EnvVar[];
  workingDir?: string;
  /** `uid[:gid]`; default: the container's user. */
  user?: string;
}

export interface AttachOptions {
  stdin?: boolean;
  /** Default true. */
  stdout?: boolean;
  /** Default true. */
  stderr?: boolean;
}

/**
 * An interactive stream into a container process. Without a TTY, stdout and stderr are separate
 * (demultiplexed); with a TTY there is only `stdout`, as Kubernetes does. Closing `stdin`
 * (`stdin.end()`) closes the process's stdin, so `cat` and friends exit.
 */
export interface StreamSession {
  stdin?: Writable;
  stdout: Readable;
  stderr?: Readable;
  /** Terminal size, for TTY sessions (ignored otherwise). */
  resize(size: { cols: number; rows: number }): Promise<void>;
  /** Tear the session down without waiting (client went away). */
  close(): void;
}

export interface ExecSession extends StreamSession {
  /**
   * Resolves with the command's exit code once it has exited and its output has been consumed
   * (read stdout/stderr: unread output back-pressures the process, as with any pipe).
   */
  wait(): Promise<number>;
}

// ---------------------------------------------------------------------------------------------
// Metrics, events, networks, info

export interface ContainerStats {
  timestamp: Date;
  cpu: {
    /** Cumulative CPU time (CRI `usageCoreNanoSeconds`). */
    usageCoreNanoSeconds: number;
    /**
     * Average usage since the previous sample of this container (CRI `usageNanoCores`; what
     * `kubectl top` shows). Undefined on the first sample.
     */
    usageNanoCores?: number;
  };
  memory: {
    /** usage − inactive file cache: what the kubelet evicts on and `kubectl top` shows. */
    workingSetBytes: number;
    usageBytes: number;
    rssBytes?: number;
    /** The container's limit, or the machine's memory when unlimited. */
    limitBytes?: number;
  };
}

export type RuntimeEventType = 'create' | 'start' | 'die' | 'oom' | 'destroy';

export interface RuntimeEvent {
  type: RuntimeEventType;
  containerId: string;
  labels: Record<string, string>;
  time: Date;
  /** For 'die'. */
  exitCode?: number;
}

export interface EventOptions {
  /** Replay events since this time (subscribe, then list, with no gap: pass the list time). */
  since?: Date;
  /**
   * The stream broke (daemon restarted…). The subscription is over: subscribe again and relist,
   * as an informer does on a broken watch.
   */
  onError?: (err: Error) => void;
}

export interface EventSubscription {
  stop(): void;
}

export interface NetworkSpec {
  name: string;
  /** CIDR; default {@link DEFAULT_POD_SUBNET}. */
  subnet?: string;
  gateway?: string;
  /**
   * Sub-range automatic IPs come from (pods); the rest of the subnet stays free for static IPs
   * (service VIPs, system containers).
   */
  ipRange?: string;
  labels?: Record<string, string>;
  mtu?: number;
}

export interface NetworkInfo {
  id: string;
  name: string;
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  labels: Record<string, string>;
}

/**
 * Default pod network. 10.244.0.0/16 is the Kubernetes convention (kubeadm/flannel/kind pod
 * CIDR), so pod IPs look familiar; it lies outside Docker's default address pools (172.17–31/16
 * and 192.168/16 carved in /20s, where `bridge`, compose projects and kind's own network live),
 * so it does not collide with other Docker networks; and home LANs sit in 192.168.x/10.0.x.
 * Docker does not check explicit subnets against host routes, so a VPN routing 10.0.0.0/8 still
 * works for everything but this /16. Overlapping another Docker network fails with `Conflict`.
 */
export const DEFAULT_POD_SUBNET = '10.244.0.0/16';

export interface RuntimeInfo {
  /** 'docker' or 'fake'. */
  runtime: string;
  /** Engine version, e.g. "20.10.24". */
  version: string;
  apiVersion: string;
  /** e.g. "Debian GNU/Linux 12 (bookworm)", "Docker Desktop". */
  os: string;
  /** "linux" (also on Docker Desktop, whose engine runs in a Linux VM). */
  osType: string;
  kernelVersion: string;
  /** Kubernetes spelling: amd64, arm64, … */
  architecture: string;
  cpus: number;
  memoryBytes: number;
  hostname: string;
  cgroupDriver?: string;
  cgroupVersion?: string;
}

// ---------------------------------------------------------------------------------------------
// The interface

export interface ContainerRuntime {
  /** true when the runtime answers (cheap; for health checks and Node Ready). */
  ping(): Promise<boolean>;
  /** Machine facts for Node capacity and nodeInfo. */
  info(): Promise<RuntimeInfo>;

  // Networks ---------------------------------------------------------------------------------
  /** Create the cluster network, or return it if it exists with the same subnet (`Conflict` otherwise). */
  ensureNetwork(spec: NetworkSpec): Promise<NetworkInfo>;
  /** Idempotent; `Conflict` if containers are still attached. */
  removeNetwork(name: string): Promise<void>;

  // Images -----------------------------------------------------------------------------------
  /** Undefined when the image is not present locally. */
  inspectImage(ref: string): Promise<ImageInfo | undefined>;
  imageExists(ref: string): Promise<boolean>;
  /** A ref without tag or digest means `:latest`. Throws ImagePullError or InvalidImageName. */
  pullImage(ref: string, opts?: PullOptions): Promise<ImageInfo>;
  /** Local images (Node `status.images`, image GC). */
  listImages(): Promise<ImageSummary[]>;
  /** Idempotent; `Conflict` while a container uses it. */
  removeImage(ref: string): Promise<void>;
  /**
   * Make sure the default sandbox image is present (building it locally, no registry needed)
   * and return its reference.
   */
  ensureSandboxImage(): Promise<string>;

  // Sandboxes --------------------------------------------------------------------------------
  /** Create and start the pod sandbox; resolves once it runs and has its IP. */
  createSandbox(spec: SandboxSpec): Promise<SandboxInfo>;
  /** Undefined when gone. */
  inspectSandbox(id: string): Promise<SandboxInfo | undefined>;
  /** Kill (no grace: the kubelet has already stopped the app containers) and keep for inspection. */
  stopSandbox(id: string): Promise<void>;
  /** Force-remove the sandbox and every container that joined it (CRI RemovePodSandbox). Idempotent. */
  removeSandbox(id: string): Promise<void>;

  // Containers -------------------------------------------------------------------------------
  /** Create (not start) a container in the sandbox's namespaces; returns its id. */
  createContainer(sandboxId: string, spec: ContainerSpec): Promise<string>;
  /** StartFailed when the process cannot start (the container then reports reason StartError). */
  startContainer(id: string): Promise<void>;
  /**
   * Send the stop signal (SIGTERM unless the image says otherwise), wait up to
   * `gracePeriodSeconds`, then SIGKILL. Resolves when the container has exited. Idempotent.
   */
  stopContainer(id: string, gracePeriodSeconds: number): Promise<void>;
  /** Force-remove (kills if running). Idempotent. */
  removeContainer(id: string): Promise<void>;
  /** Undefined when gone. */
  inspectContainer(id: string): Promise<ContainerStatus | undefined>;
  /** Containers (sandboxes included) whose labels match. */
  listContainers(opts: ListOptions): Promise<ContainerSummary[]>;

  // Streams ----------------------------------------------------------------------------------
  /** Text of stdout and stderr interleaved as written; with `follow`, ends when the container stops. */
  logs(id: string, opts?: LogOptions): Promise<Readable>;
  exec(id: string, opts: ExecOptions): Promise<ExecSession>;
  /** Attach to the main process of a running container (needs `stdin` in its spec to send input). */
  attach(id: string, opts?: AttachOptions): Promise<StreamSession>;
  /**
   * A TCP connection to `port` inside the pod's network namespace (port-forward, probes).
   * Docker impl: connects to the pod IP directly — Linux only, see docker.ts.
   */
  dial(sandboxId: string, port: number): Promise<Duplex>;

  // Metrics and events -----------------------------------------------------------------------
  stats(id: string): Promise<ContainerStats>;
  /** Container events whose labels match; resolves once subscribed. */
  events(filter: LabelFilter, onEvent: (e: RuntimeEvent) => void, opts?: EventOptions): Promise<EventSubscription>;
}

// ---------------------------------------------------------------------------------------------
// Helpers shared by the implementations

/**
 * Stable hash of any JSON-able value (object keys sorted), 16 hex digits. The kubelet hashes the
 * Kubernetes container spec with it; a different hash on a running container means "restart".
 */
export function specHash(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('hex').slice(0, 16);
}

function canonicalJson(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`;
}

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*; '_' separates the parts. */
function nameSafe(s: string): string {
  return s.replace(/[^a-zA-Z0-9.-]/g, '-');
}

/**
 * Runtime name of a container, `skiff_<cluster>_<container>_<pod>_<namespace>_<uid>_<attempt>`
 * (dockershim's `k8s_…` shape; sandboxes use `POD`, which no Kubernetes container name can be).
 */
export function runtimeName(cluster: string, pod: PodRef, containerName: string | undefined, attempt: number): string {
  const parts = [cluster, containerName ?? 'POD', pod.name, pod.namespace, pod.uid].map(nameSafe);
  return `skiff_${parts.join('_')}_${attempt}`;
}

/** Labels for a sandbox or container; `extra` cannot override Skiff's own. */
export function skiffLabels(
  o: {
    cluster: string;
    node: string;
    pod: PodRef;
    role: ContainerRole;
    attempt: number;
    containerName?: string;
    hash?: string;
    sandboxId?: string;
  },
  extra?: Record<string, string>,
): Record<string, string> {
  const l: Record<string, string> = { ...extra };
  l[LABEL.cluster] = o.cluster;
  l[LABEL.node] = o.node;
  l[LABEL.podNamespace] = o.pod.namespace;
  l[LABEL.podName] = o.pod.name;
  l[LABEL.podUid] = o.pod.uid;
  l[LABEL.role] = o.role;
  l[LABEL.attempt] = String(o.attempt);
  if (o.containerName !== undefined) l[LABEL.containerName] = o.containerName;
  if (o.hash !== undefined) l[LABEL.hash] = o.hash;
  if (o.sandboxId !== undefined) l[LABEL.sandboxId] = o.sandboxId;
  return l;
}

const ROLES: readonly ContainerRole[] = ['sandbox', 'app', 'init', 'ephemeral', 'system'];

/** The typed fields of a summary that come from labels. */
export function fromLabels(labels: Record<string, string>): Pick<
  ContainerSummary,
  'role' | 'cluster' | 'node' | 'pod' | 'containerName' | 'attempt' | 'hash' | 'sandboxId'
> {
  const role = labels[LABEL.role] as ContainerRole | undefined;
  const ns = labels[LABEL.podNamespace];
  const name = labels[LABEL.podName];
  const uid = labels[LABEL.podUid];
  const attempt = Number(labels[LABEL.attempt] ?? '0');
  return {
    role: role && ROLES.includes(role) ? role : undefined,
    cluster: labels[LABEL.cluster],
    node: labels[LABEL.node],
    pod: ns !== undefined && name !== undefined && uid !== undefined ? { namespace: ns, name, uid } : undefined,
    containerName: labels[LABEL.containerName],
    attempt: Number.isFinite(attempt) ? attempt : 0,
    hash: labels[LABEL.hash],
    sandboxId: labels[LABEL.sandboxId],
  };
}

/** Does `labels` satisfy the filter? (The fake uses it; Docker filters server-side.) */
export function matchLabels(labels: Record<string, string>, filter: Record<string, string | true>): boolean {
  for (const [k, v] of Object.entries(filter)) {
    if (!(k in labels)) return false;
    if (v !== true && labels[k] !== v) return false;
  }
  return true;
}

export interface ImageRef {
  /** Repository including registry host, e.g. "busybox", "localhost:5000/app". */
  repository: string;
  tag?: string;
  digest?: string;
  /** What to pull: repository plus tag (default `latest`) or digest. */
  full: string;
}

/**
 * Parse an image reference far enough to add the default tag. A ':' is a tag separator only in
 * the last path component (`localhost:5000/app` has no tag). Throws InvalidImageName.
 */
export function parseImageRef(ref: string): ImageRef {
  const bad = (): never => {
    throw new RuntimeError('InvalidImageName', `invalid image reference "${ref}"`);
  };
  if (ref === '' || ref !== ref.trim() || /\s/.test(ref)) bad();
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!/^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-fA-F0-9]{32,}$/.test(digest)) bad();
  }
  let tag: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!/^[\w][\w.-]{0,127}$/.test(tag)) bad();
  }
  // Path components are lowercase; only the first (a registry host) may have uppercase or a port.
  const parts = rest.split('/');
  parts.forEach((p, i) => {
    const host = i === 0 && parts.length > 1 && /[.:]|^localhost$/.test(p);
    const ok = host ? /^[a-zA-Z0-9.-]+(?::\d+)?$/.test(p) : /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/.test(p);
    if (!ok) bad();
  });
  const full = digest ? `${rest}@${digest}` : `${rest}:${tag ?? 'latest'}`;
  return { repository: rest, tag, digest, full };
}

/** Kubernetes' milliCPUToShares. */
export function cpuShares(millis: number): number {
  return Math.max(2, Math.floor((millis * 1024) / 1000));
}

/** Kubernetes architecture names for uname-style ones. */
export function k8sArch(arch: string): string {
  switch (arch) {
    case 'x86_64':
    case 'amd64':
      return 'amd64';
    case 'aarch64':
    case 'arm64':
      return 'arm64';
    case 'armv7l':
      return 'arm';
    default:
      return arch;
  }
}

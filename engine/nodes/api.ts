/**
 * Virtual nodes as API objects: the Node a virtual node is declared by, and in-process helpers
 * to add, remove, stop and restart one. The engine's VirtualNodeHost does the hosting; these
 * only write Node objects (so `kubectl` sees and can do the same).
 */
import type { KubeObject } from '../api/types.js';
import { Quantity } from '../api/quantity.js';
import type { Client } from '../client/client.js';
import type { Taint } from '../scheduler/util/taints.js';
import {
  CPU_ANNOTATION,
  DOCKER_CERT_PATH_ANNOTATION,
  DOCKER_ENDPOINT_ANNOTATION,
  DOCKER_HOST_LABEL,
  DOCKER_TLS_VERIFY_ANNOTATION,
  DEFAULT_CPU,
  DEFAULT_MEMORY,
  DEFAULT_PODS,
  EPHEMERAL_STORAGE_ANNOTATION,
  MEMORY_ANNOTATION,
  PODS_ANNOTATION,
  STOPPED_ANNOTATION,
  TYPE_LABEL,
  VIRTUAL_LABEL,
} from './constants.js';
import { virtualNodeHostOf } from './virtual-controller.js';

export interface VirtualNodeSpec {
  name: string;
  /** Quantities: "4", "500m"; "8Gi"; 110. */
  cpu?: string | number;
  memory?: string;
  pods?: string | number;
  ephemeralStorage?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
}

/** A Node declared through the API: the kind's labels, the well-known ones, the user's, and taints. */
function nodeObject(spec: { name: string; labels?: Record<string, string>; taints?: Taint[] }, kindLabels: Record<string, string>, annotations: Record<string, string>): KubeObject {
  const node: KubeObject = {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: spec.name,
      labels: {
        ...kindLabels,
        'kubernetes.io/hostname': spec.name,
        'kubernetes.io/os': 'linux',
        'kubernetes.io/arch': 'amd64',
        ...(spec.labels ?? {}),
      },
      annotations,
    },
    spec: {},
  };
  if (spec.taints?.length) (node.spec as Record<string, unknown>).taints = spec.taints.map((t) => ({ ...t }));
  return node;
}

/** The Node object that declares a virtual node. Throws on invalid quantities. */
export function virtualNodeObject(spec: VirtualNodeSpec): KubeObject {
  const q = (v: string | number | undefined, def: string, what: string): string => {
    const text = v === undefined ? def : String(v);
    try {
      return Quantity.parse(text).toString();
    } catch {
      throw new Error(`invalid ${what} "${text}": must be a quantity such as ${def}`);
    }
  };
  const annotations: Record<string, string> = {
    [CPU_ANNOTATION]: q(spec.cpu, DEFAULT_CPU, 'cpu'),
    [MEMORY_ANNOTATION]: q(spec.memory, DEFAULT_MEMORY, 'memory'),
    [PODS_ANNOTATION]: q(spec.pods, DEFAULT_PODS, 'pods'),
  };
  if (spec.ephemeralStorage !== undefined) annotations[EPHEMERAL_STORAGE_ANNOTATION] = q(spec.ephemeralStorage, '100Gi', 'ephemeral-storage');
  return nodeObject(spec, { [TYPE_LABEL]: 'virtual', [VIRTUAL_LABEL]: 'true' }, annotations);
}

export function isVirtualNode(node: KubeObject): boolean {
  return node.metadata.labels?.[VIRTUAL_LABEL] === 'true';
}

export interface DockerNodeSpec {
  name: string;
  /** DOCKER_HOST style: unix:///path/docker.sock, tcp://host:2375. */
  endpoint: string;
  /** TLS with the daemon verified (DOCKER_TLS_VERIFY), certificates from certPath (DOCKER_CERT_PATH). */
  tlsVerify?: boolean;
  certPath?: string;
  labels?: Record<string, string>;
  taints?: Taint[];
}

/** The Node object that declares another Docker engine as a node. Throws on an unusable endpoint. */
export function dockerNodeObject(spec: DockerNodeSpec): KubeObject {
  let u: URL;
  try {
    u = new URL(spec.endpoint);
  } catch {
    throw new Error(`invalid Docker endpoint "${spec.endpoint}": use unix:///path/docker.sock or tcp://host:port`);
  }
  if (!['unix:', 'tcp:', 'http:', 'https:'].includes(u.protocol)) throw new Error(`unsupported Docker endpoint "${spec.endpoint}": use unix:///path/docker.sock or tcp://host:port`);
  const annotations: Record<string, string> = { [DOCKER_ENDPOINT_ANNOTATION]: spec.endpoint };
  if (spec.tlsVerify) annotations[DOCKER_TLS_VERIFY_ANNOTATION] = 'true';
  if (spec.certPath) annotations[DOCKER_CERT_PATH_ANNOTATION] = spec.certPath;
  return nodeObject(spec, { [DOCKER_HOST_LABEL]: 'true' }, annotations);
}

export function isDockerHostNode(node: KubeObject): boolean {
  return node.metadata.labels?.[DOCKER_HOST_LABEL] === 'true';
}

/** Declares another Docker engine as a node; the server's kubelet for it starts at once. */
export function addDockerNode(ctx: { client: Client }, spec: DockerNodeSpec): KubeObject {
  return ctx.client.resource('', 'Node').create(dockerNodeObject(spec));
}

/** Declares a virtual node; the engine's host brings it up (Ready within one turn of the loop). */
export function addVirtualNode(ctx: { client: Client }, spec: VirtualNodeSpec): KubeObject {
  return ctx.client.resource('', 'Node').create(virtualNodeObject(spec));
}

/** Deletes a node (virtual or not). Pods on a virtual node are removed with it. */
export function removeNode(ctx: { client: Client }, name: string): void {
  ctx.client.resource('', 'Node').delete(undefined, name);
}

function setStopped(client: Client, name: string, stopped: boolean): void {
  const r = client.resource('', 'Node').modify(undefined, name, (n) => {
    const a = { ...(n.metadata.annotations ?? {}) };
    if (stopped) a[STOPPED_ANNOTATION] = 'true';
    else delete a[STOPPED_ANNOTATION];
    n.metadata.annotations = a;
  });
  if (!r) throw new Error(`node "${name}" not found`);
}

/**
 * Stops a virtual node's kubelet (no more lease renewals or pod updates): a node failure, for
 * tests. Marked on the Node (node.skiff.io/stopped=true) so it is visible and survives restarts.
 */
export function stopVirtualNode(ctx: { client: Client }, name: string): void {
  setStopped(ctx.client, name, true);
  virtualNodeHostOf(ctx.client)?.drain();
}

/** Restarts a stopped virtual node's kubelet. */
export function startVirtualNode(ctx: { client: Client }, name: string): void {
  setStopped(ctx.client, name, false);
  virtualNodeHostOf(ctx.client)?.drain();
}

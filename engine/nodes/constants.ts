/** Labels and annotations that describe Skiff's virtual (kwok-style) nodes. */

/** Nodes with this label set to "true" are hosted by the engine's virtual node host. */
export const VIRTUAL_LABEL = 'node.skiff.io/virtual';
/** Every virtual node also carries type=virtual (as kwok's examples do), handy for nodeSelector. */
export const TYPE_LABEL = 'type';
/** Capacity of a virtual node, as quantities ("4", "8Gi", "110"). */
export const CPU_ANNOTATION = 'node.skiff.io/cpu';
export const MEMORY_ANNOTATION = 'node.skiff.io/memory';
export const PODS_ANNOTATION = 'node.skiff.io/pods';
export const EPHEMERAL_STORAGE_ANNOTATION = 'node.skiff.io/ephemeral-storage';
/** "true": the virtual kubelet is stopped (no lease renewals, pods untouched) — a node failure. */
export const STOPPED_ANNOTATION = 'node.skiff.io/stopped';

export const DEFAULT_CPU = '4';
export const DEFAULT_MEMORY = '8Gi';
export const DEFAULT_PODS = '110';
export const DEFAULT_EPHEMERAL_STORAGE = '100Gi';

export const KUBELET_VERSION = 'v1.32.4-skiff';

/** Nodes with this label set to "true" are other Docker engines, each run by a real kubelet in the server. */
export const DOCKER_HOST_LABEL = 'node.skiff.io/docker-host';
/** The engine's endpoint, DOCKER_HOST style: unix:///path/docker.sock or tcp://host:2375. */
export const DOCKER_ENDPOINT_ANNOTATION = 'node.skiff.io/docker-endpoint';
/** "true": TLS to a tcp:// endpoint, verifying the daemon (DOCKER_TLS_VERIFY). */
export const DOCKER_TLS_VERIFY_ANNOTATION = 'node.skiff.io/docker-tls-verify';
/** Directory with ca.pem, cert.pem, key.pem (DOCKER_CERT_PATH), on the server's machine. */
export const DOCKER_CERT_PATH_ANNOTATION = 'node.skiff.io/docker-cert-path';

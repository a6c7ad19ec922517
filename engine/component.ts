/**
 * What every engine component (scheduler, controller manager, kubelet, proxy, DNS, dashboard)
 * receives from the composition root, and what it gives back: a handle to stop it. Components
 * talk to the cluster only through `client` — the same REST semantics the API serves.
 */
import type { Clock } from './api/clock.js';
import type { Registry } from './api/registry.js';
import type { ApiFeatures } from './apiserver/features.js';
import type { Rest } from './apiserver/rest.js';
import type { Client } from './client/client.js';
import type { ClusterNetwork } from './network.js';

export interface EngineContext {
  client: Client;
  rest: Rest;
  registry: Registry;
  clock: Clock;
  /** The engine's data dir (state, credentials, volumes). */
  dataDir: string;
  /** Name of the local node (the Docker engine this process runs pods on). */
  nodeName: string;
  /** Cluster name, used in Docker labels and network names. */
  clusterName: string;
  /** API server URL on 127.0.0.1 and its credentials, for components that run in containers. */
  apiServer: { url: string; caCert: string; token: string };
  /** Components that serve node-side calls register them here (pods connector, metrics). */
  features: ApiFeatures;
  /** Unique identity of this engine process, for leader election. */
  identity: string;
  /** The cluster network plan (Docker network, pod/service ranges, DNS server once running). */
  network: ClusterNetwork;
}

export interface Component {
  stop(): Promise<void> | void;
}

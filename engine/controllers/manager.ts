/**
 * The controller manager: starts every controller (one folder each under controllers/) on
 * shared informers and stops them together. Controllers are listed in CONTROLLERS below.
 */
import type { Component, EngineContext } from '../component.js';
import { startReplicaSetController, startReplicationController } from './replicaset/replica_set.js';
import { startDeploymentController } from './deployment/deployment_controller.js';
import { startGarbageCollector } from './garbagecollector/garbagecollector.js';
import { startNamespaceController } from './namespace/namespace_controller.js';
import { startServiceAccountController } from './serviceaccount/serviceaccounts_controller.js';
import { startEndpointsController } from './endpoints/endpoints_controller.js';
import { startEndpointSliceController } from './endpointslice/endpointslice_controller.js';
import { startNodeLifecycleController } from './nodelifecycle/index.js';
import { startStatefulSetController } from './statefulset/statefulset.js';
import { startDaemonSetController } from './daemonset/daemonset.js';
import { startJobController } from './job/job.js';
import { startCronJobController } from './cronjob/cronjob.js';
import { startHorizontalController } from './horizontalpodautoscaler/horizontal.js';
import { startPodGCController } from './podgc/podgc.js';
import { startTTLAfterFinishedController } from './ttlafterfinished/ttlafterfinished.js';
import { startDisruptionController } from './disruption/disruption.js';
import { startResourceQuotaController } from './resourcequota/resource_quota_controller.js';

export type ControllerFactory = (ctx: EngineContext) => Component;

/** name → factory. Each controller lives in its own folder (controllers/<name>/). */
export const CONTROLLERS: Record<string, ControllerFactory> = {
  // core controllers (replicaset, deployment, garbagecollector, namespace, serviceaccount, endpoints, endpointslice)
  replicaset: startReplicaSetController,
  replicationcontroller: startReplicationController,
  deployment: startDeploymentController,
  garbagecollector: startGarbageCollector,
  namespace: startNamespaceController,
  serviceaccount: startServiceAccountController,
  endpoints: startEndpointsController,
  endpointslice: startEndpointSliceController,
  // workload controllers (statefulset, daemonset, job, cronjob, horizontalpodautoscaler)
  statefulset: startStatefulSetController,
  daemonset: startDaemonSetController,
  job: startJobController,
  cronjob: startCronJobController,
  horizontalpodautoscaling: startHorizontalController,
  podgc: startPodGCController,
  ttlafterfinished: startTTLAfterFinishedController,
  disruption: startDisruptionController,
  resourcequota: startResourceQuotaController,
  // node lifecycle: Unknown after silent leases, condition taints, NoExecute evictions
  nodelifecycle: startNodeLifecycleController,
};

export function startControllerManager(ctx: EngineContext, only?: string[]): Component {
  const running: Component[] = [];
  for (const [name, factory] of Object.entries(CONTROLLERS)) {
    if (only && !only.includes(name)) continue;
    running.push(factory(ctx));
  }
  return {
    async stop() {
      for (const c of running.reverse()) await c.stop();
    },
  };
}

/**
 * The controller manager: starts every controller (one folder each under controllers/) on
 * shared informers and stops them together. Controllers are listed in CONTROLLERS below.
 */
import type { Component, EngineContext } from '../component.js';

export type ControllerFactory = (ctx: EngineContext) => Component;

/** name → factory. Each controller lives in its own folder (controllers/<name>/). */
export const CONTROLLERS: Record<string, ControllerFactory> = {
  // core controllers (replicaset, deployment, garbagecollector, namespace, serviceaccount, endpoints, endpointslice)
  // workload controllers (statefulset, daemonset, job, cronjob, horizontalpodautoscaler)
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

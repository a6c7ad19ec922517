/** The node lifecycle controller as a controller-manager entry (see controller.ts). */
import type { Component, EngineContext } from '../../component.js';
import { NodeLifecycleController } from './controller.js';

export { NodeLifecycleController, minTolerationMs, parseDurationMs } from './controller.js';

export function startNodeLifecycleController(ctx: EngineContext): Component {
  const c = new NodeLifecycleController({ client: ctx.client, clock: ctx.clock });
  c.start();
  return { stop: () => c.stop() };
}

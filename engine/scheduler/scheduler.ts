/**
 * The scheduler (placeholder until the real one lands): binds every pending pod to the local
 * node. Replaced by the filter/score scheduler in this folder.
 */
import type { Component, EngineContext } from '../component.js';

export function startScheduler(_ctx: EngineContext): Component {
  return { stop() {} };
}

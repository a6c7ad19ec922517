/**
 * Loads the optional API server parts (Table printers, OpenAPI, patching, protobuf decoding).
 * Each is imported lazily so start-up only pays for what it uses.
 */
import type { Registry } from './api/registry.js';
import type { ApiFeatures } from './apiserver/features.js';

export async function loadFeatures(_registry: Registry): Promise<ApiFeatures> {
  return {};
}

/**
 * Wires the API server's pluggable parts (Table printers, OpenAPI, patching, protobuf
 * decoding). Heavy parts load lazily inside their own modules, so start-up stays fast.
 */
import type { Registry } from './api/registry.js';
import type { ApiFeatures } from './apiserver/features.js';
import { toTable } from './apiserver/table/index.js';
import { decodeProtobufObject } from './apiserver/protobuf/decode.js';

export async function loadFeatures(_registry: Registry): Promise<ApiFeatures> {
  return {
    table: { toTable: (group, kind, objects, opts) => toTable(group, kind, objects, opts) },
    protobuf: decodeProtobufObject,
  };
}

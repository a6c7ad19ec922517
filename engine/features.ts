/**
 * Wires the API server's pluggable parts (Table printers, OpenAPI, patching, protobuf
 * decoding). Heavy parts load lazily inside their own modules, so start-up stays fast.
 */
import type { Registry } from './api/registry.js';
import { ApiError } from './api/errors.js';
import type { ApiFeatures } from './apiserver/features.js';
import { toTable } from './apiserver/table/index.js';
import { decodeProtobufObject } from './apiserver/protobuf/decode.js';
import { applyPatch, PatchError, supportsStrategicMerge } from './apiserver/patch/index.js';
import { OpenAPI, warningHeader } from './apiserver/openapi/index.js';

export async function loadFeatures(registry: Registry): Promise<ApiFeatures> {
  // Documents are built on first use (kubectl apply/explain), not at start-up.
  const openapi = new OpenAPI(registry.all());
  return {
    openapi: {
      serve: (method, url, headers) => openapi.handle({ method, url, headers }),
      decode(apiVersion, kind, obj, fieldValidation) {
        const out = openapi.decode(apiVersion, kind, obj, fieldValidation);
        return { error: out.error, warnings: out.warnings.map(warningHeader) };
      },
    },
    table: { toTable: (group, kind, objects, opts) => toTable(group, kind, objects, opts) },
    protobuf: decodeProtobufObject,
    patcher: {
      applyPatch(type, original, patch, target) {
        try {
          return applyPatch(type, original, patch, target);
        } catch (e) {
          if (e instanceof PatchError) throw new ApiError(e.toStatus());
          throw e;
        }
      },
      supportsStrategicMerge,
    },
  };
}

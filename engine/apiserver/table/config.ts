// Configuration and policy objects: ConfigMap, Secret, ServiceAccount and
// ResourceQuota. (LimitRange has no printer upstream; it gets the default
// NAME / CREATED AT table from the registry's fallback.)

import { since } from './duration.js';
import { DOC } from './descriptions.js';
import { ageColumn, column, dict, list, meta, nameColumn, sortStrings, text, view } from './format.js';
import { formatQuantity } from './quantity.js';
import type { Printer } from './types.js';

export const configMapPrinter: Printer = {
  columns: [nameColumn(), column('Data', 'string', DOC['ConfigMap.data']), ageColumn()],
  cells(obj, ctx) {
    const cm = view<{ data?: Record<string, string>; binaryData?: Record<string, string> }>(obj);
    const count = Object.keys(dict(cm.data)).length + Object.keys(dict(cm.binaryData)).length;
    return [text(meta(obj).name), count, since(meta(obj).creationTimestamp, ctx.now)];
  },
};

export const secretPrinter: Printer = {
  columns: [
    nameColumn(),
    column('Type', 'string', DOC['Secret.type']),
    column('Data', 'string', DOC['Secret.data']),
    ageColumn(),
  ],
  cells(obj, ctx) {
    const s = view<{ type?: string; data?: Record<string, string> }>(obj);
    // Unset type is defaulted to Opaque by the v1 API.
    return [
      text(meta(obj).name),
      text(s.type) || 'Opaque',
      Object.keys(dict(s.data)).length,
      since(meta(obj).creationTimestamp, ctx.now),
    ];
  },
};

export const serviceAccountPrinter: Printer = {
  columns: [nameColumn(), column('Secrets', 'string', DOC['ServiceAccount.secrets']), ageColumn()],
  cells(obj, ctx) {
    const secrets = list(view<{ secrets?: unknown[] }>(obj).secrets);
    return [text(meta(obj).name), secrets.length, since(meta(obj).creationTimestamp, ctx.now)];
  },
};

interface ResourceQuota {
  spec?: { hard?: Record<string, unknown> };
  status?: { hard?: Record<string, unknown>; used?: Record<string, unknown> };
}

// Upstream printResourceQuota: NAME, AGE, REQUEST, LIMIT; one "name: used/hard" per spec.hard
// resource, limits.* in LIMIT and the rest in REQUEST, values from status (0 until reconciled).
export const resourceQuotaPrinter: Printer = {
  columns: [
    nameColumn(),
    ageColumn(),
    column('Request', 'string', 'Request represents a minimum amount of cpu/memory that a container may consume.'),
    column(
      'Limit',
      'string',
      'Limits control the maximum amount of cpu/memory that a container may use independent of contention on the node.',
    ),
  ],
  cells(obj, ctx) {
    const rq = view<ResourceQuota>(obj);
    const hard = dict(rq.status?.hard);
    const used = dict(rq.status?.used);
    const requests: string[] = [];
    const limits: string[] = [];
    for (const resource of sortStrings(Object.keys(dict(rq.spec?.hard)))) {
      const pieces = resource.split('.');
      const target = pieces.length > 1 && pieces[0] === 'limits' ? limits : requests;
      target.push(`${resource}: ${formatQuantity(used[resource] ?? '0')}/${formatQuantity(hard[resource] ?? '0')}`);
    }
    return [text(meta(obj).name), since(meta(obj).creationTimestamp, ctx.now), requests.join(', '), limits.join(', ')];
  },
};

/**
 * Server-side Table output (meta.k8s.io/v1 Table), the format `kubectl get`
 * asks for with `Accept: application/json;as=Table;v=v1;g=meta.k8s.io,...`.
 * Columns are decided here, not by the client: each kind's printer is a port of
 * kubernetes/kubernetes pkg/printers/internalversion/printers.go (v1.32 era),
 * so headers, cell text and cell types (string vs integer vs boolean) match what
 * a real cluster sends. Like the real apiserver, every row always carries the
 * priority-1 ("-o wide") cells; kubectl drops those columns unless asked.
 *
 * Layout: one file per area (pods, workloads, network, config, storage,
 * cluster, events), duration.ts (apimachinery's HumanDuration), quantity.ts
 * (canonical resource.Quantity text), format.ts (shared formatters),
 * registry.ts (group/kind -> printer, plus the default fallbacks), and this
 * file, which builds the Table envelope and each row's `object`.
 */

import { printerFor } from './registry.js';
import type { ColumnDefinition, Table, TableMeta, TableOptions, TableRow } from './types.js';

export type { Cell, ColumnDefinition, Printer, PrintContext, Table, TableOptions, TableRow, TableRowCondition } from './types.js';
export { humanDuration, shortHumanDuration } from './duration.js';
export { formatQuantity } from './quantity.js';
export { customResourcePrinter, defaultPrinter, printedKinds, printerFor, registerPrinter } from './registry.js';

export type IncludeObject = NonNullable<TableOptions['includeObject']>;

/** Validates the includeObject query parameter; upstream answers 400 for anything else. */
export function isIncludeObject(v: unknown): v is IncludeObject {
  return v === 'None' || v === 'Metadata' || v === 'Object';
}

/**
 * True when an Accept header lists a JSON Table of meta.k8s.io/v1 (kubectl's
 * first choice). The v1beta1 Table and protobuf Tables are not offered.
 */
export function acceptsTable(accept: string | undefined): boolean {
  if (!accept) return false;
  return accept.split(',').some((range) => {
    const [type = '', ...params] = range.split(';').map((s) => s.trim());
    if (type !== 'application/json' && type !== '*/*' && type !== 'application/*') return false;
    const p = new Map(params.map((kv) => {
      const i = kv.indexOf('=');
      return [kv.slice(0, i).trim(), kv.slice(i + 1).trim()] as const;
    }));
    return p.get('as') === 'Table' && p.get('v') === 'v1' && p.get('g') === 'meta.k8s.io';
  });
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** meta.AsPartialObjectMetadata: the object's metadata under a PartialObjectMetadata envelope. */
function partialObjectMetadata(obj: Record<string, unknown>): Record<string, unknown> {
  // managedFields are noise in a listing and can dwarf the rest of the row.
  const { managedFields: _dropped, ...metadata } = record(obj['metadata']) ?? {};
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

function rowObject(obj: Record<string, unknown>, include: IncludeObject): Record<string, unknown> | undefined {
  switch (include) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    case 'Metadata':
      return partialObjectMetadata(obj);
  }
}

/** Builds a Table for objects of one kind (group, kind identify the printer; group '' = core). */
export function toTable(
  group: string,
  kind: string,
  objects: Record<string, unknown>[],
  opts: TableOptions = {},
): Table {
  const printer = printerFor(group, kind);
  const ctx = { now: opts.now ?? new Date() };
  const include: IncludeObject = opts.includeObject ?? 'Metadata';
  const rows = objects.map((obj): TableRow => {
    const row: TableRow = { cells: printer.cells(obj, ctx) };
    const conditions = printer.conditions?.(obj);
    if (conditions) row.conditions = conditions;
    const object = rowObject(obj, include);
    if (object) row.object = object;
    return row;
  });

  const metadata: TableMeta = {};
  // A single get carries the object's own resourceVersion; a list passes its list metadata.
  const single = objects.length === 1 ? record(record(objects[0])?.['metadata'])?.['resourceVersion'] : undefined;
  const rv = opts.resourceVersion ?? (typeof single === 'string' ? single : undefined);
  if (rv !== undefined && rv !== '') metadata.resourceVersion = rv;
  if (opts.continue) metadata.continue = opts.continue;
  if (opts.remainingItemCount !== undefined) metadata.remainingItemCount = opts.remainingItemCount;

  return {
    kind: 'Table',
    apiVersion: 'meta.k8s.io/v1',
    metadata,
    // Copies, so callers may not alter the shared printer definitions.
    columnDefinitions: printer.columns.map((c): ColumnDefinition => ({ ...c })),
    rows,
  };
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/**
 * One watch event for a Table watch: the object becomes a one-row Table with the
 * full column definitions every time (kubectl prints the header only once).
 * ERROR events carry a Status and pass through; a BOOKMARK becomes a row-less
 * Table that keeps its resourceVersion.
 */
export function toTableWatchEvent(
  group: string,
  kind: string,
  type: WatchEventType,
  object: Record<string, unknown>,
  opts: TableOptions = {},
): { type: WatchEventType; object: Table | Record<string, unknown> } {
  if (type === 'ERROR') return { type, object };
  if (type === 'BOOKMARK') {
    const table = toTable(group, kind, [], opts);
    const rv = record(object['metadata'])?.['resourceVersion'];
    if (typeof rv === 'string') table.metadata.resourceVersion = rv;
    return { type, object: table };
  }
  return { type, object: toTable(group, kind, [object], opts) };
}

// Helpers shared by the printers: loose JSON access, column builders, and
// ports of the small apimachinery formatters (labels.FormatLabels,
// metav1.FormatLabelSelector, net.JoinHostPort, IntOrString, ...).

import { DOC } from './descriptions.js';
import type { ColumnDefinition } from './types.js';

// ---- loose JSON shapes ------------------------------------------------------

export type Json = Record<string, unknown>;

export interface OwnerRef {
  apiVersion?: string;
  kind?: string;
  name?: string;
  controller?: boolean;
}

export interface Meta {
  name?: string;
  namespace?: string;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerRef[];
}

export interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: Meta;
}

export interface Container {
  name?: string;
  image?: string;
  restartPolicy?: string;
}

export interface PodTemplateSpec {
  metadata?: Meta;
  spec?: { containers?: Container[]; nodeSelector?: Record<string, string> };
}

export interface LabelSelectorRequirement {
  key?: string;
  operator?: string;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

/** Stored objects are plain JSON; printers view them through small optional-field interfaces. */
export function view<T>(obj: Json): T {
  return obj as T;
}

/** A list field, tolerating absent or malformed values (and null entries). */
export function list<T>(v: T[] | undefined | null): T[] {
  return Array.isArray(v) ? v.filter((x) => x !== null && x !== undefined) : [];
}

/** A map field, tolerating absent or malformed values. */
export function dict<T>(v: Record<string, T> | undefined | null): Record<string, T> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? v : {};
}

export function text(v: unknown): string {
  return typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : '';
}

/** int32/int64 fields: absent means 0, as in Go's zero value. */
export function int(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0;
}

export function name(obj: Json): string {
  return text(view<Obj>(obj).metadata?.name);
}

export function meta(obj: Json): Meta {
  return dict(view<Obj>(obj).metadata as Record<string, unknown> | undefined) as Meta;
}

// ---- columns ----------------------------------------------------------------

export function column(
  colName: string,
  type: string,
  description: string,
  extra: { priority?: number; format?: string } = {},
): ColumnDefinition {
  return { name: colName, type, format: extra.format ?? '', description, priority: extra.priority ?? 0 };
}

export const nameColumn = (): ColumnDefinition => column('Name', 'string', DOC['ObjectMeta.name'], { format: 'name' });
export const ageColumn = (): ColumnDefinition => column('Age', 'string', DOC['ObjectMeta.creationTimestamp']);
export const containersColumn = (priority = 1): ColumnDefinition =>
  column('Containers', 'string', 'Names of each container in the template.', { priority });
export const imagesColumn = (priority = 1): ColumnDefinition =>
  column('Images', 'string', 'Images referenced by each container in the template.', { priority });

// ---- formatters -------------------------------------------------------------

/** labels.Set.String(): "k=v" pairs sorted as whole strings, comma-joined. */
export function labelsString(m: Record<string, string> | undefined): string {
  return Object.entries(dict(m))
    .map(([k, v]) => `${k}=${v}`)
    .sort()
    .join(',');
}

/** labels.FormatLabels: like labelsString but "<none>" when empty. */
export function formatLabels(m: Record<string, string> | undefined): string {
  return labelsString(m) || '<none>';
}

/** Go's sort.Strings / sets.String.List(): byte order, which for these ASCII values is code-unit order. */
export function sortStrings(values: Iterable<string>): string[] {
  return [...values].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

interface Requirement {
  key: string;
  op: 'in' | 'notin' | 'exists' | '!' | '=';
  values: string[];
}

function requirementString(r: Requirement): string {
  // Values print sorted without touching the stored selector.
  const values = r.values.length === 1 ? r.values[0] : sortStrings(r.values).join(',');
  switch (r.op) {
    case '=':
      return `${r.key}=${values}`;
    case 'in':
      return `${r.key} in (${values})`;
    case 'notin':
      return `${r.key} notin (${values})`;
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
  }
}

/**
 * metav1.LabelSelectorAsSelector(sel).String(): null selects nothing and an empty
 * one everything, both printing ""; an unknown operator is an error (undefined).
 */
export function selectorString(sel: LabelSelector | undefined | null): string | undefined {
  if (sel === undefined || sel === null || typeof sel !== 'object') return '';
  const reqs: Requirement[] = [];
  for (const [key, value] of Object.entries(dict(sel.matchLabels))) reqs.push({ key, op: '=', values: [text(value)] });
  for (const e of list(sel.matchExpressions)) {
    const values = list(e.values).map(text);
    const key = text(e.key);
    switch (e.operator) {
      case 'In':
        reqs.push({ key, op: 'in', values });
        break;
      case 'NotIn':
        reqs.push({ key, op: 'notin', values });
        break;
      case 'Exists':
        reqs.push({ key, op: 'exists', values: [] });
        break;
      case 'DoesNotExist':
        reqs.push({ key, op: '!', values: [] });
        break;
      default:
        return undefined;
    }
    // In/NotIn need values (labels.NewRequirement rejects an empty set).
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) return undefined;
  }
  // Requirements are kept sorted by key (a stable sort keeps matchLabels ahead of same-key expressions).
  reqs.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return reqs.map(requirementString).join(',');
}

/** metav1.FormatLabelSelector: "<none>" for an empty result, "<error>" for an invalid selector. */
export function formatLabelSelector(sel: LabelSelector | undefined | null): string {
  const s = selectorString(sel);
  if (s === undefined) return '<error>';
  return s === '' ? '<none>' : s;
}

/** layoutContainerCells: comma-joined container names and images. */
export function containerCells(containers: Container[] | undefined): [string, string] {
  const cs = list(containers);
  return [cs.map((c) => text(c.name)).join(','), cs.map((c) => text(c.image)).join(',')];
}

/** net.JoinHostPort: IPv6 hosts get brackets. */
export function joinHostPort(host: string, port: number | string): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** listWithMoreString: at most `max` items, then "+ N more...", or "<unset>" when empty. */
export function listWithMore(items: string[], more: boolean, count: number, max: number): string {
  const ret = items.join(',');
  if (more) return `${ret} + ${count - max} more...`;
  return ret === '' ? '<unset>' : ret;
}

/** intstr.IntOrString.String(). */
export function intOrString(v: unknown): string {
  return typeof v === 'number' ? String(Math.trunc(v)) : text(v);
}

/** The "(default)" annotations on StorageClass / VolumeAttributesClass. */
export function hasTrueAnnotation(obj: Json, ...keys: string[]): boolean {
  const ann = dict(meta(obj).annotations);
  return keys.some((k) => ann[k] === 'true');
}

/**
 * Table output of custom resources with additionalPrinterColumns (apiextensions-apiserver's
 * tableconvertor): a NAME column, then each printer column, cells from the column's JSONPath
 * (first result only) typed as declared — integer, number, boolean, string (any JSON printed as
 * text), date (an age like `5m`). Without printer columns the shared printer's NAME, AGE is
 * used instead (engine/apiserver/table customResourcePrinter).
 */
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import type { PrinterColumn } from '../../api/resources/crd.js';
import { humanDuration } from '../table/index.js';

type Obj = Record<string, unknown>;

const NAME_DESCRIPTION =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';

type Step = { field: string } | { index: number | '*' } | { filter: (v: unknown) => boolean };

/**
 * Parses the simple JSONPath of printer columns: `.a.b`, `.a[0]`, `.a[*].b`, `.a['x.y']`,
 * `.a[?(@.type=="Ready")].status`, escaped dots (`.labels.app\.kubernetes\.io/name`).
 */
export function parseJsonPath(path: string): Step[] | undefined {
  let p = path.trim();
  if (p.startsWith('{') && p.endsWith('}')) p = p.slice(1, -1);
  const steps: Step[] = [];
  let i = 0;
  while (i < p.length) {
    if (p[i] === '.') {
      i++;
      let name = '';
      while (i < p.length && p[i] !== '.' && p[i] !== '[') {
        if (p[i] === '\\' && i + 1 < p.length) {
          name += p[i + 1];
          i += 2;
        } else name += p[i++];
      }
      if (name) steps.push({ field: name });
      continue;
    }
    if (p[i] === '[') {
      const end = p.indexOf(']', i);
      if (end < 0) return undefined;
      const inner = p.slice(i + 1, end).trim();
      i = end + 1;
      if (inner === '*') steps.push({ index: '*' });
      else if (/^-?\d+$/.test(inner)) steps.push({ index: Number(inner) });
      else if (/^'.*'$|^".*"$/.test(inner)) steps.push({ field: inner.slice(1, -1) });
      else if (inner.startsWith('?(') && inner.endsWith(')')) {
        const f = parseFilter(inner.slice(2, -1));
        if (!f) return undefined;
        steps.push({ filter: f });
      } else return undefined;
      continue;
    }
    return undefined;
  }
  return steps;
}

function parseFilter(expr: string): ((v: unknown) => boolean) | undefined {
  const m = /^@((?:\.[A-Za-z0-9_\-/]+)+)\s*(==|!=)\s*(?:"([^"]*)"|'([^']*)'|(-?[\d.]+|true|false))$/.exec(expr.trim());
  if (m) {
    const fields = m[1].split('.').slice(1);
    const want = m[3] ?? m[4] ?? m[5];
    return (v) => {
      let cur: unknown = v;
      for (const f of fields) cur = isPlainObject(cur) ? cur[f] : undefined;
      const eq = cur !== undefined && String(cur) === want;
      return m[2] === '==' ? eq : !eq;
    };
  }
  const exists = /^@((?:\.[A-Za-z0-9_\-/]+)+)$/.exec(expr.trim());
  if (exists) {
    const fields = exists[1].split('.').slice(1);
    return (v) => {
      let cur: unknown = v;
      for (const f of fields) cur = isPlainObject(cur) ? cur[f] : undefined;
      return cur !== undefined;
    };
  }
  return undefined;
}

/** Every value the path selects, in document order. */
export function evalJsonPath(obj: unknown, steps: Step[]): unknown[] {
  let cur: unknown[] = [obj];
  for (const s of steps) {
    const next: unknown[] = [];
    for (const v of cur) {
      if ('field' in s) {
        if (isPlainObject(v) && v[s.field] !== undefined) next.push(v[s.field]);
      } else if ('index' in s) {
        if (!Array.isArray(v)) continue;
        if (s.index === '*') next.push(...v);
        else {
          const i = s.index < 0 ? v.length + s.index : s.index;
          if (i >= 0 && i < v.length) next.push(v[i]);
        }
      } else if (Array.isArray(v)) next.push(...v.filter(s.filter));
    }
    cur = next;
  }
  return cur;
}

function textOf(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

/** cellForJSONValue. */
export function cellFor(type: string, value: unknown, now: Date): unknown {
  if (value === null || value === undefined) return null;
  switch (type) {
    case 'integer':
      return typeof value === 'number' ? Math.trunc(value) : null;
    case 'number':
      return typeof value === 'number' ? value : null;
    case 'boolean':
      return typeof value === 'boolean' ? value : null;
    case 'string':
      return textOf(value);
    case 'date': {
      if (typeof value !== 'string') return null;
      const t = Date.parse(value);
      return Number.isNaN(t) ? '<invalid>' : humanDuration(now.getTime() - t);
    }
  }
  return null;
}

function rowObject(o: KubeObject, include: 'None' | 'Metadata' | 'Object'): Obj | undefined {
  if (include === 'None') return undefined;
  if (include === 'Object') return o as Obj;
  const { managedFields: _m, ...metadata } = o.metadata;
  void _m;
  return { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata };
}

/** A Table builder for one CRD version's printer columns. */
export function printerColumnsTable(columns: PrinterColumn[]): (objects: KubeObject[], opts: { includeObject: 'None' | 'Metadata' | 'Object'; now: Date }) => { columnDefinitions: unknown[]; rows: unknown[] } {
  const parsed = columns.map((c) => ({ c, steps: parseJsonPath(c.jsonPath) }));
  const columnDefinitions = [
    { name: 'Name', type: 'string', format: 'name', description: NAME_DESCRIPTION, priority: 0 },
    ...columns.map((c) => ({ name: c.name, type: c.type, format: c.format ?? '', description: c.description || `Custom resource definition column (in JSONPath format): ${c.jsonPath}`, priority: c.priority ?? 0 })),
  ];
  return (objects, opts) => ({
    columnDefinitions: columnDefinitions.map((d) => ({ ...d })),
    rows: objects.map((o) => {
      const cells: unknown[] = [o.metadata.name ?? ''];
      for (const { c, steps } of parsed) {
        const found = steps ? evalJsonPath(o, steps) : [];
        cells.push(found.length ? cellFor(c.type, found[0], opts.now) : null);
      }
      const row: Obj = { cells };
      const object = rowObject(o, opts.includeObject);
      if (object) row.object = object;
      return row;
    }),
  });
}

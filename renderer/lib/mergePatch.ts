/**
 * RFC 7386 JSON merge patch from `before` to `after` — the user's edits as a patch, so that an
 * edit survives concurrent changes to fields the user did not touch (a controller updating
 * status or an annotation), like `kubectl edit` retrying on a conflict. No imports: unit-tested
 * under Node as well.
 */
type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function isObj(v: unknown): v is Record<string, Json> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function equal(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function mergePatch(before: unknown, after: unknown): Json | undefined {
  if (!isObj(before) || !isObj(after)) return equal(before, after) ? undefined : (after as Json);
  const out: Record<string, Json> = {};
  for (const k of Object.keys(after)) {
    if (!(k in before)) out[k] = after[k];
    else {
      const p = mergePatch(before[k], after[k]);
      if (p !== undefined) out[k] = p;
    }
  }
  for (const k of Object.keys(before)) if (!(k in after)) out[k] = null;
  return Object.keys(out).length ? out : undefined;
}

/** The patch for an edited Kubernetes object: no status, no resourceVersion/managedFields. */
export function editPatch(before: Record<string, unknown>, after: Record<string, unknown>): Json | undefined {
  const clean = (o: Record<string, unknown>) => {
    const { status: _s, ...rest } = o;
    const meta = { ...((rest.metadata as Record<string, unknown>) ?? {}) };
    delete meta.resourceVersion;
    delete meta.managedFields;
    delete meta.generation;
    return { ...rest, metadata: meta };
  };
  return mergePatch(clean(before), clean(after));
}

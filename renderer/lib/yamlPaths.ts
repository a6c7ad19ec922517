/**
 * Where a Kubernetes field path (`spec.template.spec.containers[0].image`, as the API server
 * names fields in a Status's causes) sits in a YAML text — so validation errors are shown on the
 * line they are about. Only imports `yaml` (no DOM): unit-tested under Node.
 */
import { isMap, isPair, isScalar, isSeq, parseDocument, type Node as YamlNode } from 'yaml';

export interface TextRange {
  from: number;
  to: number;
}

/** `a.b[0].c`, `metadata.labels[app.kubernetes.io/name]` → ['a', 'b', 0, 'c'], ['metadata', 'labels', 'app.kubernetes.io/name']. */
export function parseFieldPath(path: string): (string | number)[] {
  const out: (string | number)[] = [];
  const re = /([^.[\]]+)|\[([^\]]*)\]/g;
  for (let m = re.exec(path); m; m = re.exec(path)) {
    if (m[1] !== undefined) out.push(m[1]);
    else out.push(/^\d+$/.test(m[2]) ? Number(m[2]) : m[2]);
  }
  return out;
}

function keyOf(k: unknown): string | undefined {
  if (isScalar(k)) return String(k.value);
  return k === null || k === undefined ? undefined : String(k);
}

/**
 * The text range of the deepest part of `path` present in the YAML: the whole `key: value` pair
 * when the field exists, else its closest existing parent's key (a missing required field is
 * reported on the object that lacks it). For multi-document texts, `docIndex` picks the document.
 */
export function locateField(text: string, path: string, docIndex = 0): TextRange | undefined {
  const segs = parseFieldPath(path);
  // Documents: parse each separately to keep their offsets in the full text.
  let doc;
  if (docIndex === 0) doc = parseDocument(text, { keepSourceTokens: false });
  else {
    const parts = splitDocs(text);
    const p = parts[docIndex];
    if (!p) return undefined;
    const r = locateField(p.text, path, 0);
    return r ? { from: r.from + p.offset, to: r.to + p.offset } : undefined;
  }
  let node: unknown = doc.contents;
  let best: TextRange | undefined;
  for (const seg of segs) {
    if (isMap(node)) {
      const pair = node.items.find((it) => isPair(it) && keyOf(it.key) === String(seg));
      if (!pair) break;
      const k = pair.key as YamlNode | null;
      const v = pair.value as YamlNode | null;
      const from = k?.range?.[0] ?? v?.range?.[0];
      const to = v?.range?.[1] ?? k?.range?.[1];
      if (from !== undefined && to !== undefined) best = { from, to };
      node = v;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as YamlNode | undefined;
      if (!item) break;
      if (item.range) best = { from: item.range[0], to: item.range[1] };
      node = item;
    } else break;
  }
  return best;
}

/** Splits a multi-document YAML text at `---` lines, keeping each part's offset. */
export function splitDocs(text: string): { text: string; offset: number }[] {
  const out: { text: string; offset: number }[] = [];
  const re = /^---[ \t]*(?:#.*)?$/gm;
  let start = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    if (m.index > 0 || out.length) out.push({ text: text.slice(start, m.index), offset: start });
    start = m.index + m[0].length;
  }
  out.push({ text: text.slice(start), offset: start });
  // A leading `---` leaves an empty first part: drop empty parts the parser would drop too.
  return out.filter((p) => p.text.trim() !== '' || out.length === 1);
}

/** YAML rendering helpers: object → YAML text (without managedFields), and light highlighting. */
import { stringify } from 'yaml';
import type { KubeObject } from '../lib/listState';

export function toYaml(o: unknown): string {
  return stringify(o, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** The object as a user edits it: no managedFields, kind/apiVersion first. */
export function editableYaml(o: KubeObject): string {
  const { apiVersion, kind, metadata, ...rest } = o;
  const { managedFields: _m, ...meta } = metadata;
  return toYaml({ apiVersion, kind, metadata: meta, ...rest });
}

/** Splits a YAML line into highlighted spans (keys, strings, numbers, comments). */
export function highlightLine(line: string): { cls?: string; text: string }[] {
  const out: { cls?: string; text: string }[] = [];
  const c = /^(\s*)(#.*)$/.exec(line);
  if (c) return [{ text: c[1] }, { cls: 'y-com', text: c[2] }];
  const m = /^(\s*(?:- )?)([^:#'"\s][^:]*?|"[^"]*"|'[^']*')(:)(\s.*|$)/.exec(line);
  let rest = line;
  if (m) {
    out.push({ text: m[1] }, { cls: 'y-key', text: m[2] }, { text: m[3] });
    rest = m[4];
  }
  const v = /^(\s*)(.*)$/.exec(rest);
  if (v && v[2]) {
    const val = v[2];
    const cls = /^-?\d+(\.\d+)?$|^(true|false|null)$/.test(val) ? 'y-num' : /^[|>-]/.test(val) && !m ? undefined : 'y-str';
    out.push({ text: v[1] }, { cls, text: val });
  } else if (rest) out.push({ text: rest });
  return out;
}

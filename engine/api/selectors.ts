/**
 * Label and field selectors, as the API server parses them from `labelSelector=` and
 * `fieldSelector=` query parameters (k8s.io/apimachinery/pkg/labels and pkg/fields), and the
 * conversion from a LabelSelector object (matchLabels + matchExpressions) used by workloads.
 */
import { badRequest } from './errors.js';

export type LabelOp = 'in' | 'notin' | 'exists' | '!' | '=' | '!=';

export interface Requirement {
  key: string;
  op: LabelOp;
  values: string[];
}

export type Selector = Requirement[];

/** Parses `a=b,c!=d,e in (x,y),!f,g` — the textual selector syntax. */
export function parseLabelSelector(text: string | undefined | null): Selector {
  const out: Selector = [];
  if (!text) return out;
  let i = 0;
  const s = text;
  const skipWs = () => {
    while (i < s.length && s[i] === ' ') i++;
  };
  const readIdent = (): string => {
    skipWs();
    const start = i;
    while (i < s.length && !' ,=!()'.includes(s[i])) i++;
    return s.slice(start, i);
  };
  while (i < s.length) {
    skipWs();
    if (s[i] === ',') {
      i++;
      continue;
    }
    if (s[i] === '!') {
      i++;
      const key = readIdent();
      if (!key) throw badRequest(`unable to parse requirement: found '!' without a key in "${text}"`);
      validateLabelKey(key, text);
      out.push({ key, op: '!', values: [] });
      continue;
    }
    const key = readIdent();
    if (!key) throw badRequest(`unable to parse requirement: invalid selector "${text}"`);
    validateLabelKey(key, text);
    skipWs();
    if (i >= s.length || s[i] === ',') {
      out.push({ key, op: 'exists', values: [] });
      continue;
    }
    if (s.startsWith('==', i) || s.startsWith('!=', i) || s[i] === '=') {
      const op: LabelOp = s.startsWith('!=', i) ? '!=' : '=';
      i += s.startsWith('==', i) || s.startsWith('!=', i) ? 2 : 1;
      const value = readIdent();
      validateLabelValue(value, text);
      out.push({ key, op, values: [value] });
      continue;
    }
    const word = readIdent();
    if (word !== 'in' && word !== 'notin') throw badRequest(`unable to parse requirement: found '${word}', expected: in, notin, =, ==, !=`);
    skipWs();
    if (s[i] !== '(') throw badRequest(`unable to parse requirement: found '${s[i] ?? ''}', expected: '('`);
    i++;
    const values: string[] = [];
    for (;;) {
      const v = readIdent();
      validateLabelValue(v, text);
      if (v) values.push(v);
      skipWs();
      if (s[i] === ',') {
        i++;
        continue;
      }
      if (s[i] === ')') {
        i++;
        break;
      }
      throw badRequest(`unable to parse requirement: found '${s[i] ?? 'EOF'}', expected: ',', ')'`);
    }
    out.push({ key, op: word, values });
  }
  return out;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

function validateLabelKey(key: string, text: string): void {
  const parts = key.split('/');
  const name = parts.length === 2 ? parts[1] : parts[0];
  if (parts.length > 2 || !LABEL_NAME.test(name) || name.length > 63) {
    throw badRequest(`unable to parse requirement: invalid label key "${key}" in selector "${text}"`);
  }
}

function validateLabelValue(v: string, text: string): void {
  if (v.length > 63 || !LABEL_VALUE.test(v)) throw badRequest(`unable to parse requirement: invalid label value: "${v}" in selector "${text}"`);
}

export function matchesLabels(sel: Selector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.prototype.hasOwnProperty.call(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case '=':
        if (!has || v !== r.values[0]) return false;
        break;
      case '!=':
        if (has && v === r.values[0]) return false;
        break;
      case 'in':
        if (!has || !r.values.includes(v)) return false;
        break;
      case 'notin':
        if (has && r.values.includes(v)) return false;
        break;
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
    }
  }
  return true;
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** metav1.LabelSelector → Selector. An empty selector matches everything; null matches nothing. */
export function fromLabelSelector(ls: LabelSelectorObject | null | undefined): Selector | null {
  if (!ls) return null;
  const out: Selector = [];
  for (const [key, value] of Object.entries(ls.matchLabels ?? {})) out.push({ key, op: '=', values: [value] });
  for (const e of ls.matchExpressions ?? []) {
    const op = e.operator;
    if (op === 'In') out.push({ key: e.key, op: 'in', values: e.values ?? [] });
    else if (op === 'NotIn') out.push({ key: e.key, op: 'notin', values: e.values ?? [] });
    else if (op === 'Exists') out.push({ key: e.key, op: 'exists', values: [] });
    else if (op === 'DoesNotExist') out.push({ key: e.key, op: '!', values: [] });
  }
  return out;
}

/** The textual form, as in status.selector of a Scale. */
export function selectorToString(sel: Selector): string {
  return sel
    .map((r) => {
      switch (r.op) {
        case '=':
          return `${r.key}=${r.values[0]}`;
        case '!=':
          return `${r.key}!=${r.values[0]}`;
        case 'in':
          return `${r.key} in (${[...r.values].sort().join(',')})`;
        case 'notin':
          return `${r.key} notin (${[...r.values].sort().join(',')})`;
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
      }
      return '';
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

/** Parses `metadata.name=x,status.phase!=Running` (backslash escapes as in fields.ParseSelector). */
export function parseFieldSelector(text: string | undefined | null): FieldRequirement[] {
  if (!text) return [];
  const out: FieldRequirement[] = [];
  for (const part of splitUnescaped(text, ',')) {
    if (!part) continue;
    const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(part);
    if (!m) throw badRequest(`invalid selector: '${text}'; can't understand '${part}'`);
    out.push({ field: m[1].trim(), op: m[2] === '!=' ? '!=' : '=', value: unescapeField(m[3]) });
  }
  return out;
}

function splitUnescaped(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      cur += s[i] + s[i + 1];
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

function unescapeField(s: string): string {
  return s.replace(/\\(.)/g, '$1');
}

export function matchesFields(reqs: FieldRequirement[], fields: Record<string, string | undefined>): boolean {
  for (const r of reqs) {
    const v = fields[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

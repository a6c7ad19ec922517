/**
 * Pod affinity terms (upstream framework.AffinityTerm): a PodAffinityTerm parsed once per pod
 * object. A term matches a pod when the pod's namespace is in `namespaces` or its namespace's
 * labels match `namespaceSelector`, and the pod's labels match `selector`.
 *   - namespaces empty and namespaceSelector null → the term's own pod's namespace only
 *   - namespaceSelector {} → every namespace
 *   - labelSelector null → matches no pod (labels.Nothing()), {} → every pod
 */
import { fromLabelSelector, matchesLabels, type LabelSelectorObject, type Selector } from '../../api/selectors.js';
import { isPlainObject } from '../../api/types.js';

export interface AffinityTerm {
  readonly namespaces: ReadonlySet<string>;
  /** null matches no namespace by labels. */
  readonly namespaceSelector: Selector | null;
  /** null matches no pod. */
  readonly selector: Selector | null;
  readonly topologyKey: string;
}

export interface WeightedAffinityTerm extends AffinityTerm {
  readonly weight: number;
}

/** The target of a term: what a pod offers to be matched. */
export interface AffinityTarget {
  readonly namespace: string;
  readonly labels: Record<string, string>;
}

type Obj = Record<string, unknown>;

function parseTerm(t: Obj, podNamespace: string): AffinityTerm | undefined {
  const topologyKey = typeof t.topologyKey === 'string' ? t.topologyKey : '';
  if (!topologyKey) return undefined; // validation rejects these; never match on them
  const namespaces = new Set((Array.isArray(t.namespaces) ? t.namespaces : []).filter((n): n is string => typeof n === 'string'));
  const nsSel = isPlainObject(t.namespaceSelector) ? fromLabelSelector(t.namespaceSelector as LabelSelectorObject) : null;
  if (namespaces.size === 0 && nsSel === null) namespaces.add(podNamespace);
  const selector = isPlainObject(t.labelSelector) ? fromLabelSelector(t.labelSelector as LabelSelectorObject) : null;
  return { namespaces, namespaceSelector: nsSel, selector, topologyKey };
}

export function parseRequiredTerms(v: unknown, podNamespace: string): AffinityTerm[] {
  const out: AffinityTerm[] = [];
  for (const t of Array.isArray(v) ? v : []) {
    if (!isPlainObject(t)) continue;
    const term = parseTerm(t, podNamespace);
    if (term) out.push(term);
  }
  return out;
}

export function parsePreferredTerms(v: unknown, podNamespace: string): WeightedAffinityTerm[] {
  const out: WeightedAffinityTerm[] = [];
  for (const w of Array.isArray(v) ? v : []) {
    if (!isPlainObject(w) || typeof w.weight !== 'number' || w.weight === 0 || !isPlainObject(w.podAffinityTerm)) continue;
    const term = parseTerm(w.podAffinityTerm, podNamespace);
    if (term) out.push({ ...term, weight: w.weight });
  }
  return out;
}

/**
 * Whether `term` selects `target`. `nsLabels` gives the labels of the target's namespace; it is
 * only called when the term has a namespaceSelector and the namespace is not listed.
 */
export function termMatches(term: AffinityTerm, target: AffinityTarget, nsLabels: (ns: string) => Record<string, string> | undefined): boolean {
  if (term.selector === null) return false;
  if (!term.namespaces.has(target.namespace)) {
    if (term.namespaceSelector === null) return false;
    // A namespace not (yet) in the cache has no labels, as upstream's snapshot treats it.
    if (!matchesLabels(term.namespaceSelector, nsLabels(target.namespace) ?? {})) return false;
  }
  return matchesLabels(term.selector, target.labels);
}

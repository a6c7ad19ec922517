/**
 * Node selectors and node affinity (component-helpers/scheduling/corev1/nodeaffinity):
 * `spec.nodeSelector` (every pair must match) AND the required node affinity terms (any term
 * may match; within a term every expression must). Operators In, NotIn, Exists, DoesNotExist,
 * Gt, Lt on labels; matchFields supports metadata.name (the only field upstream allows).
 */
import type { NodeAffinity, NodeSelectorRequirement, NodeSelectorTerm } from '../framework/podinfo.js';

export function matchRequirement(r: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.prototype.hasOwnProperty.call(labels, r.key);
  const v = labels[r.key];
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return has && values.includes(v);
    case 'NotIn':
      return !has || !values.includes(v);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      if (!/^-?\d+$/.test(v) || !/^-?\d+$/.test(values[0])) return false;
      const a = BigInt(v);
      const b = BigInt(values[0]);
      return r.operator === 'Gt' ? a > b : a < b;
    }
    default:
      return false;
  }
}

function matchField(r: NodeSelectorRequirement, nodeName: string): boolean {
  if (r.key !== 'metadata.name') return false;
  return matchRequirement(r, { 'metadata.name': nodeName });
}

/** A term matches when all its expressions and fields match; an empty term matches nothing. */
export function matchTerm(term: NodeSelectorTerm, labels: Record<string, string>, nodeName: string): boolean {
  const exprs = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (exprs.length === 0 && fields.length === 0) return false;
  for (const r of exprs) if (!matchRequirement(r, labels)) return false;
  for (const r of fields) if (!matchField(r, nodeName)) return false;
  return true;
}

/** The pod's hard node constraints: nodeSelector AND required node affinity. */
export class RequiredNodeAffinity {
  constructor(
    private readonly nodeSelector: Record<string, string> | undefined,
    private readonly terms: NodeSelectorTerm[] | undefined,
  ) {}

  static of(nodeSelector: Record<string, string> | undefined, affinity: NodeAffinity | undefined): RequiredNodeAffinity {
    const req = affinity?.requiredDuringSchedulingIgnoredDuringExecution;
    return new RequiredNodeAffinity(nodeSelector, req ? (req.nodeSelectorTerms ?? []) : undefined);
  }

  get empty(): boolean {
    return !this.nodeSelector && this.terms === undefined;
  }

  match(labels: Record<string, string>, nodeName: string): boolean {
    if (this.nodeSelector) {
      for (const [k, v] of Object.entries(this.nodeSelector)) if (labels[k] !== v) return false;
    }
    if (this.terms !== undefined) {
      let any = false;
      for (const t of this.terms) {
        if (matchTerm(t, labels, nodeName)) {
          any = true;
          break;
        }
      }
      if (!any) return false;
    }
    return true;
  }

  /**
   * Node names the terms are limited to by `matchFields: metadata.name In [...]` in every term
   * (PreFilter can then skip all other nodes); undefined when not limited.
   */
  nodeNames(): Set<string> | undefined {
    if (!this.terms || this.terms.length === 0) return undefined;
    const out = new Set<string>();
    for (const t of this.terms) {
      const f = (t.matchFields ?? []).find((r) => r.key === 'metadata.name' && r.operator === 'In');
      if (!f) return undefined;
      for (const v of f.values ?? []) out.add(v);
    }
    return out;
  }
}

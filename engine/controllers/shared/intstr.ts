/**
 * IntOrString helpers (k8s.io/apimachinery/pkg/util/intstr): maxSurge, maxUnavailable and
 * friends are either a count or a percentage of a total.
 */

export type IntOrString = number | string;

/**
 * GetScaledValueFromIntOrPercent: a number is returned as is; "N%" is N percent of `total`,
 * rounded up or down. Throws on anything else, as upstream returns an error.
 */
export function scaledValue(v: IntOrString | undefined | null, total: number, roundUp: boolean): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'number') {
    if (!Number.isInteger(v)) throw new Error(`invalid value for IntOrString: ${v}`);
    return v;
  }
  const m = /^(-?\d+)%$/.exec(v);
  if (!m) {
    // A numeric string is accepted by intstr.Parse-style callers; upstream rejects it here.
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const pct = Number(m[1]);
  const x = (pct * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

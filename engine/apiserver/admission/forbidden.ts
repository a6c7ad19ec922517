/**
 * admission.NewForbidden: `<resource> "<name>" is forbidden: <why>`, 403. Admission runs before
 * a generated name exists upstream, so objects created with generateName are named by their
 * prefix there ("web-7d9f8c-"); Skiff generates the name first, so the prefix is recovered here
 * to print what kubectl users and controllers' events show on real clusters.
 */
import * as errors from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import type { AdmissionContext } from '../rest.js';

const GENERATED_SUFFIX = 5;

export function admissionName(obj: KubeObject, op: AdmissionContext['op']): string {
  const name = obj.metadata.name ?? '';
  const prefix = obj.metadata.generateName;
  if (op === 'create' && prefix && name.length === Math.min(prefix.length, 58) + GENERATED_SUFFIX && name.startsWith(prefix.slice(0, 58))) return prefix;
  return name;
}

export function admissionForbidden(obj: KubeObject, ctx: AdmissionContext, why: string): errors.ApiError {
  const resource = ctx.def.group ? `${ctx.def.plural}.${ctx.def.group}` : ctx.def.plural;
  const name = admissionName(obj, ctx.op);
  // As apierrors.NewForbidden: details name the object and its resource.
  return new errors.ApiError({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message: `${resource} "${name}" is forbidden: ${why}`,
    reason: 'Forbidden',
    details: { name, group: ctx.def.group, kind: ctx.def.plural },
    code: 403,
  });
}

/** utilerrors.NewAggregate's text: one error as is, several (deduplicated) in brackets. */
export function aggregate(msgs: string[]): string {
  const uniq = [...new Set(msgs)];
  return uniq.length === 1 ? uniq[0] : `[${uniq.join(', ')}]`;
}

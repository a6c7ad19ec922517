/**
 * Generic validation shared by every kind (apimachinery's ValidateObjectMeta and the name
 * rules of k8s.io/apimachinery/pkg/util/validation), plus small helpers kind validators use.
 * Messages match the real apiserver's so kubectl prints the same text.
 */
import type { KubeObject, StatusCause } from './types.js';
import { isPlainObject } from './types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

export type NameRule = 'subdomain' | 'label' | 'path-segment';

export function validateDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 63) errs.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) {
    errs.push(
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    );
  }
  return errs;
}

export function validateDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > 253) errs.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) {
    errs.push(
      "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  return errs;
}

export function validatePathSegmentName(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  if (v.includes('/') || v.includes('%')) return [`may not contain '/' or '%'`];
  return [];
}

export function validateName(rule: NameRule, v: string): string[] {
  switch (rule) {
    case 'label':
      return validateDNS1123Label(v);
    case 'subdomain':
      return validateDNS1123Subdomain(v);
    default:
      return validatePathSegmentName(v);
  }
}

function validateQualifiedName(key: string): string[] {
  const parts = key.split('/');
  if (parts.length > 2) return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"];
  const [prefix, name] = parts.length === 2 ? parts : [undefined, parts[0]];
  const errs: string[] = [];
  if (prefix !== undefined) {
    if (!prefix) errs.push('prefix part must be non-empty');
    else errs.push(...validateDNS1123Subdomain(prefix).map((e) => `prefix part ${e}`));
  }
  if (!name) errs.push('name part must be non-empty');
  else if (name.length > 63) errs.push('name part must be no more than 63 characters');
  else if (!QUALIFIED_NAME.test(name))
    errs.push(
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    );
  return errs;
}

export function validateLabels(labels: unknown, field: string): StatusCause[] {
  const out: StatusCause[] = [];
  if (labels === undefined || labels === null) return out;
  if (!isPlainObject(labels)) return [{ reason: 'FieldValueInvalid', field, message: 'must be a map of strings' }];
  for (const [k, v] of Object.entries(labels)) {
    for (const e of validateQualifiedName(k)) out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${k}": ${e}` });
    if (typeof v !== 'string') out.push({ reason: 'FieldValueInvalid', field: `${field}`, message: `Invalid value: ${JSON.stringify(v)}: must be a string` });
    else if (v.length > 63 || !LABEL_VALUE.test(v))
      out.push({
        reason: 'FieldValueInvalid',
        field,
        message: `Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`,
      });
  }
  return out;
}

export function validateAnnotations(ann: unknown, field: string): StatusCause[] {
  if (ann === undefined || ann === null) return [];
  if (!isPlainObject(ann)) return [{ reason: 'FieldValueInvalid', field, message: 'must be a map of strings' }];
  const out: StatusCause[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(ann)) {
    for (const e of validateQualifiedName(k)) out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: "${k}": ${e}` });
    if (typeof v !== 'string') out.push({ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(v)}: must be a string` });
    else total += k.length + v.length;
  }
  if (total > 256 * 1024) out.push({ reason: 'FieldValueTooLong', field, message: `Too long: must have at most 262144 bytes` });
  return out;
}

/** ObjectMeta checks: name (or generateName), namespace presence, labels, annotations. */
export function validateObjectMeta(obj: KubeObject, namespaced: boolean, rule: NameRule): StatusCause[] {
  const out: StatusCause[] = [];
  const m = obj.metadata;
  const name = m.name;
  if (!name) {
    if (!m.generateName) out.push({ reason: 'FieldValueRequired', field: 'metadata.name', message: 'Required value: name or generateName is required' });
  } else {
    for (const e of validateName(rule, name)) out.push({ reason: 'FieldValueInvalid', field: 'metadata.name', message: `Invalid value: "${name}": ${e}` });
  }
  if (namespaced && !m.namespace) out.push({ reason: 'FieldValueRequired', field: 'metadata.namespace', message: 'Required value' });
  if (!namespaced && m.namespace) out.push({ reason: 'FieldValueForbidden', field: 'metadata.namespace', message: 'Forbidden: not allowed on this type' });
  out.push(...validateLabels(m.labels, 'metadata.labels'));
  out.push(...validateAnnotations(m.annotations, 'metadata.annotations'));
  if (m.finalizers !== undefined && (!Array.isArray(m.finalizers) || m.finalizers.some((f) => typeof f !== 'string'))) {
    out.push({ reason: 'FieldValueInvalid', field: 'metadata.finalizers', message: 'must be a list of strings' });
  }
  return out;
}

export function required(v: unknown, field: string): StatusCause[] {
  if (v === undefined || v === null || v === '') return [{ reason: 'FieldValueRequired', field, message: 'Required value' }];
  return [];
}

export function nonNegativeInt(v: unknown, field: string): StatusCause[] {
  if (v === undefined || v === null) return [];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) {
    return [{ reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(v)}: must be greater than or equal to 0` }];
  }
  return [];
}

export function invalidValue(field: string, value: unknown, why: string): StatusCause {
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${JSON.stringify(value)}: ${why}` };
}

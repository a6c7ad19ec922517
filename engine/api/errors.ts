/**
 * Every failure the API can report, as a Kubernetes `Status`. Handlers throw `ApiError`; the
 * HTTP layer turns it into the Status body and code kubectl expects, so kubectl prints the same
 * messages it prints for a real cluster ("Error from server (NotFound): pods "x" not found").
 */
import type { Status, StatusCause } from './types.js';

export class ApiError extends Error {
  readonly status: Status;
  constructor(status: Status) {
    super(status.message ?? status.reason ?? 'error');
    this.status = status;
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

function failure(code: number, reason: string, message: string, details?: Status['details']): ApiError {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
  if (details) s.details = details;
  return new ApiError(s);
}

/** `resource` is the plural resource name with its group, e.g. "pods" or "deployments.apps". */
export function notFound(resource: string, name: string, group?: string): ApiError {
  return failure(404, 'NotFound', `${qualified(resource, group)} "${name}" not found`, detail(name, resource, group));
}

export function alreadyExists(resource: string, name: string, group?: string): ApiError {
  return failure(409, 'AlreadyExists', `${qualified(resource, group)} "${name}" already exists`, detail(name, resource, group));
}

export function conflict(resource: string, name: string, why: string, group?: string): ApiError {
  return failure(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(resource, group)} "${name}": ${why}`,
    detail(name, resource, group),
  );
}

/** 422 with field causes, printed by kubectl as `The Kind "name" is invalid: field: msg`. */
export function invalid(kind: string, name: string, causes: StatusCause[], group?: string): ApiError {
  const list = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message ?? '')).join(', ');
  const msg = causes.length === 1 ? list : `[${list}]`;
  return failure(422, 'Invalid', `${kind}${group ? '.' + group : ''} "${name}" is invalid: ${msg}`, {
    name,
    group: group ?? '',
    kind,
    causes,
  });
}

export function badRequest(message: string): ApiError {
  return failure(400, 'BadRequest', message);
}

export function unauthorized(): ApiError {
  return failure(401, 'Unauthorized', 'Unauthorized');
}

export function forbidden(message: string): ApiError {
  return failure(403, 'Forbidden', message);
}

/**
 * 403 about one object, as upstream's NewForbidden: `configmaps "y" is forbidden: <why>`
 * (`configmaps is forbidden: <why>` without a name).
 */
export function forbiddenObject(resource: string, name: string, why: string, group?: string, causes?: StatusCause[]): ApiError {
  const what = name ? `${qualified(resource, group)} "${name}"` : qualified(resource, group);
  const details: NonNullable<Status['details']> = { name, group: group ?? '', kind: resource };
  if (causes?.length) details.causes = causes;
  return failure(403, 'Forbidden', `${what} is forbidden: ${why}`, details);
}

export function methodNotAllowed(message = 'the server does not allow this method on the requested resource'): ApiError {
  return failure(405, 'MethodNotAllowed', message);
}

export function notAcceptable(message: string): ApiError {
  return failure(406, 'NotAcceptable', message);
}

export function unsupportedMediaType(contentType: string): ApiError {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf (got ${contentType})`);
}

export function tooLarge(message = 'the request is too large'): ApiError {
  return failure(413, 'RequestEntityTooLarge', message);
}

export function gone(message: string): ApiError {
  return failure(410, 'Expired', message);
}

export function internal(message: string): ApiError {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`);
}

export function serviceUnavailable(message: string): ApiError {
  return failure(503, 'ServiceUnavailable', message);
}

export function timeout(message: string): ApiError {
  return failure(504, 'Timeout', message);
}

export function successStatus(details?: Status['details']): Status {
  const s: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success', code: 200 };
  if (details) s.details = details;
  return s;
}

function qualified(resource: string, group?: string): string {
  return group ? `${resource}.${group}` : resource;
}

function detail(name: string, resource: string, group?: string): Status['details'] {
  const d: Status['details'] = { name, kind: resource };
  if (group) d.group = group;
  return d;
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/**
 * The storage-less review kinds: a create answers the same object with `status` filled in.
 *
 *   authentication.k8s.io/v1  SelfSubjectReview   `kubectl auth whoami`
 *                             TokenReview         does this token authenticate, as whom
 *   authorization.k8s.io/v1   SelfSubjectAccessReview   `kubectl auth can-i VERB RESOURCE`
 *                             SelfSubjectRulesReview    `kubectl auth can-i --list`
 *                             SubjectAccessReview, LocalSubjectAccessReview (for another user)
 */
import * as errors from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import type { Authenticator } from './authenticator.js';
import type { Attributes, Authorizer } from './rbac.js';
import type { UserInfo } from './user.js';

type Obj = Record<string, unknown>;

export interface ReviewContext {
  user: UserInfo;
  /** The URL's namespace (LocalSubjectAccessReview). */
  namespace?: string;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function attributesOf(spec: Obj, kind: string): Attributes {
  const ra = isPlainObject(spec.resourceAttributes) ? spec.resourceAttributes : undefined;
  const nra = isPlainObject(spec.nonResourceAttributes) ? spec.nonResourceAttributes : undefined;
  if (ra && nra) throw errors.invalid(kind, '', [{ reason: 'FieldValueInvalid', field: 'spec.nonResourceAttributes', message: `Invalid value: ${JSON.stringify(nra)}: cannot be specified in combination with resourceAttributes` }], 'authorization.k8s.io');
  if (nra) return { verb: str(nra.verb) ?? '', resourceRequest: false, path: str(nra.path) ?? '' };
  if (!ra) throw errors.invalid(kind, '', [{ reason: 'FieldValueRequired', field: 'spec.resourceAttributes', message: 'Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified' }], 'authorization.k8s.io');
  return {
    verb: str(ra.verb) ?? '',
    resourceRequest: true,
    namespace: str(ra.namespace) || undefined,
    group: str(ra.group) ?? '',
    version: str(ra.version),
    resource: str(ra.resource) ?? '',
    subresource: str(ra.subresource) || undefined,
    name: str(ra.name) || undefined,
  };
}

function userInfoJson(u: UserInfo): Obj {
  const o: Obj = { username: u.username };
  if (u.uid) o.uid = u.uid;
  o.groups = u.groups;
  if (u.extra) o.extra = u.extra;
  return o;
}

export class Reviews {
  constructor(
    private readonly authn: Authenticator,
    private readonly authz: Authorizer,
  ) {}

  /** The answer to a create of `kind` (group authorization.k8s.io or authentication.k8s.io). */
  review(kind: string, body: KubeObject, ctx: ReviewContext): KubeObject {
    const spec: Obj = isPlainObject(body.spec) ? body.spec : {};
    const out: KubeObject = { ...body, metadata: { ...body.metadata, creationTimestamp: null } };
    switch (kind) {
      case 'SelfSubjectReview':
        out.status = { userInfo: userInfoJson(ctx.user) };
        return out;
      case 'TokenReview': {
        const token = str(spec.token) ?? '';
        const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences as string[]) : undefined;
        const r = token ? this.authn.authenticateToken(token, audiences) : undefined;
        out.status = r ? { authenticated: true, user: userInfoJson(r.user), audiences: r.audiences } : { user: {}, error: token ? 'invalid bearer token' : 'token is required' };
        return out;
      }
      case 'SelfSubjectAccessReview':
        out.status = this.decide(ctx.user, attributesOf(spec, kind));
        return out;
      case 'SubjectAccessReview':
      case 'LocalSubjectAccessReview': {
        const attrs = attributesOf(spec, kind);
        if (kind === 'LocalSubjectAccessReview') {
          if (attrs.resourceRequest && attrs.namespace !== ctx.namespace) {
            throw errors.invalid(kind, '', [{ reason: 'FieldValueInvalid', field: 'spec.resourceAttributes.namespace', message: `Invalid value: ${JSON.stringify(attrs.namespace ?? '')}: must match metadata.namespace` }], 'authorization.k8s.io');
          }
        }
        const user: UserInfo = { username: str(spec.user) ?? '', groups: Array.isArray(spec.groups) ? (spec.groups as string[]) : [] };
        if (str(spec.uid)) user.uid = str(spec.uid);
        if (isPlainObject(spec.extra)) user.extra = spec.extra as Record<string, string[]>;
        if (!user.username && user.groups.length === 0) {
          throw errors.invalid(kind, '', [{ reason: 'FieldValueInvalid', field: 'spec.user', message: 'Invalid value: "": at least one of user or group must be specified' }], 'authorization.k8s.io');
        }
        out.status = this.decide(user, attrs);
        return out;
      }
      case 'SelfSubjectRulesReview': {
        const ns = str(spec.namespace) || undefined;
        const r = this.authz.rulesFor(ctx.user, ns);
        out.status = { resourceRules: r.resourceRules, nonResourceRules: r.nonResourceRules, incomplete: false };
        return out;
      }
    }
    throw errors.notFound('', kind);
  }

  private decide(user: UserInfo, attrs: Attributes): Obj {
    const d = this.authz.authorize(user, attrs);
    const st: Obj = { allowed: d.allowed };
    if (d.reason) st.reason = d.reason;
    return st;
  }
}

/**
 * Authentication, authorization and the token issuer, assembled for the API server:
 * `installAuth` builds them over the server's REST storage, creates the bootstrap RBAC policy,
 * and registers the admission step that fills legacy service-account token Secrets.
 */
import * as errors from '../../api/errors.js';
import type { Clock } from '../../api/clock.js';
import type { Registry } from '../../api/registry.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import type { Rest } from '../rest.js';
import { Authenticator } from './authenticator.js';
import { Authorizer } from './rbac.js';
import { Reviews, type ReviewContext } from './reviews.js';
import { API_AUDIENCES, TokenIssuer, type BoundRef } from './tokens.js';

export { Authenticator } from './authenticator.js';
export { Authorizer, forbiddenMessage, type Attributes } from './rbac.js';
export { Reviews, type ReviewContext } from './reviews.js';
export { TokenIssuer, decodeJwtPayload } from './tokens.js';
export * from './user.js';

type Obj = Record<string, unknown>;

/** Upstream's minimum TokenRequest lifetime, and the default when none is asked. */
const MIN_EXPIRATION = 600;
const DEFAULT_EXPIRATION = 3600;
const MAX_EXPIRATION = 2 ** 32;

export const SA_TOKEN_SECRET = 'kubernetes.io/service-account-token';

export interface AuthOptions {
  rest: Rest;
  registry: Registry;
  clock: Clock;
  adminToken: string;
  /** PEM private key tokens are signed with (the serving key). */
  signingKey: string;
  /** The cluster CA, written into legacy token Secrets as ca.crt. */
  caCert: string;
}

export interface Auth {
  authenticator: Authenticator;
  authorizer: Authorizer;
  reviews: Reviews;
  issuer: TokenIssuer;
  review(kind: string, body: KubeObject, ctx: ReviewContext): KubeObject;
  /** serviceaccounts/<name>/token: answers the TokenRequest with status.token filled in. */
  requestToken(sa: KubeObject, body: Obj, dryRun: boolean): Obj;
}

export function installAuth(o: AuthOptions): Auth {
  const issuer = new TokenIssuer(o.signingKey);
  const authenticator = new Authenticator(o.adminToken, issuer, o.rest, o.registry, o.clock);
  const authorizer = new Authorizer(o.rest, o.registry);
  const reviews = new Reviews(authenticator, authorizer);
  authorizer.bootstrap();
  installLegacyTokenAdmission(o, issuer);
  return {
    authenticator,
    authorizer,
    reviews,
    issuer,
    review: (kind, body, ctx) => reviews.review(kind, body, ctx),
    requestToken: (sa, body, dryRun) => requestToken(o, issuer, sa, body, dryRun),
  };
}

function requestToken(o: AuthOptions, issuer: TokenIssuer, sa: KubeObject, body: Obj, dryRun: boolean): Obj {
  if (body.kind !== undefined && body.kind !== 'TokenRequest') throw errors.badRequest(`the kind in the data (${String(body.kind)}) does not match the expected kind (TokenRequest)`);
  const spec: Obj = isPlainObject(body.spec) ? { ...body.spec } : {};
  const name = sa.metadata.name as string;
  const namespace = sa.metadata.namespace as string;
  const seconds = spec.expirationSeconds ?? DEFAULT_EXPIRATION;
  if (typeof seconds !== 'number' || !Number.isInteger(seconds)) throw errors.badRequest('spec.expirationSeconds must be an integer');
  if (seconds < MIN_EXPIRATION) {
    throw errors.invalid('TokenRequest', name, [{ reason: 'FieldValueInvalid', field: 'spec.expirationSeconds', message: `Invalid value: ${seconds}: may not specify a duration less than 10 minutes` }], 'authentication.k8s.io');
  }
  if (seconds > MAX_EXPIRATION) {
    throw errors.invalid('TokenRequest', name, [{ reason: 'FieldValueTooLong', field: 'spec.expirationSeconds', message: `Invalid value: ${seconds}: may not specify a duration larger than 2^32 seconds` }], 'authentication.k8s.io');
  }
  const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences as string[]) : API_AUDIENCES;
  let bound: BoundRef | undefined;
  if (isPlainObject(spec.boundObjectRef)) {
    const ref = spec.boundObjectRef;
    const kind = ref.kind;
    if (kind !== 'Pod' && kind !== 'Secret' && kind !== 'Node') {
      throw errors.invalid('TokenRequest', name, [{ reason: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', message: `Unsupported value: ${JSON.stringify(kind)}: supported values: "Pod", "Secret", "Node"` }], 'authentication.k8s.io');
    }
    const def = o.registry.byGroupKind('', kind);
    const target = def ? o.rest.tryGet(def, kind === 'Node' ? undefined : namespace, String(ref.name ?? ''))?.obj : undefined;
    if (!target || !def) throw errors.notFound(def?.plural ?? kind.toLowerCase() + 's', String(ref.name ?? ''));
    if (typeof ref.uid === 'string' && ref.uid && ref.uid !== target.metadata.uid) {
      throw errors.conflict(def.plural, String(ref.name), `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
    }
    bound = { kind, name: target.metadata.name as string, uid: target.metadata.uid as string };
  }
  const now = o.clock.now();
  const { token, expires } = dryRun ? { token: '', expires: new Date(now.getTime() + seconds * 1000) } : issuer.issue({ namespace, name, uid: sa.metadata.uid as string, audiences, seconds, now, bound });
  spec.audiences = audiences;
  spec.expirationSeconds = seconds;
  spec.boundObjectRef ??= null;
  return {
    kind: 'TokenRequest',
    apiVersion: 'authentication.k8s.io/v1',
    metadata: { name, namespace, creationTimestamp: isPlainObject(body.metadata) ? (body.metadata.creationTimestamp ?? null) : null },
    spec,
    status: { token, expirationTimestamp: expires.toISOString().replace(/\.\d+Z$/, 'Z') },
  };
}

/**
 * Secrets of type kubernetes.io/service-account-token naming an existing service account get a
 * long-lived token, ca.crt and namespace, as the token controller fills them upstream.
 */
function installLegacyTokenAdmission(o: AuthOptions, issuer: TokenIssuer): void {
  o.rest.addAdmission((obj, _old, ctx) => {
    if (ctx.op !== 'create' || ctx.def.kind !== 'Secret' || ctx.def.group !== '' || obj.type !== SA_TOKEN_SECRET) return;
    const ann = obj.metadata.annotations ?? {};
    const saName = ann['kubernetes.io/service-account.name'];
    if (!saName) {
      throw errors.invalid('Secret', obj.metadata.name ?? '', [{ reason: 'FieldValueRequired', field: 'metadata.annotations[kubernetes.io/service-account.name]', message: 'Required value' }]);
    }
    const saDef = o.registry.byGroupKind('', 'ServiceAccount');
    const sa = saDef ? o.rest.tryGet(saDef, obj.metadata.namespace, saName)?.obj : undefined;
    if (!sa || !obj.metadata.name) return; // upstream's controller leaves (then deletes) such Secrets
    const data: Obj = isPlainObject(obj.data) ? { ...obj.data } : {};
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    data.token = b64(issuer.issueLegacy(obj.metadata.namespace as string, saName, sa.metadata.uid as string, obj.metadata.name));
    data['ca.crt'] = b64(o.caCert);
    data.namespace = b64(obj.metadata.namespace as string);
    obj.data = data;
    obj.metadata.annotations = { ...ann, 'kubernetes.io/service-account.uid': sa.metadata.uid as string };
  });
}

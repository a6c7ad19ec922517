/**
 * Authentication (k8s.io/apiserver's union authenticator, the parts Skiff has) and impersonation:
 *
 * - the admin bearer token from the kubeconfig → skiff-admin in system:masters;
 * - a client certificate signed by the cluster CA → its CN as user, its O entries as groups;
 * - a service account token this server issued (TokenRequest or a legacy token Secret) → the
 *   service account, while it and the object the token is bound to still exist.
 *
 * `Impersonate-User` / `-Group` / `-Uid` / `-Extra-*` headers (kubectl --as, --as-group) then
 * switch to another user if the caller may `impersonate` it.
 */
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import * as errors from '../../api/errors.js';
import type { Clock } from '../../api/clock.js';
import type { Registry } from '../../api/registry.js';
import type { KubeObject } from '../../api/types.js';
import { isPlainObject } from '../../api/types.js';
import { tokenMatches } from '../certs.js';
import type { Rest } from '../rest.js';
import type { Authorizer } from './rbac.js';
import { forbiddenMessage } from './rbac.js';
import { API_AUDIENCES, isLegacy, type TokenIssuer } from './tokens.js';
import { ADMIN, AUTHENTICATED, parseServiceAccountUser, serviceAccountUser, type UserInfo } from './user.js';

export class Authenticator {
  constructor(
    private readonly adminToken: string,
    readonly issuer: TokenIssuer,
    private readonly rest: Rest,
    private readonly registry: Registry,
    private readonly clock: Clock,
  ) {}

  /** The caller of a request, or undefined (401). */
  authenticate(req: IncomingMessage): UserInfo | undefined {
    const auth = req.headers.authorization;
    if (auth && /^bearer /i.test(auth)) {
      const token = auth.slice(7).trim();
      if (tokenMatches(this.adminToken, token)) return ADMIN;
      return this.authenticateToken(token)?.user;
    }
    const sock = req.socket as TLSSocket;
    // A client certificate signed by our CA (verified by TLS) authenticates as its CN.
    if (typeof sock.authorized === 'boolean' && sock.authorized) {
      const cert = sock.getPeerCertificate?.();
      const subject = cert?.subject;
      if (subject?.CN) {
        const o = subject.O;
        const groups = (Array.isArray(o) ? o : o ? [o] : []).filter((g) => g);
        return { username: Array.isArray(subject.CN) ? subject.CN[0] : subject.CN, groups: [...groups, AUTHENTICATED] };
      }
    }
    return undefined;
  }

  /** TokenReview and bearer authentication of service account tokens. */
  authenticateToken(token: string, audiences: string[] = API_AUDIENCES): { user: UserInfo; audiences: string[] } | undefined {
    if (tokenMatches(this.adminToken, token)) return { user: ADMIN, audiences };
    const claims = this.issuer.verify(token, this.clock.now());
    if (!claims) return undefined;
    const sa = this.registry.byGroupKind('', 'ServiceAccount');
    if (!sa) return undefined;
    if (isLegacy(claims)) {
      const ns = claims['kubernetes.io/serviceaccount/namespace'];
      const name = claims['kubernetes.io/serviceaccount/service-account.name'];
      const acct = this.rest.tryGet(sa, ns, name)?.obj;
      if (!acct || acct.metadata.uid !== claims['kubernetes.io/serviceaccount/service-account.uid']) return undefined;
      const secretDef = this.registry.byGroupKind('', 'Secret');
      const secret = secretDef ? this.rest.tryGet(secretDef, ns, claims['kubernetes.io/serviceaccount/secret.name'])?.obj : undefined;
      const data = secret && isPlainObject(secret.data) ? secret.data : {};
      if (typeof data.token !== 'string' || Buffer.from(data.token, 'base64').toString('utf8') !== token) return undefined;
      return { user: serviceAccountUser(ns, name, acct.metadata.uid), audiences };
    }
    const aud = claims.aud.filter((a) => audiences.includes(a));
    if (aud.length === 0) return undefined;
    const priv = claims['kubernetes.io'];
    const acct = this.rest.tryGet(sa, priv.namespace, priv.serviceaccount.name)?.obj;
    if (!acct || acct.metadata.uid !== priv.serviceaccount.uid) return undefined;
    const extra: Record<string, string[]> = { 'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`] };
    const bound: [string, { name: string; uid: string } | undefined, string | undefined][] = [
      ['Pod', priv.pod, priv.namespace],
      ['Secret', priv.secret, priv.namespace],
      ['Node', priv.node, undefined],
    ];
    for (const [kind, ref, ns] of bound) {
      if (!ref) continue;
      const def = this.registry.byGroupKind('', kind);
      const o: KubeObject | undefined = def ? this.rest.tryGet(def, ns, ref.name)?.obj : undefined;
      if (!o || o.metadata.uid !== ref.uid) return undefined;
      if (kind === 'Pod') {
        extra['authentication.kubernetes.io/pod-name'] = [ref.name];
        extra['authentication.kubernetes.io/pod-uid'] = [ref.uid];
        const node = isPlainObject(o.spec) && typeof o.spec.nodeName === 'string' ? o.spec.nodeName : '';
        if (node) extra['authentication.kubernetes.io/node-name'] = [node];
      }
      if (kind === 'Node') extra['authentication.kubernetes.io/node-name'] = [ref.name];
    }
    return { user: serviceAccountUser(priv.namespace, priv.serviceaccount.name, acct.metadata.uid, extra), audiences: aud };
  }

  /**
   * Applies Impersonate-* headers: returns the user to act as, or throws 403 when the caller
   * may not impersonate it (upstream's impersonation filter).
   */
  impersonate(req: IncomingMessage, user: UserInfo, authorizer: Authorizer): UserInfo {
    const h = req.headers;
    const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v);
    const many = (v: string | string[] | undefined) => (v === undefined ? [] : Array.isArray(v) ? v.flatMap((x) => x.split(',').map((s) => s.trim())) : [v]);
    const target = one(h['impersonate-user']);
    const groups = many(h['impersonate-group']);
    const uid = one(h['impersonate-uid']);
    const extra: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(h)) {
      if (!k.startsWith('impersonate-extra-')) continue;
      extra[decodeURIComponent(k.slice('impersonate-extra-'.length))] = many(v);
    }
    if (target === undefined) {
      if (groups.length || uid || Object.keys(extra).length) throw errors.internal('requested impersonation without a user');
      return user;
    }
    const check = (resource: string, name: string, group = '', namespace?: string, subresource?: string) => {
      const a = { verb: 'impersonate', resourceRequest: true, group, resource, name, namespace, subresource };
      const d = authorizer.authorize(user, a);
      if (!d.allowed) throw errors.forbidden(forbiddenMessage(user, a));
    };
    const sa = parseServiceAccountUser(target);
    if (sa) check('serviceaccounts', sa[1], '', sa[0]);
    else check('users', target);
    for (const g of groups) check('groups', g);
    if (uid) check('uids', uid, 'authentication.k8s.io');
    for (const [k, vs] of Object.entries(extra)) for (const v of vs) check('userextras', v, 'authentication.k8s.io', undefined, k);
    let out: UserInfo;
    if (sa && groups.length === 0) out = serviceAccountUser(sa[0], sa[1]);
    else {
      out = { username: target, groups: [...groups] };
      if (target !== 'system:anonymous' && !out.groups.includes(AUTHENTICATED)) out.groups.push(AUTHENTICATED);
    }
    if (uid) out.uid = uid;
    if (Object.keys(extra).length) out.extra = extra;
    return out;
  }
}

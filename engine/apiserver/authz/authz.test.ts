import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { Store } from '../../store/store.js';
import { Rest } from '../rest.js';
import { buildRegistry } from '../../api/resources/index.js';
import { FakeClock } from '../../api/clock.js';
import { ApiError } from '../../api/errors.js';
import type { KubeObject } from '../../api/types.js';
import { ADMIN, decodeJwtPayload, forbiddenMessage, installAuth, TokenIssuer } from './index.js';
import { ruleAllows } from './rbac.js';
import { decodeAuthProtobuf } from './protobuf.js';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });

function env() {
  const registry = buildRegistry();
  const clock = new FakeClock();
  const rest = new Rest(new Store({ path: ':memory:' }), registry, clock);
  const def = (group: string, kind: string) => registry.byGroupKind(group, kind)!;
  rest.create(def('', 'Namespace'), undefined, { metadata: { name: 'default' } });
  const sa = rest.create(def('', 'ServiceAccount'), 'default', { metadata: { name: 'bot' } }).obj;
  const auth = installAuth({ rest, registry, clock, adminToken: 'admin-secret', signingKey: privateKey, caCert: 'CA' });
  return { rest, registry, clock, def, sa, auth };
}

const bearer = (token: string) => ({ headers: { authorization: `Bearer ${token}` }, socket: {} }) as unknown as IncomingMessage;

describe('service account tokens', () => {
  it('issues RS256 JWTs with upstream claims and verifies them until expiry', () => {
    const clock = new FakeClock();
    const issuer = new TokenIssuer(privateKey);
    const { token, expires } = issuer.issue({ namespace: 'ns', name: 'sa', uid: 'u1', seconds: 3600, now: clock.now() });
    const [head] = token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(head, 'base64url').toString()), { alg: 'RS256', kid: issuer.keyId });
    const claims = decodeJwtPayload(token)!;
    assert.equal(claims.sub, 'system:serviceaccount:ns:sa');
    assert.deepEqual(claims.aud, ['https://kubernetes.default.svc.cluster.local']);
    assert.deepEqual(claims['kubernetes.io'], { namespace: 'ns', serviceaccount: { name: 'sa', uid: 'u1' } });
    assert.equal(expires.getTime() - clock.now().getTime(), 3600_000);
    assert.ok(issuer.verify(token, clock.now()));
    assert.equal(issuer.verify(token, new Date(clock.now().getTime() + 3700_000)), undefined, 'expired');
    assert.equal(issuer.verify(token.slice(0, -4) + 'AAAA', clock.now()), undefined, 'bad signature');
    assert.equal(new TokenIssuer(generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } }).privateKey).verify(token, clock.now()), undefined, 'another key');
  });

  it('signs ES256 (raw r||s, 64 bytes) with the EC P-256 keys Skiff generates', () => {
    const clock = new FakeClock();
    const ec = generateKeyPairSync('ec', { namedCurve: 'prime256v1', privateKeyEncoding: { type: 'sec1', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
    const issuer = new TokenIssuer(ec.privateKey);
    const { token } = issuer.issue({ namespace: 'ns', name: 'sa', uid: 'u1', seconds: 3600, now: clock.now() });
    const [head, , sig] = token.split('.');
    assert.deepEqual(JSON.parse(Buffer.from(head, 'base64url').toString()), { alg: 'ES256', kid: issuer.keyId });
    assert.equal(Buffer.from(sig, 'base64url').length, 64);
    assert.ok(issuer.verify(token, clock.now()));
    assert.ok(issuer.verify(issuer.issueLegacy('ns', 'sa', 'u1', 's'), clock.now()));
    assert.equal(issuer.verify(token.slice(0, -4) + 'AAAA', clock.now()), undefined, 'bad signature');
    // A token of the RSA issuer is not accepted by the EC one (alg and key differ).
    assert.equal(issuer.verify(new TokenIssuer(privateKey).issue({ namespace: 'ns', name: 'sa', uid: 'u1', seconds: 60, now: clock.now() }).token, clock.now()), undefined);
  });

  it('authenticates the admin token and live service account tokens only', () => {
    const { auth, rest, def, sa } = env();
    assert.equal(auth.authenticator.authenticate(bearer('admin-secret')), ADMIN);
    const tr = auth.requestToken(sa, { spec: { expirationSeconds: 600 } }, false) as { status: { token: string; expirationTimestamp: string }; spec: { audiences: string[] } };
    assert.match(tr.status.expirationTimestamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.deepEqual(tr.spec.audiences, ['https://kubernetes.default.svc.cluster.local']);
    const user = auth.authenticator.authenticate(bearer(tr.status.token));
    assert.equal(user?.username, 'system:serviceaccount:default:bot');
    assert.deepEqual(user?.groups, ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated']);
    const other = auth.requestToken(sa, { spec: { audiences: ['vault'] } }, false) as { status: { token: string } };
    assert.equal(auth.authenticator.authenticate(bearer(other.status.token)), undefined, 'not for this audience');
    assert.throws(() => auth.requestToken(sa, { spec: { expirationSeconds: 60 } }, false), (e: unknown) => e instanceof ApiError && e.code === 422);
    rest.delete(def('', 'ServiceAccount'), 'default', 'bot');
    assert.equal(auth.authenticator.authenticate(bearer(tr.status.token)), undefined, 'the service account is gone');
    assert.equal(auth.authenticator.authenticate(bearer('nope')), undefined);
  });

  it('fills legacy token Secrets, whose tokens authenticate while the Secret exists', () => {
    const { auth, rest, def } = env();
    const S = def('', 'Secret');
    const s = rest.create(S, 'default', { metadata: { name: 'bot-token', annotations: { 'kubernetes.io/service-account.name': 'bot' } }, type: 'kubernetes.io/service-account-token' }).obj as KubeObject & { data: Record<string, string> };
    assert.equal(Buffer.from(s.data['ca.crt'], 'base64').toString(), 'CA');
    const token = Buffer.from(s.data.token, 'base64').toString();
    assert.equal(auth.authenticator.authenticate(bearer(token))?.username, 'system:serviceaccount:default:bot');
    rest.delete(S, 'default', 'bot-token');
    assert.equal(auth.authenticator.authenticate(bearer(token)), undefined);
  });
});

describe('RBAC', () => {
  it('matches rules like upstream', () => {
    const a = { verb: 'get', resourceRequest: true, group: 'apps', resource: 'deployments', subresource: 'scale', name: 'web', namespace: 'x' };
    assert.ok(ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'] }));
    assert.ok(ruleAllows(a, { verbs: ['*'], apiGroups: ['*'], resources: ['*/scale'] }));
    assert.ok(!ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments'] }), 'a subresource must be named');
    assert.ok(!ruleAllows(a, { verbs: ['get'], apiGroups: ['apps'], resources: ['deployments/scale'], resourceNames: ['other'] }));
    assert.ok(ruleAllows({ verb: 'get', resourceRequest: false, path: '/apis/apps' }, { verbs: ['get'], nonResourceURLs: ['/apis/*'] }));
  });

  it('bootstraps roles; bindings grant service accounts what their roles say', () => {
    const { auth, rest, def } = env();
    const bot = { username: 'system:serviceaccount:default:bot', groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'] };
    const list = { verb: 'list', resourceRequest: true, group: '', resource: 'pods', namespace: 'default' };
    assert.equal(auth.authorizer.authorize(bot, list).allowed, false);
    assert.equal(forbiddenMessage(bot, list), 'pods is forbidden: User "system:serviceaccount:default:bot" cannot list resource "pods" in API group "" in the namespace "default"');
    assert.equal(auth.authorizer.authorize(bot, { verb: 'get', resourceRequest: false, path: '/api' }).allowed, true, 'system:discovery');
    rest.create(def('rbac.authorization.k8s.io', 'RoleBinding'), 'default', {
      metadata: { name: 'bot-view' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
      subjects: [{ kind: 'ServiceAccount', name: 'bot', namespace: 'default' }],
    });
    const d = auth.authorizer.authorize(bot, list);
    assert.equal(d.allowed, true, 'view aggregates system:aggregate-to-view');
    assert.equal(d.reason, 'RBAC: allowed by RoleBinding "bot-view/default" of ClusterRole "view" to ServiceAccount "bot/default"');
    assert.equal(auth.authorizer.authorize(bot, { ...list, namespace: 'kube-system' }).allowed, false);
    assert.equal(auth.authorizer.authorize(bot, { ...list, verb: 'delete', name: 'p' }).allowed, false);
    assert.equal(auth.authorizer.authorize(ADMIN, { ...list, verb: 'delete' }).allowed, true);
  });

  it('answers the review kinds', () => {
    const { auth } = env();
    const ssar = auth.review('SelfSubjectAccessReview', { metadata: {}, spec: { resourceAttributes: { verb: 'create', resource: 'pods', namespace: 'default' } } }, { user: ADMIN });
    assert.deepEqual(ssar.status, { allowed: true });
    const sar = auth.review('SubjectAccessReview', { metadata: {}, spec: { user: 'bob', resourceAttributes: { verb: 'get', resource: 'pods' } } }, { user: ADMIN });
    assert.deepEqual(sar.status, { allowed: false });
    const who = auth.review('SelfSubjectReview', { metadata: {} }, { user: ADMIN });
    assert.deepEqual(who.status, { userInfo: { username: 'skiff-admin', groups: ['system:masters', 'system:authenticated'] } });
    const rules = auth.review('SelfSubjectRulesReview', { metadata: {}, spec: { namespace: 'default' } }, { user: ADMIN }).status as { resourceRules: unknown[]; incomplete: boolean };
    assert.deepEqual(rules.resourceRules[0], { verbs: ['*'], apiGroups: ['*'], resources: ['*'] });
  });
});

describe('auth protobuf bodies', () => {
  const varint = (n: number) => {
    const out: number[] = [];
    while (n > 0x7f) {
      out.push((n & 0x7f) | 0x80);
      n >>>= 7;
    }
    out.push(n);
    return Buffer.from(out);
  };
  const field = (no: number, v: Buffer | string) => {
    const b = typeof v === 'string' ? Buffer.from(v) : v;
    return Buffer.concat([varint((no << 3) | 2), varint(b.length), b]);
  };
  const intField = (no: number, n: number) => Buffer.concat([varint(no << 3), varint(n)]);
  const envelope = (apiVersion: string, kind: string, raw: Buffer) => Buffer.concat([Buffer.from([0x6b, 0x38, 0x73, 0]), field(1, Buffer.concat([field(1, apiVersion), field(2, kind)])), field(2, raw)]);

  it('decodes SelfSubjectAccessReview and TokenRequest as kubectl sends them', () => {
    const attrs = Buffer.concat([field(1, 'default'), field(2, 'create'), field(3, ''), field(5, 'pods')]);
    const ssar = decodeAuthProtobuf(envelope('authorization.k8s.io/v1', 'SelfSubjectAccessReview', Buffer.concat([field(1, Buffer.alloc(0)), field(2, field(1, attrs))])));
    assert.deepEqual(ssar, { apiVersion: 'authorization.k8s.io/v1', kind: 'SelfSubjectAccessReview', metadata: {}, spec: { resourceAttributes: { namespace: 'default', verb: 'create', resource: 'pods' } } });
    const tr = decodeAuthProtobuf(envelope('authentication.k8s.io/v1', 'TokenRequest', Buffer.concat([field(1, field(1, 'default')), field(2, Buffer.concat([field(1, 'aud'), intField(4, 7200)]))])));
    assert.deepEqual(tr, { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', metadata: { name: 'default' }, spec: { audiences: ['aud'], expirationSeconds: 7200 } });
    assert.equal(decodeAuthProtobuf(envelope('v1', 'Pod', Buffer.alloc(0))), undefined, 'other kinds go to the shared decoder');
  });
});

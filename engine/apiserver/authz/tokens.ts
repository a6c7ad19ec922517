/**
 * Service account tokens: RS256 JWTs as kube-apiserver issues them (pkg/serviceaccount/jwt.go),
 * signed with the API server's key.
 *
 * - Bound tokens (TokenRequest, `kubectl create token`): issuer and audience
 *   https://kubernetes.default.svc.cluster.local, `exp`/`iat`/`nbf`/`jti`, and the private
 *   `kubernetes.io` claim naming the namespace, the service account (name, uid) and optionally
 *   the object the token is bound to (pod, secret, node).
 * - Legacy tokens (Secrets of type kubernetes.io/service-account-token): issuer
 *   `kubernetes/serviceaccount`, no expiry, flat `kubernetes.io/serviceaccount/*` claims; valid
 *   while the Secret exists and still holds the token.
 *
 * The key id (`kid`) is the unpadded base64url SHA-256 of the public key's DER SPKI, as upstream.
 * An EC P-256 key (what Skiff generates now) signs ES256, as upstream does for ECDSA keys; the
 * RSA keys of older data dirs keep signing RS256.
 */
import { createHash, createPrivateKey, createPublicKey, randomUUID, sign, verify, type KeyObject } from 'node:crypto';

export const ISSUER = 'https://kubernetes.default.svc.cluster.local';
export const LEGACY_ISSUER = 'kubernetes/serviceaccount';
/** The API server's own audiences: tokens for other audiences do not authenticate to it. */
export const API_AUDIENCES = [ISSUER];

export interface BoundRef {
  kind: 'Pod' | 'Secret' | 'Node';
  name: string;
  uid: string;
}

export interface BoundClaims {
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  iss: string;
  jti: string;
  sub: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
    secret?: { name: string; uid: string };
    node?: { name: string; uid: string };
  };
}

export interface LegacyClaims {
  iss: string;
  sub: string;
  'kubernetes.io/serviceaccount/namespace': string;
  'kubernetes.io/serviceaccount/secret.name': string;
  'kubernetes.io/serviceaccount/service-account.name': string;
  'kubernetes.io/serviceaccount/service-account.uid': string;
}

export type Claims = BoundClaims | LegacyClaims;

function b64url(v: Buffer | string): string {
  return Buffer.from(v).toString('base64url');
}

export class TokenIssuer {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  readonly keyId: string;
  /** JWS algorithm: RS256 for RSA keys, ES256 for P-256 keys (signature as raw r‖s, RFC 7518 §3.4). */
  readonly alg: 'RS256' | 'ES256';

  constructor(privateKeyPem: string) {
    this.privateKey = createPrivateKey(privateKeyPem);
    this.publicKey = createPublicKey(this.privateKey);
    this.keyId = b64url(createHash('sha256').update(this.publicKey.export({ type: 'spki', format: 'der' })).digest());
    this.alg = this.privateKey.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  }

  private signJwt(claims: object): string {
    const head = b64url(JSON.stringify({ alg: this.alg, kid: this.keyId }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign('sha256', Buffer.from(`${head}.${body}`), { key: this.privateKey, dsaEncoding: 'ieee-p1363' });
    return `${head}.${body}.${b64url(sig)}`;
  }

  /** A bound token for a service account, valid for `seconds` from `now`. */
  issue(opts: { namespace: string; name: string; uid: string; audiences?: string[]; seconds: number; now: Date; bound?: BoundRef }): { token: string; expires: Date } {
    const iat = Math.floor(opts.now.getTime() / 1000);
    const exp = iat + opts.seconds;
    const priv: BoundClaims['kubernetes.io'] = { namespace: opts.namespace, serviceaccount: { name: opts.name, uid: opts.uid } };
    if (opts.bound) {
      const ref = { name: opts.bound.name, uid: opts.bound.uid };
      if (opts.bound.kind === 'Pod') priv.pod = ref;
      else if (opts.bound.kind === 'Secret') priv.secret = ref;
      else priv.node = ref;
    }
    const claims: BoundClaims = {
      aud: opts.audiences?.length ? opts.audiences : API_AUDIENCES,
      exp,
      iat,
      iss: ISSUER,
      jti: randomUUID(),
      'kubernetes.io': priv,
      nbf: iat,
      sub: `system:serviceaccount:${opts.namespace}:${opts.name}`,
    };
    return { token: this.signJwt(claims), expires: new Date(exp * 1000) };
  }

  /** A legacy, non-expiring token for a kubernetes.io/service-account-token Secret. */
  issueLegacy(namespace: string, saName: string, saUid: string, secretName: string): string {
    const claims: LegacyClaims = {
      iss: LEGACY_ISSUER,
      'kubernetes.io/serviceaccount/namespace': namespace,
      'kubernetes.io/serviceaccount/secret.name': secretName,
      'kubernetes.io/serviceaccount/service-account.name': saName,
      'kubernetes.io/serviceaccount/service-account.uid': saUid,
      sub: `system:serviceaccount:${namespace}:${saName}`,
    };
    return this.signJwt(claims);
  }

  /**
   * Checks signature, issuer and time window; returns the claims or undefined. Object checks
   * (the service account and bound object still exist) are the authenticator's.
   */
  verify(token: string, now: Date): Claims | undefined {
    const parts = token.split('.');
    if (parts.length !== 3) return undefined;
    let header: { alg?: string; kid?: string };
    let claims: Record<string, unknown>;
    try {
      header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8')) as typeof header;
      claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as Record<string, unknown>;
    } catch {
      return undefined;
    }
    if (header.alg !== this.alg || (header.kid !== undefined && header.kid !== this.keyId)) return undefined;
    const ok = verify('sha256', Buffer.from(`${parts[0]}.${parts[1]}`), { key: this.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(parts[2], 'base64url'));
    if (!ok) return undefined;
    if (claims.iss === LEGACY_ISSUER) return claims as unknown as LegacyClaims;
    if (claims.iss !== ISSUER) return undefined;
    const t = Math.floor(now.getTime() / 1000);
    // Upstream allows 60 s of clock skew on both ends.
    if (typeof claims.exp !== 'number' || t > claims.exp + 60) return undefined;
    if (typeof claims.nbf === 'number' && t < claims.nbf - 60) return undefined;
    return claims as unknown as BoundClaims;
  }
}

export function isLegacy(c: Claims): c is LegacyClaims {
  return c.iss === LEGACY_ISSUER;
}

/** Decodes a JWT's payload without checking it (for tests and diagnostics). */
export function decodeJwtPayload(token: string): Record<string, unknown> | undefined {
  try {
    return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Who a request is from (k8s.io/apiserver's user.Info), as authentication established it and
 * impersonation possibly changed it. The server records it per request; handlers that answer
 * with it (SelfSubjectReview, SelfSubjectAccessReview) read it back with `userOf`.
 */
import type { IncomingMessage } from 'node:http';

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

export const SYSTEM_MASTERS = 'system:masters';
export const AUTHENTICATED = 'system:authenticated';
export const UNAUTHENTICATED = 'system:unauthenticated';
export const SA_PREFIX = 'system:serviceaccount:';

/** The kubeconfig's user: Skiff has one administrator, in system:masters like kind's and k3d's. */
export const ADMIN: UserInfo = Object.freeze({ username: 'skiff-admin', groups: [SYSTEM_MASTERS, AUTHENTICATED] }) as UserInfo;

/** The engine's own components (in-process calls never pass through HTTP, but reviews may ask). */
export const ANONYMOUS: UserInfo = Object.freeze({ username: 'system:anonymous', groups: [UNAUTHENTICATED] }) as UserInfo;

const users = new WeakMap<IncomingMessage, UserInfo>();

export function setUser(req: IncomingMessage, user: UserInfo): void {
  users.set(req, user);
}

/** The authenticated (or impersonated) user of a request; anonymous if none was recorded. */
export function userOf(req: IncomingMessage): UserInfo {
  return users.get(req) ?? ANONYMOUS;
}

export function isSuperuser(u: UserInfo): boolean {
  return u.groups.includes(SYSTEM_MASTERS);
}

/** The user a service account authenticates as. */
export function serviceAccountUser(namespace: string, name: string, uid?: string, extra?: Record<string, string[]>): UserInfo {
  const u: UserInfo = { username: `${SA_PREFIX}${namespace}:${name}`, groups: ['system:serviceaccounts', `system:serviceaccounts:${namespace}`, AUTHENTICATED] };
  if (uid) u.uid = uid;
  if (extra && Object.keys(extra).length) u.extra = extra;
  return u;
}

/** "system:serviceaccount:ns:name" → [ns, name]. */
export function parseServiceAccountUser(username: string): [string, string] | undefined {
  if (!username.startsWith(SA_PREFIX)) return undefined;
  const parts = username.slice(SA_PREFIX.length).split(':');
  return parts.length === 2 && parts[0] && parts[1] ? [parts[0], parts[1]] : undefined;
}

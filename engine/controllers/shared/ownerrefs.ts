/**
 * Owner references, as upstream's metav1.GetControllerOf / NewControllerRef and
 * pkg/controller/controller_ref_manager.go: a controller *claims* the objects its selector
 * matches — keeps the ones it controls, adopts matching orphans (adds a controller reference),
 * releases the ones that stopped matching (removes its reference) — and ignores objects another
 * controller owns. Adoption re-checks the owner against the API first (canAdopt), so a
 * controller that is being deleted, or was replaced by a namesake, never adopts.
 */
import type { KubeObject, OwnerReference } from '../../api/types.js';
import { matchesLabels, type Selector } from '../../api/selectors.js';
import type { ResourceClient } from '../../client/client.js';
import { isNotFound } from './controller.js';

export function getControllerOf(o: KubeObject): OwnerReference | undefined {
  return (o.metadata.ownerReferences ?? []).find((r) => r.controller === true);
}

export function isControlledBy(o: KubeObject, owner: KubeObject): boolean {
  const ref = getControllerOf(o);
  return ref !== undefined && ref.uid === owner.metadata.uid;
}

/** A controller reference to `owner` (controller and blockOwnerDeletion set). */
export function newControllerRef(owner: KubeObject, apiVersion: string, kind: string): OwnerReference {
  return {
    apiVersion,
    kind,
    name: owner.metadata.name as string,
    uid: owner.metadata.uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** apiVersion "apps/v1" → group "apps"; "v1" → "". */
export function groupOf(apiVersion: string): string {
  const i = apiVersion.indexOf('/');
  return i < 0 ? '' : apiVersion.slice(0, i);
}

/** Whether `ref` points at a controller of this group and kind (any version). */
export function refersTo(ref: OwnerReference | undefined, group: string, kind: string): boolean {
  return ref !== undefined && ref.kind === kind && groupOf(ref.apiVersion) === group;
}

export interface ClaimOptions<T extends KubeObject> {
  /** The controller (fresh from the cache). */
  owner: KubeObject;
  /** apiVersion and kind written into controller references. */
  ownerApiVersion: string;
  ownerKind: string;
  selector: Selector;
  /** Client of the dependents' kind, for adopt/release writes. */
  client: ResourceClient<T>;
  /**
   * Throws (or returns false) when the owner may not adopt: upstream's RecheckDeletionTimestamp,
   * which re-reads the owner uncached. Called at most once per claim.
   */
  canAdopt: () => boolean;
}

/**
 * Claims `objs` for the owner: returns the ones it controls after adopting and releasing.
 * Writes go through the client; objects that vanished meanwhile are skipped.
 */
export function claimObjects<T extends KubeObject>(objs: T[], o: ClaimOptions<T>): T[] {
  const ownerUid = o.owner.metadata.uid;
  const ownerDeleting = o.owner.metadata.deletionTimestamp !== undefined;
  let adoptable: boolean | undefined;
  const mayAdopt = () => (adoptable ??= o.canAdopt());
  const out: T[] = [];
  for (const obj of objs) {
    const ref = getControllerOf(obj);
    const matches = matchesLabels(o.selector, obj.metadata.labels);
    if (ref) {
      if (ref.uid !== ownerUid) continue; // someone else's
      if (matches) {
        out.push(obj);
        continue;
      }
      // Ours but no longer selected: release, unless we are going away anyway.
      if (ownerDeleting) continue;
      release(obj, o);
      continue;
    }
    // An orphan: adopt it if it matches and neither side is being deleted.
    if (!matches || ownerDeleting || obj.metadata.deletionTimestamp) continue;
    if (!mayAdopt()) continue;
    const adopted = adopt(obj, o);
    if (adopted) out.push(adopted);
  }
  return out;
}

function adopt<T extends KubeObject>(obj: T, o: ClaimOptions<T>): T | undefined {
  const ref = newControllerRef(o.owner, o.ownerApiVersion, o.ownerKind);
  const uid = obj.metadata.uid;
  try {
    return o.client.modify(obj.metadata.namespace, obj.metadata.name as string, (cur) => {
      // Re-check on the latest copy: same object, still an orphan, still selected.
      if (cur.metadata.uid !== uid) throw new SkipClaim();
      if (getControllerOf(cur)) throw new SkipClaim();
      if (!matchesLabels(o.selector, cur.metadata.labels)) throw new SkipClaim();
      const refs = (cur.metadata.ownerReferences ?? []).filter((r) => r.uid !== ref.uid);
      cur.metadata.ownerReferences = [...refs, ref];
    });
  } catch (e) {
    if (e instanceof SkipClaim || isNotFound(e)) return undefined;
    throw e;
  }
}

function release<T extends KubeObject>(obj: T, o: ClaimOptions<T>): void {
  const ownerUid = o.owner.metadata.uid;
  const uid = obj.metadata.uid;
  try {
    o.client.modify(obj.metadata.namespace, obj.metadata.name as string, (cur) => {
      if (cur.metadata.uid !== uid) throw new SkipClaim();
      const refs = (cur.metadata.ownerReferences ?? []).filter((r) => r.uid !== ownerUid);
      if (refs.length) cur.metadata.ownerReferences = refs;
      else delete cur.metadata.ownerReferences;
    });
  } catch (e) {
    if (e instanceof SkipClaim || isNotFound(e)) return;
    throw e;
  }
}

class SkipClaim extends Error {}

/**
 * upstream's RecheckDeletionTimestamp: reads the owner uncached and allows adoption only if it
 * is the same object (uid) and is not being deleted.
 */
export function recheckOwner(get: () => KubeObject | undefined, uid: string | undefined): () => boolean {
  return () => {
    const fresh = get();
    return fresh !== undefined && fresh.metadata.uid === uid && !fresh.metadata.deletionTimestamp;
  };
}

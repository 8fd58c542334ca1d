import type { Principal } from '../../../shared/http/principal';

/** A collection's access list: its owner writes; owner, listed users (and everyone when public) read. */
export interface CollectionAccess {
  collection: string;
  owner: string | null;
  visibility: 'private' | 'public';
  users: string[];
}

/** A key or token bound to collections touches only those. */
function inBound(p: Principal, collection: string): boolean {
  return !p.collections || p.collections.includes(collection);
}

export function canRead(p: Principal, collection: string, acl: CollectionAccess | undefined): boolean {
  if (!inBound(p, collection)) return false;
  if (p.role === 'admin') return true;
  if (!acl || !p.userId) return false;
  return acl.visibility === 'public' || acl.owner === p.userId || acl.users.includes(p.userId);
}

/**
 * Writes (ingest, delete a document): the owner, or listed users; a collection without an access list is
 * claimed by its first writer (it becomes private to them) - see AccessService.authorize.
 */
export function canWrite(p: Principal, collection: string, acl: CollectionAccess | undefined): boolean {
  if (!inBound(p, collection)) return false;
  if (p.role === 'admin') return true;
  if (!p.userId) return false;
  if (!acl) return true;
  return acl.owner === p.userId || acl.users.includes(p.userId);
}

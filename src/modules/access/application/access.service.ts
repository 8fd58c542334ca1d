import { Inject, Injectable } from '@nestjs/common';
import type { Principal } from '../../../shared/http/principal';
import { DEFAULT_COLLECTION } from '../../retrieval';
import { collectionNotFound, forbidden } from '../domain/access.errors';
import { canRead, canWrite, CollectionAccess } from '../domain/collection-access';
import { COLLECTION_ACCESS_STORE, CollectionAccessStore, RESOURCE_LOOKUP, ResourceLookup } from './ports/access.ports';

export type AccessMode = 'read' | 'write';

/** Decides what a principal may do with a collection; a refusal is the 404 of an unknown collection. */
@Injectable()
export class AccessService {
  constructor(
    @Inject(COLLECTION_ACCESS_STORE) private readonly acl: CollectionAccessStore,
    @Inject(RESOURCE_LOOKUP) private readonly lookup: ResourceLookup,
  ) {}

  async authorize(p: Principal, collection: string, mode: AccessMode): Promise<void> {
    const acl = await this.acl.get(collection);
    if (mode === 'read' ? canRead(p, collection, acl) : canWrite(p, collection, acl)) {
      // A new collection (no access list, nothing in it) becomes private to its first user writer; not `default`,
      // where every request without a collection goes: only an admin sets up its access (or a user listed there writes).
      if (mode === 'write' && !acl && p.role === 'user' && p.userId) {
        if (collection === DEFAULT_COLLECTION) throw defaultIsAdmins();
        if (await this.lookup.collectionExists(collection)) throw collectionNotFound(collection);
        await this.acl.claim({ collection, owner: p.userId, visibility: 'private', users: [] });
      }
      return;
    }
    // Readable but not writable (a public collection): saying so leaks nothing.
    if (mode === 'write' && canRead(p, collection, acl)) throw forbidden(`Collection "${collection}" is read-only for you: only its owner and listed users write.`);
    throw collectionNotFound(collection);
  }

  /** PUT /v1/collections/:name: admins, or the owner (a user creating a new, empty collection owns it). */
  async put(p: Principal, collection: string, visibility: 'private' | 'public', users: string[] | undefined): Promise<CollectionAccess> {
    const current = await this.acl.get(collection);
    if (p.role !== 'admin') {
      if (collection === DEFAULT_COLLECTION) throw defaultIsAdmins();
      if (!p.userId || (p.collections && !p.collections.includes(collection))) throw collectionNotFound(collection);
      if (current && current.owner !== p.userId) {
        if (canRead(p, collection, current)) throw forbidden('Only the owner or an admin changes a collection\'s access list.');
        throw collectionNotFound(collection);
      }
      if (!current && (await this.lookup.collectionExists(collection))) throw collectionNotFound(collection);
    }
    const next: CollectionAccess = {
      collection,
      // `default` has no owner (an admin's PUT also takes it back from a user who claimed it before that rule)
      owner: collection === DEFAULT_COLLECTION ? null : (current?.owner ?? (p.role === 'user' ? p.userId! : null)),
      visibility,
      users: users ? [...new Set(users)] : (current?.users ?? []),
    };
    await this.acl.put(next);
    return next;
  }

  async get(p: Principal, collection: string): Promise<CollectionAccess> {
    const acl = await this.acl.get(collection);
    if (!canRead(p, collection, acl)) throw collectionNotFound(collection);
    return acl ?? { collection, owner: null, visibility: 'private', users: [] };
  }

  documentCollection(id: string) {
    return this.lookup.documentCollection(id);
  }

  jobCollection(id: string) {
    return this.lookup.jobCollection(id);
  }

  conversationCollection(id: string, userId: unknown) {
    return typeof userId === 'string' ? this.lookup.conversationCollection(id, userId) : Promise.resolve(undefined);
  }

  /**
   * The collection a chat turn runs on: the one it names, else its conversation's (a follow-up stays in the
   * conversation's collection), else default. A conversation of another user reads as none: the turn is then
   * refused as an unknown conversation by the chat itself.
   */
  async chatCollection(userId: unknown, collection: unknown, conversationId: unknown): Promise<string> {
    if (typeof collection === 'string' && collection) return collection;
    const own = typeof conversationId === 'string' ? await this.conversationCollection(conversationId, userId) : undefined;
    return own ?? DEFAULT_COLLECTION;
  }
}

const defaultIsAdmins = () =>
  forbidden(`Only an admin sets the access of the "${DEFAULT_COLLECTION}" collection (PUT /v1/collections/${DEFAULT_COLLECTION}): it is where every request without a collection goes.`);

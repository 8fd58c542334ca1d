import type { Principal } from '../../../../shared/http/principal';
import type { ApiKey, KeyRole } from '../../domain/api-key';
import type { CollectionAccess } from '../../domain/collection-access';

export interface NewApiKey {
  id: string;
  prefix: string;
  hash: string;
  role: KeyRole;
  userId: string | null;
  collections: string[] | null;
}

export interface ApiKeyStore {
  insert(key: NewApiKey): Promise<ApiKey>;
  /** The unrevoked key with this hash. */
  findActiveByHash(hash: string): Promise<ApiKey | undefined>;
  list(): Promise<ApiKey[]>;
  /** false when no such key (or already revoked). */
  revoke(id: string): Promise<boolean>;
}

export interface CollectionAccessStore {
  get(collection: string): Promise<CollectionAccess | undefined>;
  put(access: CollectionAccess): Promise<void>;
  /** Inserts unless a row exists; true when inserted (a first writer claims a new collection). */
  claim(access: CollectionAccess): Promise<boolean>;
}

/** The collection of things addressed by id (documents, jobs), and whether a collection holds anything. */
export interface ResourceLookup {
  documentCollection(id: string): Promise<string | undefined>;
  /** undefined: no such job; null: a job that names no collection. */
  jobCollection(id: string): Promise<string | null | undefined>;
  /** The collection of this user's conversation; undefined: no such conversation of theirs. */
  conversationCollection(id: string, userId: string): Promise<string | undefined>;
  collectionExists(name: string): Promise<boolean>;
}

/** Verifies a bearer token (JWT); throws a domain error with the reason when refused. */
export interface TokenVerifier {
  readonly enabled: boolean;
  verify(token: string): Promise<Principal>;
}

export const API_KEY_STORE = Symbol('ApiKeyStore');
export const COLLECTION_ACCESS_STORE = Symbol('CollectionAccessStore');
export const RESOURCE_LOOKUP = Symbol('ResourceLookup');
export const TOKEN_VERIFIER = Symbol('TokenVerifier');

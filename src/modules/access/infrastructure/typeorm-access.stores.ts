import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../../../shared/database';
import type { ApiKeyStore, CollectionAccessStore, NewApiKey, ResourceLookup } from '../application/ports/access.ports';
import type { ApiKey } from '../domain/api-key';
import type { CollectionAccess } from '../domain/collection-access';

interface KeyRow {
  id: string;
  prefix: string;
  role: 'user' | 'admin';
  user_id: string | null;
  collections: string[] | null;
  created_at: Date;
  revoked_at: Date | null;
}

const KEY_COLUMNS = 'id, prefix, role, user_id, collections, created_at, revoked_at';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function toKey(r: KeyRow): ApiKey {
  return { id: r.id, prefix: r.prefix, role: r.role, userId: r.user_id, collections: r.collections, createdAt: new Date(r.created_at), revokedAt: r.revoked_at ? new Date(r.revoked_at) : null };
}

@Injectable()
export class TypeOrmApiKeyStore implements ApiKeyStore {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async insert(k: NewApiKey): Promise<ApiKey> {
    const rows: KeyRow[] = await this.db.query(
      `INSERT INTO api_keys (id, prefix, key_hash, role, user_id, collections) VALUES ($1, $2, $3, $4, $5, $6) RETURNING ${KEY_COLUMNS}`,
      [k.id, k.prefix, k.hash, k.role, k.userId, k.collections],
    );
    return toKey(rows[0]);
  }

  async findActiveByHash(hash: string): Promise<ApiKey | undefined> {
    const rows: KeyRow[] = await this.db.query(`SELECT ${KEY_COLUMNS} FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hash]);
    return rows[0] && toKey(rows[0]);
  }

  async list(): Promise<ApiKey[]> {
    const rows: KeyRow[] = await this.db.query(`SELECT ${KEY_COLUMNS} FROM api_keys ORDER BY created_at, id`);
    return rows.map(toKey);
  }

  async revoke(id: string): Promise<boolean> {
    if (!UUID.test(id)) return false;
    // TypeORM answers an UPDATE with [rows, affected count].
    const [rows] = (await this.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL RETURNING id', [id])) as [unknown[], number];
    return rows.length > 0;
  }
}

interface AclRow {
  collection: string;
  owner: string | null;
  visibility: 'private' | 'public';
  users: string[];
}

@Injectable()
export class TypeOrmCollectionAccessStore implements CollectionAccessStore {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async get(collection: string): Promise<CollectionAccess | undefined> {
    const rows: AclRow[] = await this.db.query('SELECT collection, owner, visibility, users FROM collection_access WHERE collection = $1', [collection]);
    return rows[0] && { ...rows[0], users: rows[0].users ?? [] };
  }

  async put(a: CollectionAccess): Promise<void> {
    await this.db.query(
      `INSERT INTO collection_access (collection, owner, visibility, users) VALUES ($1, $2, $3, $4)
       ON CONFLICT (collection) DO UPDATE SET owner = EXCLUDED.owner, visibility = EXCLUDED.visibility, users = EXCLUDED.users, updated_at = now()`,
      [a.collection, a.owner, a.visibility, a.users],
    );
  }

  async claim(a: CollectionAccess): Promise<boolean> {
    const rows: unknown[] = await this.db.query(
      `INSERT INTO collection_access (collection, owner, visibility, users) VALUES ($1, $2, $3, $4) ON CONFLICT (collection) DO NOTHING RETURNING collection`,
      [a.collection, a.owner, a.visibility, a.users],
    );
    return rows.length > 0;
  }
}

/**
 * Reads the collection of a document, a job or a conversation straight from the ingestion and conversation tables (a read-only lookup for the
 * access check, so the ingestion module needs no change; see ARCHITECTURE deviations).
 */
@Injectable()
export class SqlResourceLookup implements ResourceLookup {
  constructor(@Inject(DATA_SOURCE) private readonly db: DataSource) {}

  async documentCollection(id: string): Promise<string | undefined> {
    if (!UUID.test(id)) return undefined;
    const rows: Array<{ collection: string }> = await this.db.query('SELECT collection FROM documents WHERE id = $1', [id]);
    return rows[0]?.collection;
  }

  async jobCollection(id: string): Promise<string | null | undefined> {
    if (!UUID.test(id)) return undefined;
    const rows: Array<{ collection: string | null }> = await this.db.query(`SELECT params->>'collection' AS collection FROM jobs WHERE id = $1`, [id]);
    return rows.length ? rows[0].collection : undefined;
  }

  async conversationCollection(id: string, userId: string): Promise<string | undefined> {
    if (!UUID.test(id)) return undefined;
    const rows: Array<{ collection: string }> = await this.db.query('SELECT collection FROM conversations WHERE id = $1 AND user_id = $2', [id, userId]);
    return rows[0]?.collection;
  }

  async collectionExists(name: string): Promise<boolean> {
    const rows: unknown[] = await this.db.query('SELECT 1 FROM documents WHERE collection = $1 LIMIT 1', [name]);
    return rows.length > 0;
  }
}

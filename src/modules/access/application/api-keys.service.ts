import { randomUUID } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { ApiKey, generateKey, hashKey, KeyRole, PREFIX_LENGTH } from '../domain/api-key';
import { AccessError, adminNotBound, keyNotFound } from '../domain/access.errors';
import { API_KEY_STORE, ApiKeyStore } from './ports/access.ports';

export interface CreateKeyCommand {
  role: KeyRole;
  userId?: string;
  collections?: string[];
}

/** Creates, lists and revokes API keys; the clear key exists only in create's answer. */
@Injectable()
export class ApiKeysService {
  constructor(@Inject(API_KEY_STORE) private readonly store: ApiKeyStore) {}

  async create(cmd: CreateKeyCommand): Promise<{ key: string; apiKey: ApiKey }> {
    if (cmd.role === 'user' && !cmd.userId) {
      throw new AccessError('AUTH.INVALID_KEY_REQUEST', 'invalid', 'a user key needs user_id', { errors: [{ field: 'user_id', message: 'required when role is user' }] });
    }
    // Admin routes (keys, access lists, usage, config) are not about one collection: a bound there would not hold.
    if (cmd.role === 'admin' && cmd.collections) throw adminNotBound('collections');
    const key = generateKey();
    const apiKey = await this.store.insert({
      id: randomUUID(),
      prefix: key.slice(0, PREFIX_LENGTH),
      hash: hashKey(key),
      role: cmd.role,
      userId: cmd.userId ?? null,
      collections: cmd.collections ? [...new Set(cmd.collections)] : null, // [] binds the key to no collection, as a JWT's [] does
    });
    return { key, apiKey };
  }

  list(): Promise<ApiKey[]> {
    return this.store.list();
  }

  async revoke(id: string): Promise<void> {
    if (!(await this.store.revoke(id))) throw keyNotFound(id);
  }

  findActive(key: string): Promise<ApiKey | undefined> {
    return this.store.findActiveByHash(hashKey(key));
  }
}

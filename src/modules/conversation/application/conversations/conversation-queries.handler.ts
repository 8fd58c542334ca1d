import { Inject, Injectable } from '@nestjs/common';
import { ConversationNotFoundError } from '../../domain/conversation.errors';
import { CONVERSATION_STORE, ConversationStore } from '../ports/conversation-store.port';

/** Listing, reading and forgetting conversations; a user only ever reaches its own. */
@Injectable()
export class ConversationQueries {
  constructor(@Inject(CONVERSATION_STORE) private readonly store: ConversationStore) {}

  async list(userId: string, limit: number, offset: number) {
    const { items, total } = await this.store.list(userId, limit, offset);
    return {
      items: items.map((c) => ({ id: c.id, user_id: c.userId, title: c.title, collection: c.collection, created_at: c.createdAt, updated_at: c.updatedAt, message_count: c.messageCount })),
      total,
      limit,
      offset,
    };
  }

  async get(id: string, userId: string) {
    const c = await this.store.find(id, userId);
    if (!c) throw new ConversationNotFoundError(id);
    const messages = await this.store.messages(id);
    return {
      id: c.id,
      user_id: c.userId,
      title: c.title,
      collection: c.collection,
      summary: c.summary,
      summarized_count: c.summarizedCount,
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      messages,
    };
  }

  async delete(id: string, userId: string): Promise<void> {
    if (!(await this.store.delete(id, userId))) throw new ConversationNotFoundError(id);
  }

  async forget(userId: string): Promise<{ user_id: string; conversations_deleted: number }> {
    return { user_id: userId, conversations_deleted: await this.store.deleteUser(userId) };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, managerFor, TRANSACTION_RUNNER, TransactionRunner } from '../../../../shared/database';
import type { Conversation, StoredMessage } from '../../domain/conversation';
import { ConversationStore, NewMessage } from '../../application/ports/conversation-store.port';

interface ConversationRow {
  id: string;
  user_id: string;
  title: string;
  collection: string;
  summary: string;
  summarized_count: number;
  message_count: number;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'id, user_id, title, collection, summary, summarized_count, message_count, created_at, updated_at';

/** Conversations and their messages in Postgres (parameterized SQL; the rows map to domain objects here). */
@Injectable()
export class PgConversationStore implements ConversationStore {
  constructor(
    @Inject(DATA_SOURCE) private readonly dataSource: DataSource,
    @Inject(TRANSACTION_RUNNER) private readonly tx: TransactionRunner,
  ) {}

  private q<T>(sql: string, params: unknown[]): Promise<T[]> {
    return managerFor(this.dataSource).query(sql, params);
  }

  async find(id: string, userId: string): Promise<Conversation | null> {
    const [row] = await this.q<ConversationRow>(`SELECT ${COLUMNS} FROM conversations WHERE id = $1 AND user_id = $2`, [id, userId]);
    return row ? toDomain(row) : null;
  }

  async create(c: { id: string; userId: string; title: string; collection: string }): Promise<Conversation> {
    const [row] = await this.q<ConversationRow>(
      `INSERT INTO conversations (id, user_id, title, collection) VALUES ($1, $2, $3, $4) RETURNING ${COLUMNS}`,
      [c.id, c.userId, c.title, c.collection],
    );
    return toDomain(row);
  }

  async list(userId: string, limit: number, offset: number): Promise<{ items: Conversation[]; total: number }> {
    const rows = await this.q<ConversationRow>(
      `SELECT ${COLUMNS} FROM conversations WHERE user_id = $1 ORDER BY updated_at DESC, id LIMIT $2 OFFSET $3`,
      [userId, limit, offset],
    );
    const [{ n }] = await this.q<{ n: string }>(`SELECT count(*) AS n FROM conversations WHERE user_id = $1`, [userId]);
    return { items: rows.map(toDomain), total: Number(n) };
  }

  async messages(id: string, after = 0): Promise<StoredMessage[]> {
    const rows = await this.q<StoredMessage>(
      `SELECT role, content, citations, tool_calls, rewritten_query, model, created_at
         FROM conversation_messages WHERE conversation_id = $1 AND seq > $2 ORDER BY seq`,
      [id, after],
    );
    return rows;
  }

  async appendTurn(id: string, turn: [NewMessage, NewMessage], summary?: { text: string; summarizedCount: number }): Promise<void> {
    await this.tx.run(async () => {
      // The row lock orders concurrent turns of one conversation: seq stays dense and unique.
      const [row] = await this.q<{ message_count: number }>(`SELECT message_count FROM conversations WHERE id = $1 FOR UPDATE`, [id]);
      let seq = row.message_count;
      for (const m of turn) {
        seq++;
        await this.q(
          `INSERT INTO conversation_messages (conversation_id, seq, role, content, citations, tool_calls, rewritten_query, model)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8)`,
          [id, seq, m.role, m.content, JSON.stringify(m.citations), JSON.stringify(m.tool_calls), m.rewritten_query, m.model],
        );
      }
      await this.q(
        `UPDATE conversations SET message_count = $2, updated_at = now(),
                summary = COALESCE($3, summary), summarized_count = COALESCE($4, summarized_count)
          WHERE id = $1`,
        [id, seq, summary?.text ?? null, summary?.summarizedCount ?? null],
      );
    });
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const rows = await this.q<{ id: string }>(`WITH d AS (DELETE FROM conversations WHERE id = $1 AND user_id = $2 RETURNING id) SELECT id FROM d`, [id, userId]);
    return rows.length > 0;
  }

  async deleteUser(userId: string): Promise<number> {
    const rows = await this.q<{ id: string }>(`WITH d AS (DELETE FROM conversations WHERE user_id = $1 RETURNING id) SELECT id FROM d`, [userId]);
    return rows.length;
  }
}

function toDomain(r: ConversationRow): Conversation {
  return {
    id: r.id,
    userId: r.user_id,
    title: r.title,
    collection: r.collection,
    summary: r.summary,
    summarizedCount: r.summarized_count,
    messageCount: r.message_count,
    createdAt: new Date(r.created_at),
    updatedAt: new Date(r.updated_at),
  };
}

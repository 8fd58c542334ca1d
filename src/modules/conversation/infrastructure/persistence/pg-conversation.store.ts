import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, managerFor } from '../../../../shared/database';
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
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  private q<T>(sql: string, params: unknown[]): Promise<T[]> {
    return managerFor(this.dataSource).query(sql, params);
  }

  async find(id: string, userId: string): Promise<Conversation | null> {
    const [row] = await this.q<ConversationRow>(`SELECT ${COLUMNS} FROM conversations WHERE id = $1 AND user_id = $2`, [id, userId]);
    return row ? toDomain(row) : null;
  }

  async takenByAnother(id: string, userId: string): Promise<boolean> {
    return (await this.q(`SELECT 1 FROM conversations WHERE id = $1 AND user_id <> $2`, [id, userId])).length > 0;
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

  /**
   * One statement, so atomic without a transaction of its own (it joins the caller's when one is open): the
   * conversation row is created, or updated under its row lock (concurrent turns of one conversation queue there
   * and get dense, unique seq numbers), and both messages are inserted with the seq it returns.
   */
  async appendTurn(
    id: string,
    turn: [NewMessage, NewMessage],
    opts: { summary?: { text: string; summarizedCount: number }; create?: { userId: string; title: string; collection: string; forgets: number } },
  ): Promise<boolean> {
    const params: unknown[] = [id];
    const message = (m: NewMessage, offset: number) => {
      params.push(m.role, m.content, JSON.stringify(m.citations), JSON.stringify(m.tool_calls), m.rewritten_query, m.model);
      const b = params.length - 5;
      return `SELECT $1::uuid, c.message_count - ${offset}, $${b}, $${b + 1}, $${b + 2}::jsonb, $${b + 3}::jsonb, $${b + 4}, $${b + 5} FROM c`;
    };
    let head: string;
    if (opts.create) {
      params.push(opts.create.userId, opts.create.title, opts.create.collection, opts.summary?.text ?? '', opts.summary?.summarizedCount ?? 0, opts.create.forgets);
      // Two first turns of one new id (a client's retry, the same derived id) both land: the later one waits for
      // the earlier's row and appends after it. An id taken by another user (or in another collection) adds nothing,
      // nor does a turn whose user was forgotten since it began.
      head = `INSERT INTO conversations (id, user_id, title, collection, summary, summarized_count, message_count)
              SELECT $1, $2, $3, $4, $5, $6, 2 WHERE NOT EXISTS (SELECT 1 FROM user_forgets WHERE user_id = $2 AND epoch > $7)
              ON CONFLICT (id) DO UPDATE SET message_count = conversations.message_count + 2, updated_at = now()
               WHERE conversations.user_id = EXCLUDED.user_id AND conversations.collection = EXCLUDED.collection
              RETURNING message_count`;
    } else {
      params.push(opts.summary?.text ?? null, opts.summary?.summarizedCount ?? null);
      head = `UPDATE conversations SET message_count = message_count + 2, updated_at = now(),
                     summary = COALESCE($2, summary), summarized_count = COALESCE($3, summarized_count)
               WHERE id = $1 RETURNING message_count`;
    }
    const rows = [message(turn[0], 1), message(turn[1], 0)];
    const [{ n }] = await this.q<{ n: number }>(
      `WITH c AS (${head}),
            m AS (INSERT INTO conversation_messages (conversation_id, seq, role, content, citations, tool_calls, rewritten_query, model)
                  ${rows.join(' UNION ALL ')} RETURNING seq)
       SELECT count(*)::int AS n FROM m`,
      params,
    );
    return n > 0;
  }

  async delete(id: string, userId: string): Promise<boolean> {
    const rows = await this.q<{ id: string }>(`WITH d AS (DELETE FROM conversations WHERE id = $1 AND user_id = $2 RETURNING id) SELECT id FROM d`, [id, userId]);
    return rows.length > 0;
  }

  async deleteUser(userId: string): Promise<number> {
    const rows = await this.q<{ id: string }>(
      `WITH f AS (INSERT INTO user_forgets (user_id) VALUES ($1) ON CONFLICT (user_id) DO UPDATE SET epoch = user_forgets.epoch + 1, at = now()),
            d AS (DELETE FROM conversations WHERE user_id = $1 RETURNING id)
       SELECT id FROM d`,
      [userId],
    );
    return rows.length;
  }

  async forgetCount(userId: string): Promise<number> {
    const [row] = await this.q<{ epoch: string }>(`SELECT epoch FROM user_forgets WHERE user_id = $1`, [userId]);
    return row ? Number(row.epoch) : 0;
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

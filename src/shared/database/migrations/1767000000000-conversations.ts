import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 9: conversation memory, usage records (one row per model call) and the sales table the
 * `sales_data` tool reads. Everything a replica needs is here: no conversation state lives in a process.
 */
export class Conversations1767000000000 implements MigrationInterface {
  name = 'Conversations1767000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE conversations (
        id uuid PRIMARY KEY,
        user_id text NOT NULL,
        title text NOT NULL,
        collection text NOT NULL,
        summary text NOT NULL DEFAULT '',
        summarized_count integer NOT NULL DEFAULT 0,
        message_count integer NOT NULL DEFAULT 0,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`CREATE INDEX conversations_user_updated ON conversations (user_id, updated_at DESC, id)`);
    await q.query(`
      CREATE TABLE conversation_messages (
        id bigserial PRIMARY KEY,
        conversation_id uuid NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq integer NOT NULL,
        role text NOT NULL CHECK (role IN ('user', 'assistant')),
        content text NOT NULL,
        citations jsonb NOT NULL DEFAULT '[]',
        tool_calls jsonb NOT NULL DEFAULT '[]',
        rewritten_query text,
        model text,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (conversation_id, seq)
      )`);
    await q.query(`
      CREATE TABLE usage_records (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        operation text NOT NULL,
        provider text NOT NULL,
        model text NOT NULL,
        prompt_tokens integer NOT NULL,
        completion_tokens integer NOT NULL,
        ms real NOT NULL,
        cost_usd numeric(14, 8),
        user_id text,
        conversation_id uuid,
        request_id text
      )`);
    await q.query(`CREATE INDEX usage_records_at ON usage_records (at)`);
    await q.query(`CREATE INDEX usage_records_user_at ON usage_records (user_id, at)`);
    await q.query(`
      CREATE TABLE sales (
        id bigserial PRIMARY KEY,
        sold_at date NOT NULL,
        product text NOT NULL,
        category text NOT NULL,
        rep text NOT NULL,
        region text NOT NULL,
        channel text NOT NULL,
        quantity integer NOT NULL CHECK (quantity > 0),
        unit_price numeric(12, 2) NOT NULL,
        amount numeric(14, 2) NOT NULL
      )`);
    await q.query(`CREATE INDEX sales_sold_at ON sales (sold_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS sales`);
    await q.query(`DROP TABLE IF EXISTS usage_records`);
    await q.query(`DROP TABLE IF EXISTS conversation_messages`);
    await q.query(`DROP TABLE IF EXISTS conversations`);
  }
}

import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Access (issue 11): API keys, stored as the SHA-256 of the key (the key itself is shown once and never kept),
 * with a short prefix for people to tell them apart; and one access list per collection (owner, readers,
 * public). A collection without a row is reachable only by admins when auth.mode is required.
 */
export class Access1768200000000 implements MigrationInterface {
  name = 'Access1768200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY,
        prefix text NOT NULL,
        key_hash text NOT NULL UNIQUE,
        role text NOT NULL CHECK (role IN ('user', 'admin')),
        user_id text,
        collections text[],
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        CHECK (role = 'admin' OR user_id IS NOT NULL)
      )`);
    await q.query(`
      CREATE TABLE collection_access (
        collection text PRIMARY KEY,
        owner text,
        visibility text NOT NULL CHECK (visibility IN ('private', 'public')),
        users text[] NOT NULL DEFAULT '{}',
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE collection_access');
    await q.query('DROP TABLE api_keys');
  }
}

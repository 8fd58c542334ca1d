import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Issue 10: settings every API process follows (the active LLM and embedder after an admin swap or a config reload).
 * One row per key; `version` comes from one sequence, so a process reads what changed since the last version it saw.
 * Values never hold an API key (see SharedState).
 */
export class SharedState1768570000000 implements MigrationInterface {
  name = 'SharedState1768570000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE SEQUENCE shared_state_version_seq`);
    await q.query(`
      CREATE TABLE shared_state (
        key text PRIMARY KEY,
        value jsonb NOT NULL,
        version bigint NOT NULL,
        origin text NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE shared_state`);
    await q.query(`DROP SEQUENCE shared_state_version_seq`);
  }
}

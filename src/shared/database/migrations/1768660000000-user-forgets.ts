import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A user's forgets (`DELETE /v1/users/:id/memory`), counted: a turn that starts a conversation reads the count when
 * it begins and stores nothing if a forget came meanwhile (the forget ran while its answer was produced).
 */
export class UserForgets1768660000000 implements MigrationInterface {
  name = 'UserForgets1768660000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE user_forgets (user_id text PRIMARY KEY, epoch bigint NOT NULL DEFAULT 1, at timestamptz NOT NULL DEFAULT now())`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS user_forgets`);
  }
}

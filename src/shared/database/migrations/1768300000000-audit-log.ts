import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Issue 11: one row per admin action (who, when, what, target, from where, request id). Append-only. */
export class AuditLog1768300000000 implements MigrationInterface {
  name = 'AuditLog1768300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE audit_log (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor text NOT NULL,
        action text NOT NULL,
        target text,
        outcome text NOT NULL CHECK (outcome IN ('ok', 'failed')),
        error_code text,
        ip text,
        request_id text,
        details jsonb NOT NULL DEFAULT '{}'
      )`);
    await q.query(`CREATE INDEX audit_log_at ON audit_log (at DESC, id DESC)`);
    await q.query(`CREATE INDEX audit_log_action_at ON audit_log (action, at DESC, id DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_log`);
  }
}

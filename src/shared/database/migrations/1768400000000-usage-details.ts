import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Usage reports and budget alerts (issue 10): a usage row may carry the request's stage timings (embed,
 * search, generate, tool in ms), the tools it called and the error of a failed model call; `budget_alerts`
 * holds one row per crossed threshold and period (`daily:2026-12-01`, `monthly:2026-12`), so a crossing is
 * announced once across replicas and restarts.
 */
export class UsageDetails1768400000000 implements MigrationInterface {
  name = 'UsageDetails1768400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE usage_records ADD COLUMN stages jsonb, ADD COLUMN tools jsonb, ADD COLUMN error text`);
    await q.query(`
      CREATE TABLE budget_alerts (
        period text PRIMARY KEY,
        kind text NOT NULL,
        threshold_usd numeric(14, 8) NOT NULL,
        cost_usd numeric(14, 8) NOT NULL,
        at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE IF EXISTS budget_alerts`);
    await q.query(`ALTER TABLE usage_records DROP COLUMN IF EXISTS stages, DROP COLUMN IF EXISTS tools, DROP COLUMN IF EXISTS error`);
  }
}

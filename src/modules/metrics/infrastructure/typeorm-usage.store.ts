import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DATA_SOURCE, managerFor } from '../../../shared/database';
import {
  BudgetAlertRecord, ErrorCount, GroupBy, NO_MODEL_CALL, QUOTA_EXEMPT_OPERATIONS, StagePercentiles, StageTimings, TimeRange, ToolUsage, UsageGroup, UsageRecord, UsageRowsRefusedError,
  UsageStore,
} from '../application/ports/usage-store.port';

const COLUMNS = 'operation, provider, model, prompt_tokens, completion_tokens, ms, cost_usd, user_id, conversation_id, request_id, stages, tools, error';
const KEY: Record<GroupBy, string> = {
  user: `coalesce(user_id, '(anonymous)')`,
  model: `provider || ':' || model`,
  day: `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM-DD')`,
  month: `to_char(at AT TIME ZONE 'UTC', 'YYYY-MM')`,
};
/** `at` within [from, to) when given ($1, $2). */
const IN_RANGE = `($1::timestamptz IS NULL OR at >= $1::timestamptz) AND ($2::timestamptz IS NULL OR at < $2::timestamptz)`;
/** Model calls only: the rows of requests that called no model carry stages and tools, not calls (NO_MODEL_CALL). */
const MODEL_CALLS = `operation <> '${NO_MODEL_CALL}'`;
/**
 * SQLSTATE classes of a statement refused for its rows' values, which fail again however often they are retried: data
 * exception (22: a NUL or invalid UTF-8 in a text, a number out of range), integrity constraint violation (23), program
 * limit exceeded (54: a row or a statement too large). A lost connection, a timeout or a missing table is none of them.
 */
const ROWS_REFUSED = /^(22|23|54)[0-9A-Z]{3}$/;
const num = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
const round2 = (v: unknown) => Math.round(num(v) * 100) / 100;

@Injectable()
export class TypeOrmUsageStore implements UsageStore {
  constructor(@Inject(DATA_SOURCE) private readonly dataSource: DataSource) {}

  async insert(records: UsageRecord[]): Promise<void> {
    const params: unknown[] = [];
    const width = COLUMNS.split(',').length;
    const tuples = records.map((r) => {
      params.push(
        r.operation, r.provider, r.model, r.promptTokens, r.completionTokens, r.ms, r.costUsd, r.userId ?? null, r.conversationId ?? null, r.requestId ?? null,
        r.stages ? JSON.stringify(r.stages) : null, r.tools?.length ? JSON.stringify(r.tools) : null, r.error ?? null,
      );
      const b = params.length - width;
      return `(${Array.from({ length: width }, (_, i) => `$${b + i + 1}`).join(', ')})`;
    });
    try {
      await managerFor(this.dataSource).query(`INSERT INTO usage_records (${COLUMNS}) VALUES ${tuples.join(', ')}`, params);
    } catch (e) {
      const err = e as { code?: unknown; driverError?: { code?: unknown } };
      const code = err.code ?? err.driverError?.code;
      throw typeof code === 'string' && ROWS_REFUSED.test(code) ? new UsageRowsRefusedError(`SQLSTATE ${code}`) : e;
    }
  }

  async groups(groupBy: GroupBy, range: TimeRange): Promise<UsageGroup[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT ${KEY[groupBy]} AS key, count(*)::int AS calls, sum(prompt_tokens)::bigint AS prompt_tokens, sum(completion_tokens)::bigint AS completion_tokens,
              CASE WHEN bool_or(cost_usd IS NULL) THEN NULL ELSE sum(cost_usd) END AS cost_usd,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95
         FROM usage_records WHERE ${MODEL_CALLS} AND ${IN_RANGE} GROUP BY 1 ORDER BY 1`,
      this.range(range),
    );
    return rows.map((r) => ({
      key: String(r.key),
      calls: num(r.calls),
      prompt_tokens: num(r.prompt_tokens),
      completion_tokens: num(r.completion_tokens),
      cost_usd: r.cost_usd === null ? null : Math.round(num(r.cost_usd) * 1e8) / 1e8,
      p50_ms: round2(r.p50),
      p95_ms: round2(r.p95),
    }));
  }

  async stages(range: TimeRange): Promise<StagePercentiles[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT s.key AS stage, count(*)::int AS count,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY s.value::float8) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY s.value::float8) AS p95
         FROM usage_records, jsonb_each_text(stages) s WHERE stages IS NOT NULL AND ${IN_RANGE} GROUP BY 1 ORDER BY 1`,
      this.range(range),
    );
    return rows.map((r) => ({ stage: r.stage as keyof StageTimings, count: num(r.count), p50_ms: round2(r.p50), p95_ms: round2(r.p95) }));
  }

  async tools(range: TimeRange): Promise<ToolUsage[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT t->>'name' AS tool, count(*)::int AS calls, count(*) FILTER (WHERE t->>'ok' = 'false')::int AS failures
         FROM usage_records, jsonb_array_elements(tools) t WHERE tools IS NOT NULL AND ${IN_RANGE} GROUP BY 1 ORDER BY 2 DESC, 1`,
      this.range(range),
    );
    return rows.map((r) => ({ tool: String(r.tool), calls: num(r.calls), failures: num(r.failures) }));
  }

  async errors(range: TimeRange): Promise<ErrorCount[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT error, operation, count(*)::int AS count FROM usage_records WHERE error IS NOT NULL AND ${MODEL_CALLS} AND ${IN_RANGE} GROUP BY 1, 2 ORDER BY 3 DESC, 1`,
      this.range(range),
    );
    return rows.map((r) => ({ error: String(r.error), operation: String(r.operation), count: num(r.count) }));
  }

  async costSince(from: Date): Promise<number> {
    const [row] = await this.dataSource.query(`SELECT coalesce(sum(cost_usd), 0) AS cost FROM usage_records WHERE at >= $1`, [from.toISOString()]);
    return num(row?.cost);
  }

  async tokensSince(userId: string, from: Date): Promise<number> {
    // usage_records_user_at (user_id, at) serves it: one user's rows of the day, not the table. A user's embedding rows
    // (their ingests and query embeddings, estimated tokens) are theirs in the reports but not in the quota of model calls.
    const [row] = await this.dataSource.query(
      `SELECT coalesce(sum(prompt_tokens + completion_tokens), 0)::bigint AS tokens FROM usage_records WHERE user_id = $1 AND at >= $2 AND operation <> ALL($3::text[])`,
      [userId, from.toISOString(), QUOTA_EXEMPT_OPERATIONS],
    );
    return num(row?.tokens);
  }

  async claimAlert(alert: Omit<BudgetAlertRecord, 'at'>): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `INSERT INTO budget_alerts (period, kind, threshold_usd, cost_usd) VALUES ($1, $2, $3, $4) ON CONFLICT (period) DO NOTHING RETURNING period`,
      [alert.period, alert.kind, alert.threshold_usd, alert.cost_usd],
    );
    return rows.length > 0;
  }

  async alerts(range: TimeRange): Promise<BudgetAlertRecord[]> {
    const rows: Array<Record<string, unknown>> = await this.dataSource.query(
      `SELECT period, kind, threshold_usd, cost_usd, at FROM budget_alerts WHERE ${IN_RANGE} ORDER BY at`,
      this.range(range),
    );
    return rows.map((r) => ({
      period: String(r.period),
      kind: r.kind as BudgetAlertRecord['kind'],
      threshold_usd: num(r.threshold_usd),
      cost_usd: num(r.cost_usd),
      at: new Date(r.at as string).toISOString(),
    }));
  }

  private range(r: TimeRange): Array<string | null> {
    return [r.from?.toISOString() ?? null, r.to?.toISOString() ?? null];
  }
}

/** Request stages whose durations (ms) a usage row may carry; Prometheus' acervo_stage_duration_seconds uses the same names. */
export const STAGES = ['embed', 'search', 'generate', 'tool'] as const;
export type Stage = (typeof STAGES)[number];
export type StageTimings = Partial<Record<Stage, number>>;

/**
 * The operation of a row that is no model call: a request that called no model (an offline chat turn that ran a tool,
 * an /v1/ask with no evidence) still has its stage timings and tool runs reported (issue s16/4). Provider and model
 * `none`, 0 tokens, cost 0; the call counts, tokens, costs and errors of the reports leave these rows out.
 */
export const NO_MODEL_CALL = 'no_model_call';

/** Embedding rows: a user's in the reports, not in their daily quota of model tokens. */
export const EMBEDDING_OPERATIONS: readonly string[] = ['embed_query', 'embed_document', 'embed_warmup'];

/** The rows a user's daily token quota leaves out: embeddings, and requests that called no model. */
export const QUOTA_EXEMPT_OPERATIONS: readonly string[] = [...EMBEDDING_OPERATIONS, NO_MODEL_CALL];

/** One model call, as stored: the usage and cost reports aggregate these rows. */
export interface UsageRecord {
  operation: string;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  ms: number;
  costUsd: number | null;
  userId?: string;
  conversationId?: string;
  requestId?: string;
  /** The request's stage timings, on the row of its main generation. */
  stages?: StageTimings;
  /** Tools the request called (chat), on the same row. */
  tools?: Array<{ name: string; ok: boolean }>;
  /** A failed model call: the error's code or class (tokens 0). */
  error?: string;
}

export const GROUP_BY = ['user', 'model', 'day', 'month'] as const;
export type GroupBy = (typeof GROUP_BY)[number];

export interface TimeRange {
  from?: Date;
  to?: Date;
}

export interface UsageGroup {
  key: string;
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  /** null when any call of the group has no price. */
  cost_usd: number | null;
  p50_ms: number;
  p95_ms: number;
}

export interface StagePercentiles {
  stage: Stage;
  count: number;
  p50_ms: number;
  p95_ms: number;
}

export interface ToolUsage {
  tool: string;
  calls: number;
  failures: number;
}

export interface ErrorCount {
  error: string;
  operation: string;
  count: number;
}

export interface BudgetAlertRecord {
  period: string;
  kind: 'daily' | 'monthly';
  threshold_usd: number;
  cost_usd: number;
  at: string;
}

/**
 * An insert refused for what its rows hold (a value the table cannot take: a NUL in a text, a number out of range, a
 * violated constraint, a row too large), not for the database's state: the same rows fail again, however often they
 * are retried. `reason` names the database's error class (a SQLSTATE), never the values.
 */
export class UsageRowsRefusedError extends Error {
  constructor(readonly reason: string) {
    super(`the database refused the usage rows' values (${reason})`);
    this.name = 'UsageRowsRefusedError';
  }
}

export interface UsageStore {
  /** Stores the rows, all or none; a refusal for the rows' values is a UsageRowsRefusedError. */
  insert(records: UsageRecord[]): Promise<void>;
  groups(groupBy: GroupBy, range: TimeRange): Promise<UsageGroup[]>;
  stages(range: TimeRange): Promise<StagePercentiles[]>;
  tools(range: TimeRange): Promise<ToolUsage[]>;
  errors(range: TimeRange): Promise<ErrorCount[]>;
  /** Priced cost since `from` (unpriced calls count 0 here: a budget watches what is known). */
  costSince(from: Date): Promise<number>;
  /** Prompt + completion tokens of one user's model calls since `from` (the daily token quota; embedding rows, `embed_*`, do not count). */
  tokensSince(userId: string, from: Date): Promise<number>;
  /** Inserts the alert unless its period already has one; true when this call inserted it. */
  claimAlert(alert: Omit<BudgetAlertRecord, 'at'>): Promise<boolean>;
  alerts(range: TimeRange): Promise<BudgetAlertRecord[]>;
}

export const USAGE_STORE = Symbol('USAGE_STORE');

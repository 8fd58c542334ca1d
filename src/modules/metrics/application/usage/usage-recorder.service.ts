import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { outsideTransaction } from '../../../../shared/database/transaction';
import { Pricing } from '../../domain/pricing';
import { BudgetMonitor } from '../budget/budget-monitor.service';
import { TELEMETRY, Telemetry } from '../ports/telemetry.port';
import { EMBEDDING_OPERATIONS, NO_MODEL_CALL, STAGES, StageTimings, USAGE_STORE, UsageRecord, UsageRowsRefusedError, UsageStore } from '../ports/usage-store.port';
import { UserTokenUsage } from './user-token-usage.service';

export interface ModelCall {
  /** What the call was for: chat, ask, rewrite, summary, tool_decision, embed ... */
  operation: string;
  /** `provider:model` as the generation reports it. */
  modelId: string;
  promptTokens: number;
  completionTokens: number;
  ms: number;
  userId?: string;
  conversationId?: string;
  requestId?: string;
  /** The request's stage timings (ms), on its main generation's row. */
  stages?: StageTimings;
  tools?: Array<{ name: string; ok: boolean }>;
  /** The failed call's error code (its tokens are 0). */
  error?: string;
}

/** Rows are written together at most this long after the first one (or at BATCH_ROWS). */
const BATCH_MS = 500;
const BATCH_ROWS = 100;

/** A failed background write is logged at most once per this many ms (with the count since). */
const WARN_INTERVAL_MS = 60_000;

/** Rows whose write failed are kept for another attempt, at most this many (the oldest are lost past it). */
export const MAX_RETRY_ROWS = 20_000;
/** One INSERT writes at most this many rows (13 parameters a row, Postgres takes 65,535 a statement). */
const MAX_INSERT_ROWS = 1_000;
/** The first retry of a failed write waits this long, doubled per failure in a row up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 500;
const RETRY_MAX_MS = 30_000;
/** At shutdown, rows still failing are tried this many more times (RETRY_FIRST_MS apart, doubled) before they are lost. */
const SHUTDOWN_ATTEMPTS = 3;

/**
 * Prices every model call from config/pricing.yaml and stores one usage row per call. A model with no
 * price costs null (and one warning per model and process), never a silent 0.
 *
 * `record` writes off the request path: the request never waits for it and never fails because of it. Rows are
 * written together, at most BATCH_MS after the first (or at BATCH_ROWS): one INSERT per request held the embedded
 * database's one session as long as a search's own statements under concurrent /v1/ask (issue 13).
 * `flush` awaits what is in flight, and shutdown does.
 *
 * A failed write loses nothing at once (issue s16/2: a long synchronous upload held the embedded database and
 * batches of rows were dropped): its rows are kept, at most MAX_RETRY_ROWS (the oldest are lost past it), and
 * written again after a backoff (RETRY_FIRST_MS doubled per failure in a row, up to RETRY_MAX_MS). Shutdown tries
 * them a few more times; what is still unwritten then is lost. Lost rows are counted
 * (acervo_usage_rows_lost_total) and logged as an error; rows waiting are acervo_usage_rows_pending.
 *
 * A write the database refuses for its rows' values (UsageRowsRefusedError: a row it can never take) is not retried
 * as a whole: one such row would hold its batch until the retry cap or shutdown. It is split in halves, written
 * again at once, down to the rows that fail alone: those are dropped, counted lost and logged (a warning, with the
 * row's operation, model and request id, none of its values); the rest are stored.
 */
@Injectable()
export class UsageRecorder implements OnApplicationShutdown {
  private readonly logger = new Logger('Usage');
  private readonly pricing: Pricing;
  private readonly warned = new Set<string>();
  private readonly pending = new Set<Promise<void>>();
  private buffered: ModelCall[] = [];
  /** Rows priced by record(), waiting for the next write. */
  private priced: UsageRecord[] = [];
  private bufferTimer?: NodeJS.Timeout;
  /** Priced rows whose write failed, waiting for the retry timer (oldest first). */
  private failed: UsageRecord[] = [];
  private retryTimer?: NodeJS.Timeout;
  /** Writes failed in a row (the backoff's exponent); 0 after a write succeeds. */
  private failures = 0;
  /** Rows of failed writes being written again now (acervo_usage_rows_pending counts them until they settle). */
  private retryInFlight = 0;
  private failedSinceWarn = 0;
  private lastWarn = 0;

  constructor(
    @Inject(USAGE_STORE) private readonly store: UsageStore,
    @Inject(TELEMETRY) private readonly telemetry: Telemetry,
    private readonly budget: BudgetMonitor,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly userTokens: UserTokenUsage,
  ) {
    this.pricing = new Pricing(config.metrics.pricing);
  }

  /** The call's cost in USD (null when unknown), without storing anything. */
  cost(modelId: string, promptTokens: number, completionTokens: number): number | null {
    const cost = this.pricing.cost(modelId, promptTokens, completionTokens);
    if (cost === null && !this.warned.has(modelId)) {
      this.warned.add(modelId);
      this.logger.warn({ model: modelId }, `no price for model ${modelId} in config/pricing.yaml: its cost is reported as null`);
    }
    return cost;
  }

  /** Stage timings of a request (Prometheus' acervo_stage_duration_seconds), whether or not a model was called. */
  observeStages(stages: StageTimings): void {
    for (const stage of STAGES) {
      const ms = stages[stage];
      if (ms !== undefined) this.telemetry.observeStage(stage, ms);
    }
  }

  /** One answer-cache lookup of /v1/ask and its outcome (Prometheus' acervo_cache_lookups_total). */
  countCacheLookup(cache: 'response' | 'semantic', outcome: 'hit' | 'miss'): void {
    this.telemetry.countCacheLookup(cache, outcome);
  }

  /**
   * Prices the calls now and stores them in the background, with the other rows of the next BATCH_MS: a failed
   * write is logged (once per minute), never thrown.
   */
  record(calls: ModelCall[]): Array<number | null> {
    const records = this.price(calls);
    if (!records.length) return [];
    for (const r of records) if (r.userId) this.userTokens.add(r.userId, quotaTokens(r));
    this.priced.push(...records);
    this.schedule();
    return records.map((r) => r.costUsd);
  }

  /**
   * A request that called no model: its stage timings and tool runs, in a row of their own (NO_MODEL_CALL: no call,
   * no tokens, no cost), written with the next batch. A request that called a model carries them on its call's row.
   */
  recordWithoutModel(request: { stages?: StageTimings; tools?: Array<{ name: string; ok: boolean }>; userId?: string; conversationId?: string; requestId?: string }): void {
    const stages = request.stages && Object.keys(request.stages).length ? request.stages : undefined;
    const tools = request.tools?.length ? request.tools : undefined;
    if (!stages && !tools) return;
    const ms = Object.values(stages ?? {}).reduce((a, v) => a + (v ?? 0), 0);
    this.priced.push({
      operation: NO_MODEL_CALL, provider: 'none', model: 'none', promptTokens: 0, completionTokens: 0, ms: Math.round(ms), costUsd: 0,
      userId: request.userId, conversationId: request.conversationId, requestId: request.requestId, stages, tools,
    });
    this.schedule();
  }

  private write(records: UsageRecord[], retried = false): void {
    for (let i = 0; i < records.length; i += MAX_INSERT_ROWS) this.writeOne(records.slice(i, i + MAX_INSERT_ROWS), retried);
  }

  private writeOne(records: UsageRecord[], retried: boolean): void {
    // usage rows are written outside whatever transaction made the call (an ingest batch): nobody awaits them, so
    // inside it they would go through its connection after it closed, or vanish with a rollback
    const write = outsideTransaction(() => this.store.insert(records))
      .then(
        () => {
          this.failures = 0;
          this.written(records);
          this.budget.schedule();
        },
        (e: unknown) => (e instanceof UsageRowsRefusedError ? this.refused(e, records, retried) : this.writeFailed(e, records)),
      )
      .finally(() => {
        this.pending.delete(write);
        if (retried) {
          this.retryInFlight -= records.length;
          this.showPending();
        }
      });
    this.pending.add(write);
  }

  /** Rows stored, or lost for good: no longer the quota's unwritten tokens. */
  private written(records: UsageRecord[]): void {
    for (const r of records) if (r.userId) this.userTokens.written(r.userId, quotaTokens(r));
  }

  /**
   * For frequent small calls (every embedding): buffered and written with the next batch of rows, so a search
   * does not add a write of its own. Priced and counted when written.
   */
  recordSoon(call: ModelCall): void {
    this.buffered.push(call);
    this.schedule();
  }

  private schedule(): void {
    if (this.buffered.length + this.priced.length >= BATCH_ROWS) this.drain();
    else if (!this.bufferTimer) {
      this.bufferTimer = setTimeout(() => this.drain(), BATCH_MS);
      this.bufferTimer.unref();
    }
  }

  private drain(): void {
    clearTimeout(this.bufferTimer);
    this.bufferTimer = undefined;
    const calls = this.buffered;
    this.buffered = [];
    const records = this.priced;
    this.priced = [];
    for (const r of this.price(calls)) {
      if (r.userId) this.userTokens.add(r.userId, quotaTokens(r));
      records.push(r);
    }
    if (records.length) this.write(records);
  }

  /** The rows of failed writes, written again (the retry timer, flush and shutdown). */
  private retry(): void {
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    const records = this.failed;
    if (!records.length) return;
    this.failed = [];
    this.retryInFlight += records.length;
    this.write(records, true);
  }

  /**
   * Waits for the background writes in flight (and the budget check they started), buffered calls included; rows
   * of failed writes are tried once more now (those failing again wait for the next retry).
   */
  async flush(): Promise<void> {
    this.drain();
    this.retry();
    while (this.pending.size) await Promise.all([...this.pending]);
    await this.budget.settled();
  }

  /** Rows of failed writes waiting for a retry. */
  get retrying(): number {
    return this.failed.length;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
    for (let attempt = 0, wait = RETRY_FIRST_MS; this.failed.length && attempt < SHUTDOWN_ATTEMPTS; attempt++, wait *= 2) {
      await new Promise((r) => setTimeout(r, wait));
      await this.flush();
    }
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    if (this.failed.length) {
      const lost = this.failed;
      this.failed = [];
      this.showPending();
      this.lose(lost, 'at shutdown, after its last attempts');
    }
  }

  private price(calls: ModelCall[]): UsageRecord[] {
    return calls.map((call) => {
      const [provider, ...rest] = call.modelId.split(':');
      const costUsd = this.cost(call.modelId, call.promptTokens, call.completionTokens);
      this.telemetry.countModelCall({ ...call, costUsd });
      return {
        operation: call.operation,
        provider,
        model: rest.join(':') || provider,
        promptTokens: call.promptTokens,
        completionTokens: call.completionTokens,
        ms: call.ms,
        costUsd,
        userId: call.userId,
        conversationId: call.conversationId,
        requestId: call.requestId,
        stages: call.stages,
        tools: call.tools,
        error: call.error,
      };
    });
  }

  /** A failed write: its rows wait for a retry with backoff; past MAX_RETRY_ROWS the oldest are lost. */
  private writeFailed(e: unknown, records: UsageRecord[]): void {
    this.failures++;
    this.failed.push(...records);
    const over = this.failed.length - MAX_RETRY_ROWS;
    if (over > 0) this.lose(this.failed.splice(0, over), `more than ${MAX_RETRY_ROWS} rows were waiting for a retry`, e);
    this.showPending();
    const wait = Math.min(RETRY_FIRST_MS * 2 ** (this.failures - 1), RETRY_MAX_MS);
    if (!this.retryTimer) {
      this.retryTimer = setTimeout(() => this.retry(), wait);
      this.retryTimer.unref();
    }
    this.failedSinceWarn += records.length;
    const now = Date.now();
    if (now - this.lastWarn < WARN_INTERVAL_MS) return;
    this.logger.warn(
      { err: (e as Error).message, rows_failed: this.failedSinceWarn, rows_pending: this.failed.length, retry_in_ms: wait },
      'usage rows could not be stored: kept and written again after a backoff (requests are not affected)',
    );
    this.lastWarn = now;
    this.failedSinceWarn = 0;
  }

  /**
   * A write refused for its rows' values: each half written again now, apart (no backoff: the database answered);
   * a row refused alone is dropped. Halving finds k such rows among n in about 2k·log2(n) writes.
   */
  private refused(e: UsageRowsRefusedError, records: UsageRecord[], retried: boolean): void {
    if (records.length === 1) {
      const [r] = records;
      this.written(records);
      this.telemetry.countUsageRowsLost(1);
      this.logger.warn(
        { reason: e.reason, operation: r.operation, model: `${r.provider}:${r.model}`, request_id: r.requestId ?? null },
        'usage row dropped: the database refuses its values (the usage reports miss it)',
      );
      return;
    }
    // rows of a retry stay pending until their halves settle (this write's own count is given back when it settles)
    if (retried) this.retryInFlight += records.length;
    const half = Math.ceil(records.length / 2);
    this.writeOne(records.slice(0, half), retried);
    this.writeOne(records.slice(half), retried);
  }

  /** acervo_usage_rows_pending: rows of failed writes, waiting or being written again. */
  private showPending(): void {
    this.telemetry.setUsageRowsPending(this.failed.length + this.retryInFlight);
  }

  /** Rows given up for good: counted (acervo_usage_rows_lost_total) and logged as an error, every time. */
  private lose(records: UsageRecord[], why: string, e?: unknown): void {
    this.written(records);
    this.telemetry.countUsageRowsLost(records.length);
    this.logger.error({ rows_lost: records.length, ...(e ? { err: (e as Error).message } : {}) }, `usage rows lost: ${why} (the usage reports miss them)`);
  }
}

/** What a row counts in its user's daily token quota: a model call's tokens; an embedding row (embed_query, embed_document, embed_warmup) none. */
function quotaTokens(r: { operation: string; promptTokens: number; completionTokens: number }): number {
  return EMBEDDING_OPERATIONS.includes(r.operation) ? 0 : r.promptTokens + r.completionTokens;
}

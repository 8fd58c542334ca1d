import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { outsideTransaction } from '../../../../shared/database/transaction';
import { Pricing } from '../../domain/pricing';
import { BudgetMonitor } from '../budget/budget-monitor.service';
import { TELEMETRY, Telemetry } from '../ports/telemetry.port';
import { STAGES, StageTimings, USAGE_STORE, UsageRecord, UsageStore } from '../ports/usage-store.port';
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

/**
 * Prices every model call from config/pricing.yaml and stores one usage row per call. A model with no
 * price costs null (and one warning per model and process), never a silent 0.
 *
 * `record` writes off the request path: the request never waits for it and never fails because of it. Rows are
 * written together, at most BATCH_MS after the first (or at BATCH_ROWS): one INSERT per request held the embedded
 * database's one session as long as a search's own statements under concurrent /v1/ask (issue 13).
 * `flush` awaits what is in flight, and shutdown does.
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

  private write(records: UsageRecord[]): void {
    // usage rows are written outside whatever transaction made the call (an ingest batch): nobody awaits them, so
    // inside it they would go through its connection after it closed, or vanish with a rollback
    const write = outsideTransaction(() => this.store.insert(records))
      .then(() => this.budget.schedule())
      .catch((e: unknown) => this.writeFailed(e, records.length))
      .finally(() => {
        for (const r of records) if (r.userId) this.userTokens.written(r.userId, quotaTokens(r));
        this.pending.delete(write);
      });
    this.pending.add(write);
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

  /** Waits for the background writes in flight (and the budget check they started), buffered calls included. */
  async flush(): Promise<void> {
    this.drain();
    while (this.pending.size) await Promise.all([...this.pending]);
    await this.budget.settled();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.flush();
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

  private writeFailed(e: unknown, rows: number): void {
    this.failedSinceWarn += rows;
    const now = Date.now();
    if (now - this.lastWarn < WARN_INTERVAL_MS) return;
    this.logger.warn({ err: (e as Error).message, rows_lost: this.failedSinceWarn }, 'usage rows could not be stored (requests are not affected)');
    this.lastWarn = now;
    this.failedSinceWarn = 0;
  }
}

/** What a row counts in its user's daily token quota: a model call's tokens; an embedding row (embed_query, embed_document) none. */
function quotaTokens(r: { operation: string; promptTokens: number; completionTokens: number }): number {
  return r.operation === 'embed_query' || r.operation === 'embed_document' ? 0 : r.promptTokens + r.completionTokens;
}

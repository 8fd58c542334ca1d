import { Injectable } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Telemetry } from '../../application/ports/telemetry.port';
import type { Stage } from '../../application/ports/usage-store.port';

/** The status label of a request whose client closed the connection before its response finished (nginx's 499). */
export const CLIENT_CLOSED_STATUS = '499';

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/**
 * The Prometheus exposition: one registry per app (tests run several apps in a process), the process' default
 * metrics, HTTP requests per route, stage durations, model tokens and cost. Served as text at GET /metrics.
 */
@Injectable()
export class PrometheusMetrics implements Telemetry {
  readonly registry = new Registry();
  private readonly httpRequests = new Counter({
    name: 'acervo_http_requests_total',
    help: 'HTTP requests answered, by method, route (the matched pattern) and status (499: the client closed the connection before the response finished)',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  private readonly httpDuration = new Histogram({
    name: 'acervo_http_request_duration_seconds',
    help: 'HTTP request latency until the response finished (or the client closed the connection), by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly stageDuration = new Histogram({
    name: 'acervo_stage_duration_seconds',
    help: 'Time spent per request stage (embed, search, generate, tool) in /v1/ask and /v1/chat',
    labelNames: ['stage'] as const,
    buckets: SECONDS,
    registers: [this.registry],
  });
  private readonly tokens = new Counter({
    name: 'acervo_llm_tokens_total',
    help: 'Model tokens by model (provider:model) and kind (prompt, completion)',
    labelNames: ['model', 'kind'] as const,
    registers: [this.registry],
  });
  private readonly cost = new Counter({
    name: 'acervo_llm_cost_usd_total',
    help: 'Model cost in USD by model, from config/pricing.yaml (unpriced calls add nothing; see acervo_llm_unpriced_calls_total)',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly calls = new Counter({
    name: 'acervo_llm_calls_total',
    help: 'Model calls by model and outcome (ok, error)',
    labelNames: ['model', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly unpriced = new Counter({
    name: 'acervo_llm_unpriced_calls_total',
    help: 'Model calls with no price in config/pricing.yaml, by model',
    labelNames: ['model'] as const,
    registers: [this.registry],
  });
  private readonly cacheLookups = new Counter({
    name: 'acervo_cache_lookups_total',
    help: 'Answer cache lookups of /v1/ask by cache (response: the exact question; semantic: a close one, after an exact miss) and outcome (hit, miss)',
    labelNames: ['cache', 'outcome'] as const,
    registers: [this.registry],
  });
  private readonly usageRowsLost = new Counter({
    name: 'acervo_usage_rows_lost_total',
    help: 'Usage rows never stored: more failed writes waiting than the retry buffer holds, or still failing at shutdown',
    registers: [this.registry],
  });
  private readonly usageRowsPending = new Gauge({
    name: 'acervo_usage_rows_pending',
    help: 'Usage rows whose write failed, waiting to be written again',
    registers: [this.registry],
  });

  private readonly jobOutcomes = new Counter({
    name: 'acervo_jobs_total',
    help: 'Background job attempts that ended, by kind and outcome (completed, failed: for good, retried: failed and waiting for another attempt)',
    labelNames: ['kind', 'outcome'] as const,
    registers: [this.registry],
  });
  private queueDepthReader?: () => Promise<Record<string, number>>;
  private readonly queueDepth = new Gauge({
    name: 'acervo_queue_jobs',
    help: 'Jobs in the queue by state (waiting, active, completed, failed), read from the queue at scrape time; absent when the queue cannot be read (Redis down)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => this.readQueueDepth(),
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: 'acervo_' });
  }

  observeStage(stage: Stage, ms: number): void {
    if (Number.isFinite(ms) && ms >= 0) this.stageDuration.observe({ stage }, ms / 1000);
  }

  countModelCall(call: { modelId: string; promptTokens: number; completionTokens: number; costUsd: number | null; error?: string }): void {
    const model = call.modelId;
    this.calls.inc({ model, outcome: call.error ? 'error' : 'ok' });
    if (call.promptTokens) this.tokens.inc({ model, kind: 'prompt' }, call.promptTokens);
    if (call.completionTokens) this.tokens.inc({ model, kind: 'completion' }, call.completionTokens);
    if (call.costUsd === null) this.unpriced.inc({ model });
    else if (call.costUsd > 0) this.cost.inc({ model }, call.costUsd);
  }

  countCacheLookup(cache: 'response' | 'semantic', outcome: 'hit' | 'miss'): void {
    this.cacheLookups.inc({ cache, outcome });
  }

  countUsageRowsLost(rows: number): void {
    if (rows > 0) this.usageRowsLost.inc(rows);
  }

  setUsageRowsPending(rows: number): void {
    this.usageRowsPending.set(rows);
  }

  countJobOutcome(kind: string, outcome: 'completed' | 'failed' | 'retried'): void {
    this.jobOutcomes.inc({ kind, outcome });
  }

  /** The queue whose depth each scrape reads (the process's job queue registers itself at boot). */
  watchQueueDepth(read: () => Promise<Record<string, number>>): void {
    this.queueDepthReader = read;
  }

  private async readQueueDepth(): Promise<void> {
    this.queueDepth.reset();
    if (!this.queueDepthReader) return;
    try {
      for (const [state, n] of Object.entries(await this.queueDepthReader())) this.queueDepth.set({ state }, n);
    } catch {
      // the queue's store is down: no sample this scrape (its readiness entry says why), never a failed scrape
    }
  }

  /**
   * Express middleware: counts every request when its response finishes, labelled by the route pattern (never the raw
   * URL). A request whose client went away before its response finished (a closed stream, a client timeout) is
   * counted when its connection closes, with status "499" (nginx's "client closed request"; never sent by acervo),
   * and its duration until then.
   */
  readonly middleware = (req: Request, res: Response, next: NextFunction): void => {
    const start = process.hrtime.bigint();
    let counted = false;
    const count = (status: string) => {
      if (counted) return;
      counted = true;
      const route = routeOf(req);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      this.httpRequests.inc({ method: req.method, route, status });
      this.httpDuration.observe({ method: req.method, route }, seconds);
    };
    res.once('finish', () => count(String(res.statusCode)));
    res.once('close', () => {
      if (!res.writableFinished) count(CLIENT_CLOSED_STATUS);
    });
    next();
  };

  render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

/** The matched route pattern (`/v1/documents/:id`); requests no route matched share one label. */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  if (typeof path === 'string') return (req.baseUrl ?? '') + path;
  return 'unmatched';
}

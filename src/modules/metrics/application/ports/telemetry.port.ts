import type { Stage } from './usage-store.port';

/** Live counters and histograms (Prometheus' /metrics); the usage store keeps the durable record. */
export interface Telemetry {
  observeStage(stage: Stage, ms: number): void;
  countModelCall(call: { modelId: string; promptTokens: number; completionTokens: number; costUsd: number | null; error?: string }): void;
  /** One lookup of the /v1/ask answer cache: the exact (response) one, or the semantic one after an exact miss. */
  countCacheLookup(cache: 'response' | 'semantic', outcome: 'hit' | 'miss'): void;
  /** Usage rows given up for good (the retry buffer overflowed, or shutdown came before they could be written). */
  countUsageRowsLost(rows: number): void;
  /** Usage rows whose write failed, waiting for a retry. */
  setUsageRowsPending(rows: number): void;
}

export const TELEMETRY = Symbol('TELEMETRY');

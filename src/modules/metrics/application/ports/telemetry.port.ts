import type { Stage } from './usage-store.port';

/** Live counters and histograms (Prometheus' /metrics); the usage store keeps the durable record. */
export interface Telemetry {
  observeStage(stage: Stage, ms: number): void;
  countModelCall(call: { modelId: string; promptTokens: number; completionTokens: number; costUsd: number | null; error?: string }): void;
}

export const TELEMETRY = Symbol('TELEMETRY');

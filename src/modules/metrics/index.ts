// Public surface of the metrics module.
export { MetricsModule } from './metrics.module';
export { UsageRecorder } from './application/usage/usage-recorder.service';
export { UserTokenUsage, nextUtcMidnight } from './application/usage/user-token-usage.service';
export type { ModelCall } from './application/usage/usage-recorder.service';
export type { StageTimings } from './application/ports/usage-store.port';
export { PrometheusMetrics } from './infrastructure/prometheus/prometheus.metrics';
export { listenForScrapes } from './infrastructure/prometheus/metrics-listener';
export { sumCosts } from './domain/pricing';

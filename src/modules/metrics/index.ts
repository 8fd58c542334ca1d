// Public surface of the metrics module.
export { MetricsModule } from './metrics.module';
export { UsageRecorder } from './application/usage/usage-recorder.service';
export type { ModelCall } from './application/usage/usage-recorder.service';
export { sumCosts } from './domain/pricing';

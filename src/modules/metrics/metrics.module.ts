import { Inject, Module, OnModuleInit } from '@nestjs/common';
import { HealthRegistry } from '../../shared/health';
import { BudgetMonitor } from './application/budget/budget-monitor.service';
import { BUDGET_NOTIFIER } from './application/ports/budget-notifier.port';
import { TELEMETRY } from './application/ports/telemetry.port';
import { USAGE_STORE } from './application/ports/usage-store.port';
import { UsageReports } from './application/reports/usage-report.service';
import { UsageRecorder } from './application/usage/usage-recorder.service';
import { UserTokenUsage } from './application/usage/user-token-usage.service';
import { PrometheusMetrics } from './infrastructure/prometheus/prometheus.metrics';
import { TypeOrmUsageStore } from './infrastructure/typeorm-usage.store';
import { WebhookBudgetNotifier } from './infrastructure/webhook.budget-notifier';
import { PrometheusController, UsageController } from './interface/http/metrics.controller';

/** With budget thresholds set, /health/ready shows them (always up: a spent budget is news, not an outage). */
class MetricsBootstrap implements OnModuleInit {
  constructor(
    private readonly budget: BudgetMonitor,
    @Inject(HealthRegistry) private readonly health: HealthRegistry,
  ) {}

  onModuleInit(): void {
    if (!this.budget.enabled) return;
    this.health.register({
      name: 'budget',
      check: async () => {
        try {
          return { up: true, details: { ...(await this.budget.status()) } };
        } catch (e) {
          return { up: true, details: { error: (e as Error).message } };
        }
      },
    });
  }
}

/** Owns usage records, cost, reports and the Prometheus exposition; other modules publish model calls to it. */
@Module({
  controllers: [UsageController, PrometheusController],
  providers: [
    { provide: USAGE_STORE, useClass: TypeOrmUsageStore },
    { provide: BUDGET_NOTIFIER, useClass: WebhookBudgetNotifier },
    PrometheusMetrics,
    { provide: TELEMETRY, useExisting: PrometheusMetrics },
    BudgetMonitor,
    UsageRecorder,
    UserTokenUsage,
    UsageReports,
    MetricsBootstrap,
  ],
  exports: [UsageRecorder, UserTokenUsage, PrometheusMetrics],
})
export class MetricsModule {}

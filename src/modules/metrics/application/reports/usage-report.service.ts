import { Inject, Injectable } from '@nestjs/common';
import { sumCosts } from '../../domain/pricing';
import { BudgetMonitor, BudgetStatus } from '../budget/budget-monitor.service';
import {
  BudgetAlertRecord, ErrorCount, GroupBy, StagePercentiles, TimeRange, ToolUsage, USAGE_STORE, UsageGroup, UsageStore,
} from '../ports/usage-store.port';

export interface UsageReport {
  from: string | null;
  to: string | null;
  generated_at: string;
  totals: { calls: number; prompt_tokens: number; completion_tokens: number; cost_usd: number | null };
  by_user: UsageGroup[];
  by_day: UsageGroup[];
  by_month: UsageGroup[];
  by_model: UsageGroup[];
  stages: StagePercentiles[];
  tools: ToolUsage[];
  errors: ErrorCount[];
  budget: BudgetStatus & { alerts: BudgetAlertRecord[] };
}

/** Usage grouped for GET /v1/metrics/usage and the whole report for GET /v1/metrics/report. */
@Injectable()
export class UsageReports {
  constructor(
    @Inject(USAGE_STORE) private readonly store: UsageStore,
    private readonly budget: BudgetMonitor,
  ) {}

  usage(groupBy: GroupBy, range: TimeRange): Promise<UsageGroup[]> {
    return this.store.groups(groupBy, range);
  }

  async report(range: TimeRange, now = new Date()): Promise<UsageReport> {
    const [byUser, byDay, byMonth, byModel, stages, tools, errors, alerts, status] = await Promise.all([
      this.store.groups('user', range),
      this.store.groups('day', range),
      this.store.groups('month', range),
      this.store.groups('model', range),
      this.store.stages(range),
      this.store.tools(range),
      this.store.errors(range),
      this.store.alerts(range),
      this.budget.status(now),
    ]);
    return {
      from: range.from?.toISOString() ?? null,
      to: range.to?.toISOString() ?? null,
      generated_at: now.toISOString(),
      totals: {
        calls: byModel.reduce((a, g) => a + g.calls, 0),
        prompt_tokens: byModel.reduce((a, g) => a + g.prompt_tokens, 0),
        completion_tokens: byModel.reduce((a, g) => a + g.completion_tokens, 0),
        cost_usd: sumCosts(byModel.map((g) => g.cost_usd)),
      },
      by_user: byUser,
      by_day: byDay,
      by_month: byMonth,
      by_model: byModel,
      stages,
      tools,
      errors,
      budget: { ...status, alerts },
    };
  }
}

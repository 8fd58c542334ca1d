import { Inject, Injectable, Logger } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../../shared/config';
import { BUDGET_NOTIFIER, BudgetCrossing, BudgetNotifier } from '../ports/budget-notifier.port';
import { USAGE_STORE, UsageStore } from '../ports/usage-store.port';

export interface BudgetLine {
  threshold_usd: number;
  spent_usd: number;
  crossed: boolean;
  period: string;
}

export interface BudgetStatus {
  daily?: BudgetLine;
  monthly?: BudgetLine;
}

/**
 * Daily and monthly cost thresholds (metrics.budget). After usage rows are stored, the period's priced cost
 * is summed; a threshold crossed for the first time in its period (claimed in budget_alerts, so once across
 * replicas and restarts) logs a `budget.crossed` warning and POSTs the webhook. Never fails a request.
 */
@Injectable()
export class BudgetMonitor {
  private readonly logger = new Logger('Budget');
  private running?: Promise<void>;
  private again = false;
  private last: BudgetStatus = {};

  constructor(
    @Inject(USAGE_STORE) private readonly store: UsageStore,
    @Inject(BUDGET_NOTIFIER) private readonly notifier: BudgetNotifier,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  get enabled(): boolean {
    const b = this.config.metrics.budget;
    return b.dailyUsd !== undefined || b.monthlyUsd !== undefined;
  }

  /** Starts a check after new usage (one at a time; usage during a check runs one more after it). */
  schedule(): void {
    if (!this.enabled) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.loop().finally(() => (this.running = undefined));
  }

  /** Resolves when no check is running. */
  async settled(): Promise<void> {
    while (this.running) await this.running;
  }

  /** The thresholds, what was spent in their periods and whether they were crossed (checked now). */
  async status(now = new Date()): Promise<BudgetStatus> {
    if (this.enabled) await this.check(now);
    return this.last;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.check(new Date());
      } catch (e) {
        this.logger.warn({ err: (e as Error).message }, 'budget check failed');
      }
    } while (this.again);
  }

  private async check(now: Date): Promise<void> {
    const b = this.config.metrics.budget;
    const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
    const month = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
    const next: BudgetStatus = {};
    if (b.dailyUsd !== undefined) next.daily = await this.line('daily', b.dailyUsd, day, day.toISOString().slice(0, 10), now);
    if (b.monthlyUsd !== undefined) next.monthly = await this.line('monthly', b.monthlyUsd, month, month.toISOString().slice(0, 7), now);
    this.last = next;
  }

  private async line(kind: 'daily' | 'monthly', threshold: number, since: Date, period: string, now: Date): Promise<BudgetLine> {
    const spent = await this.store.costSince(since);
    const crossed = spent >= threshold;
    if (crossed && (await this.store.claimAlert({ period: `${kind}:${period}`, kind, threshold_usd: threshold, cost_usd: spent }))) {
      const crossing: BudgetCrossing = { event: 'budget.crossed', kind, period, threshold_usd: threshold, cost_usd: spent, at: now.toISOString() };
      this.logger.warn(crossing, `${kind} budget crossed: USD ${spent} spent in ${period}, threshold USD ${threshold}`);
      await this.notifier.notify(crossing).catch((e: unknown) => this.logger.warn({ err: (e as Error).message, kind, period }, 'budget webhook failed'));
    }
    return { threshold_usd: threshold, spent_usd: spent, crossed, period };
  }
}

import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, AppConfig } from '../../../shared/config';
import type { BudgetCrossing, BudgetNotifier } from '../application/ports/budget-notifier.port';

/** POSTs the crossing as JSON to metrics.budget.webhookUrl (no URL: nothing to do). One attempt, bounded by webhookTimeoutMs. */
@Injectable()
export class WebhookBudgetNotifier implements BudgetNotifier {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  async notify(crossing: BudgetCrossing): Promise<void> {
    const { webhookUrl, webhookTimeoutMs } = this.config.metrics.budget;
    if (!webhookUrl) return;
    const res = await fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'acervo-budget' },
      body: JSON.stringify(crossing),
      signal: AbortSignal.timeout(webhookTimeoutMs),
    });
    await res.arrayBuffer().catch(() => undefined);
    // the URL may carry a token (Slack-style hooks): only its origin goes into the error
    if (!res.ok) throw new Error(`webhook ${new URL(webhookUrl).origin} answered ${res.status}`);
  }
}

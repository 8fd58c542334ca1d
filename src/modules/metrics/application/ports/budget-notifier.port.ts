/** What a budget crossing announces (the webhook's JSON body). */
export interface BudgetCrossing {
  event: 'budget.crossed';
  kind: 'daily' | 'monthly';
  /** `2026-12-01` (daily) or `2026-12` (monthly), UTC. */
  period: string;
  threshold_usd: number;
  cost_usd: number;
  at: string;
}

export interface BudgetNotifier {
  notify(crossing: BudgetCrossing): Promise<void>;
}

export const BUDGET_NOTIFIER = Symbol('BUDGET_NOTIFIER');

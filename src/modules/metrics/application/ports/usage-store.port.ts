/** One model call, as stored: the operations reports (issue 10) aggregate these rows. */
export interface UsageRecord {
  operation: string;
  provider: string;
  model: string;
  promptTokens: number;
  completionTokens: number;
  ms: number;
  costUsd: number | null;
  userId?: string;
  conversationId?: string;
  requestId?: string;
}

export interface UsageStore {
  insert(records: UsageRecord[]): Promise<void>;
}

export const USAGE_STORE = Symbol('USAGE_STORE');
